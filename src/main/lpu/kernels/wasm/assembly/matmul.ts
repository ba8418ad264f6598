// INT8 matmuls (q8·q8 with per-32 group scales, like llama.cpp's q8_0 dot) and the f32/f16 float paths.
// Every (m, n) output is computed by the same op sequence whatever tile it falls in, so results do not
// depend on M, on the [nStart, nEnd) split, or on the worker count.
import { hsum, hmax, f16x4ToF32, f16ToF32 } from './vmath';

const GROUP: usize = 32;

/**
 * Xq[M,K] int8, Xs[M,K/32] f32 ← X[M,K] f32: scale = max|x|/127 per group, q = floor(x/scale + 0.5).
 * The inverse scale and rounding are in f64 exactly like the TS oracle (Math.round), so both quantise identically.
 */
export function quantizeRowsQ8(xq: usize, xs: usize, x: usize, M: i32, K: i32): void {
  const groups = (<usize>M * <usize>K) / GROUP; // rows are contiguous and K % 32 == 0
  for (let g: usize = 0; g < groups; g++) {
    const src = x + g * GROUP * 4;
    let amax4 = f32x4.splat(0);
    for (let j: usize = 0; j < GROUP; j += 4) amax4 = f32x4.max(amax4, f32x4.abs(v128.load(src + j * 4)));
    const scale: f64 = <f64>hmax(amax4) / 127;
    const inv = f64x2.splat(scale != 0 ? 1 / scale : 0), half = f64x2.splat(0.5);
    store<f32>(xs + g * 4, <f32>scale);
    const dst = xq + g * GROUP;
    for (let j: usize = 0; j < GROUP; j += 16) {
      const a = quant4(v128.load(src + j * 4), inv, half), b = quant4(v128.load(src + j * 4, 16), inv, half);
      const c = quant4(v128.load(src + j * 4, 32), inv, half), d = quant4(v128.load(src + j * 4, 48), inv, half);
      v128.store(dst + j, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d)));
    }
  }
}

// Four f32 lanes → four i32 lanes of floor(x·inv + 0.5), computed in f64.
@inline function quant4(v: v128, inv: v128, half: v128): v128 {
  const lo = f64x2.floor(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), inv), half));
  const hi = f64x2.floor(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), inv), half));
  return v128.shuffle<i32>(i32x4.trunc_sat_f64x2_s_zero(lo), i32x4.trunc_sat_f64x2_s_zero(hi), 0, 1, 4, 5);
}

// i32x4 partial sums of one 32-element group: x given as four i16x8 (hoisted across weight rows), w read here.
@inline function groupDot(x0: v128, x1: v128, x2: v128, x3: v128, w: usize): v128 {
  const a = i32x4.add(i32x4.dot_i16x8_s(x0, v128.load8x8_s(w)), i32x4.dot_i16x8_s(x1, v128.load8x8_s(w, 8)));
  const b = i32x4.add(i32x4.dot_i16x8_s(x2, v128.load8x8_s(w, 16)), i32x4.dot_i16x8_s(x3, v128.load8x8_s(w, 24)));
  return i32x4.add(a, b);
}

@inline function scaleAdd(acc: v128, dots: v128, scale: f32): v128 {
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(dots), f32x4.splat(scale)));
}

/**
 * out[M, n] = Σ_g Xs[m,g]·S[n,g] · Σ_{k∈g} Xq[m,k]·W[n,k]  for n in [nStart, nEnd); out row stride N.
 * Decode (M = 1) walks 4 weight rows per activation load; prefill walks blocks of 16 activation rows
 * (kept in L1) against pairs of weight rows, so each weight byte is loaded once per block, not once per row.
 */
export function matmulQ8(out: usize, xq: usize, xs: usize, w: usize, ws: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  if (M == 1) {
    rowTimesRowsQ8(out, xq, xs, w, ws, K, nStart, nEnd);
    return;
  }
  const k = <usize>K, groups = k / GROUP, outStride = <usize>N * 4;
  const BLOCK = 16;
  for (let m0 = 0; m0 < M; m0 += BLOCK) {
    const m1 = min(M, m0 + BLOCK);
    let n = nStart;
    for (; n + 2 <= nEnd; n += 2) {
      let m = m0;
      for (; m + 2 <= m1; m += 2) {
        const mu = <usize>m, nu = <usize>n;
        tile2x2(out + mu * outStride + nu * 4, outStride, xq + mu * k, xs + mu * groups * 4, w + nu * k, ws + nu * groups * 4, k);
      }
      if (m < m1) rowTimesRowsQ8(out + <usize>m * outStride, xq + <usize>m * k, xs + <usize>m * groups * 4, w, ws, K, n, n + 2);
    }
    if (n < nEnd) {
      for (let m = m0; m < m1; m++) rowTimesRowsQ8(out + <usize>m * outStride, xq + <usize>m * k, xs + <usize>m * groups * 4, w, ws, K, n, nEnd);
    }
  }
}

// One activation row against weight rows [nStart, nEnd), four at a time; out points at the row's output.
function rowTimesRowsQ8(out: usize, xq: usize, xs: usize, w: usize, ws: usize, K: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, groups = k / GROUP, sStride = groups * 4;
  let n = nStart;
  for (; n + 4 <= nEnd; n += 4) {
    const w0 = w + <usize>n * k, s0 = ws + <usize>n * sStride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let g: usize = 0; g < groups; g++) {
      const xp = xq + g * GROUP, xScale = load<f32>(xs + g * 4);
      const x0 = v128.load8x8_s(xp), x1 = v128.load8x8_s(xp, 8), x2 = v128.load8x8_s(xp, 16), x3 = v128.load8x8_s(xp, 24);
      const wp = w0 + g * GROUP, sp = s0 + g * 4;
      a0 = scaleAdd(a0, groupDot(x0, x1, x2, x3, wp), xScale * load<f32>(sp));
      a1 = scaleAdd(a1, groupDot(x0, x1, x2, x3, wp + k), xScale * load<f32>(sp + sStride));
      a2 = scaleAdd(a2, groupDot(x0, x1, x2, x3, wp + 2 * k), xScale * load<f32>(sp + 2 * sStride));
      a3 = scaleAdd(a3, groupDot(x0, x1, x2, x3, wp + 3 * k), xScale * load<f32>(sp + 3 * sStride));
    }
    const o = out + <usize>n * 4;
    store<f32>(o, hsum(a0)); store<f32>(o, hsum(a1), 4); store<f32>(o, hsum(a2), 8); store<f32>(o, hsum(a3), 12);
  }
  for (; n < nEnd; n++) {
    const w0 = w + <usize>n * k, s0 = ws + <usize>n * sStride;
    let a0 = f32x4.splat(0);
    for (let g: usize = 0; g < groups; g++) {
      const xp = xq + g * GROUP;
      const x0 = v128.load8x8_s(xp), x1 = v128.load8x8_s(xp, 8), x2 = v128.load8x8_s(xp, 16), x3 = v128.load8x8_s(xp, 24);
      a0 = scaleAdd(a0, groupDot(x0, x1, x2, x3, w0 + g * GROUP), load<f32>(xs + g * 4) * load<f32>(s0 + g * 4));
    }
    store<f32>(out + <usize>n * 4, hsum(a0));
  }
}

// Two activation rows × two weight rows, 8 k at a time so 4 int and 4 float accumulators stay in registers.
@inline function tile2x2(out: usize, outStride: usize, xq: usize, xs: usize, w: usize, ws: usize, k: usize): void {
  const groups = k / GROUP, sStride = groups * 4;
  let f00 = f32x4.splat(0), f01 = f32x4.splat(0), f10 = f32x4.splat(0), f11 = f32x4.splat(0);
  for (let g: usize = 0; g < groups; g++) {
    let i00 = i32x4.splat(0), i01 = i32x4.splat(0), i10 = i32x4.splat(0), i11 = i32x4.splat(0);
    const xa = xq + g * GROUP, xb = xa + k, wa = w + g * GROUP, wb = wa + k;
    for (let j: usize = 0; j < GROUP; j += 8) {
      const x0 = v128.load8x8_s(xa + j), x1 = v128.load8x8_s(xb + j);
      const w0 = v128.load8x8_s(wa + j), w1 = v128.load8x8_s(wb + j);
      i00 = i32x4.add(i00, i32x4.dot_i16x8_s(x0, w0));
      i01 = i32x4.add(i01, i32x4.dot_i16x8_s(x0, w1));
      i10 = i32x4.add(i10, i32x4.dot_i16x8_s(x1, w0));
      i11 = i32x4.add(i11, i32x4.dot_i16x8_s(x1, w1));
    }
    const sx0 = load<f32>(xs + g * 4), sx1 = load<f32>(xs + sStride + g * 4);
    const sw0 = load<f32>(ws + g * 4), sw1 = load<f32>(ws + sStride + g * 4);
    f00 = scaleAdd(f00, i00, sx0 * sw0);
    f01 = scaleAdd(f01, i01, sx0 * sw1);
    f10 = scaleAdd(f10, i10, sx1 * sw0);
    f11 = scaleAdd(f11, i11, sx1 * sw1);
  }
  store<f32>(out, hsum(f00)); store<f32>(out, hsum(f01), 4);
  store<f32>(out + outStride, hsum(f10)); store<f32>(out + outStride, hsum(f11), 4);
}

/** out[M, n] = Σ_k X[m,k]·W[n,k] for n in [nStart, nEnd), W f32 [N,K]. */
export function matmulF32(out: usize, x: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, k4 = k & ~3;
  for (let m: usize = 0; m < <usize>M; m++) {
    const xr = x + m * k * 4, outRow = out + m * <usize>N * 4;
    for (let n = <usize>nStart; n < <usize>nEnd; n++) {
      const wr = w + n * k * 4;
      let acc = f32x4.splat(0);
      for (let i: usize = 0; i < k4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xr + i * 4), v128.load(wr + i * 4)));
      let sum = hsum(acc);
      for (let i = k4; i < k; i++) sum += load<f32>(xr + i * 4) * load<f32>(wr + i * 4);
      store<f32>(outRow + n * 4, sum);
    }
  }
}

/** out[M, n] = Σ_k X[m,k]·f16(W[n,k]) for n in [nStart, nEnd), W IEEE binary16 [N,K]. */
export function matmulF16(out: usize, x: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, k4 = k & ~3;
  for (let m: usize = 0; m < <usize>M; m++) {
    const xr = x + m * k * 4, outRow = out + m * <usize>N * 4;
    for (let n = <usize>nStart; n < <usize>nEnd; n++) {
      const wr = w + n * k * 2;
      let acc = f32x4.splat(0);
      for (let i: usize = 0; i < k4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xr + i * 4), f16x4ToF32(v128.load16x4_u(wr + i * 2))));
      let sum = hsum(acc);
      for (let i = k4; i < k; i++) sum += load<f32>(xr + i * 4) * f16ToF32(<u32>load<u16>(wr + i * 2));
      store<f32>(outRow + n * 4, sum);
    }
  }
}
