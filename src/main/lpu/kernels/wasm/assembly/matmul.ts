// INT8 matmuls (q8·q8 with per-32 group scales, like llama.cpp's q8_0 dot) and the f32/f16 float paths.
// Weight scales are IEEE binary16 (Q8_0's own layout), widened to f32 where they are applied.
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

// [Σa, Σb, Σc, Σd]: four groups' partial sums reduced into one vector (exact integer adds).
@inline function reduce4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 1, 5), v128.shuffle<i32>(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 1, 5), v128.shuffle<i32>(c, d, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
}

// Four f32 at p, p+stride, p+2·stride, p+3·stride (activation scales of four rows for one group).
@inline function gather4(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}

/**
 * f32 bits of the binary16 weight scale at p, exact for normals, subnormals and zero (scales are finite).
 * Scalar integer ops measured faster than SIMD widening here: they run beside the vector dot products.
 */
@inline function weightScaleBits(p: usize): u32 {
  const h = <u32>load<u16>(p), magnitude = h & 0x7fff, sign = (h & 0x8000) << 16;
  if (magnitude >= 0x400) return ((magnitude << 13) + 0x38000000) | sign; // rebias exponent 15 → 127
  return reinterpret<u32>(<f32>magnitude * 5.9604644775390625e-8) | sign; // subnormal or zero: m · 2^-24
}

@inline function weightScale(p: usize): f32 {
  return reinterpret<f32>(weightScaleBits(p));
}

// Four rows' scales (p + r·stride) as f32 lanes, built as two i64 halves: two integer→vector moves instead of four.
@inline function scales4(p: usize, stride: usize): v128 {
  const low = <u64>weightScaleBits(p) | (<u64>weightScaleBits(p + stride) << 32);
  const high = <u64>weightScaleBits(p + 2 * stride) | (<u64>weightScaleBits(p + 3 * stride) << 32);
  return i64x2.replace_lane(i64x2.splat(low), 1, high);
}

@inline function scaleAdd(acc: v128, dots: v128, scale: v128): v128 {
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(dots), scale));
}

// Every (m, n) of a multi-row step accumulates acc += f32(groupDot) · (xs[m,g]·ws[n,g]) in group order in one f32 lane (or scalar),
// so multi-row results are bitwise identical whichever tile computes them (and however prefill is chunked).

/**
 * out[M, n] = Σ_g Xs[m,g]·S[n,g] · Σ_{k∈g} Xq[m,k]·W[n,k]  for n in [nStart, nEnd); out row stride N; S binary16.
 * Decode (M = 1) walks 4 weight rows per activation load; prefill walks blocks of 16 activation rows
 * (kept in L1) in tiles of 4 activation rows × 2 weight rows, so each weight load serves four rows.
 */
export function matmulQ8(out: usize, xq: usize, xs: usize, w: usize, ws: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  if (M == 1) {
    decodeRowQ8(out, xq, xs, w, ws, K, nStart, nEnd);
    return;
  }
  const k = <usize>K, groups = k / GROUP, outStride = <usize>N * 4, xsStride = groups * 4, wsStride = groups * 2;
  const BLOCK = 16;
  for (let m0 = 0; m0 < M; m0 += BLOCK) {
    const m1 = min(M, m0 + BLOCK), m4 = m0 + ((m1 - m0) & ~3);
    let n = nStart;
    if (m4 > m0) {
      for (; n + 2 <= nEnd; n += 2) {
        for (let m = m0; m < m4; m += 4) {
          const mu = <usize>m, nu = <usize>n;
          tile4x2(out + mu * outStride + nu * 4, outStride, xq + mu * k, xs + mu * xsStride, w + nu * k, ws + nu * wsStride, k);
        }
      }
    }
    // rows left over from the 4-row tiles, and the odd weight row, one activation row at a time
    for (let m = m0; m < m1; m++) {
      const mu = <usize>m;
      const from = m < m4 ? n : nStart, o = out + mu * outStride, x = xq + mu * k, s = xs + mu * xsStride;
      if (from < nEnd) rowTimesRowsQ8(o, x, s, w, ws, K, from, nEnd);
    }
  }
}

// Decode (M = 1): one activation row against weight rows [nStart, nEnd), four at a time, each row accumulating
// per-lane partial sums reduced at the end (faster for one row than the per-group reduction prefill tiles use).
function decodeRowQ8(out: usize, xq: usize, xs: usize, w: usize, ws: usize, K: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, groups = k / GROUP, sStride = groups * 2;
  let n = nStart;
  for (; n + 4 <= nEnd; n += 4) {
    const w0 = w + <usize>n * k, s0 = ws + <usize>n * sStride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let g: usize = 0; g < groups; g++) {
      const xp = xq + g * GROUP;
      const x0 = v128.load8x8_s(xp), x1 = v128.load8x8_s(xp, 8), x2 = v128.load8x8_s(xp, 16), x3 = v128.load8x8_s(xp, 24);
      const wp = w0 + g * GROUP;
      const scales = f32x4.mul(v128.load32_splat(xs + g * 4), scales4(s0 + g * 2, sStride)); // lanes: xs·ws of rows n..n+3
      a0 = scaleAdd(a0, groupDot(x0, x1, x2, x3, wp), v128.shuffle<f32>(scales, scales, 0, 0, 0, 0));
      a1 = scaleAdd(a1, groupDot(x0, x1, x2, x3, wp + k), v128.shuffle<f32>(scales, scales, 1, 1, 1, 1));
      a2 = scaleAdd(a2, groupDot(x0, x1, x2, x3, wp + 2 * k), v128.shuffle<f32>(scales, scales, 2, 2, 2, 2));
      a3 = scaleAdd(a3, groupDot(x0, x1, x2, x3, wp + 3 * k), v128.shuffle<f32>(scales, scales, 3, 3, 3, 3));
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
      a0 = scaleAdd(a0, groupDot(x0, x1, x2, x3, w0 + g * GROUP), f32x4.splat(load<f32>(xs + g * 4) * weightScale(s0 + g * 2)));
    }
    store<f32>(out + <usize>n * 4, hsum(a0));
  }
}

// Prefill remainder: one activation row against weight rows [nStart, nEnd), four at a time, tile numerics.
function rowTimesRowsQ8(out: usize, xq: usize, xs: usize, w: usize, ws: usize, K: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, groups = k / GROUP, sStride = groups * 2;
  let n = nStart;
  for (; n + 4 <= nEnd; n += 4) {
    const w0 = w + <usize>n * k, s0 = ws + <usize>n * sStride;
    let acc = f32x4.splat(0); // lanes: weight rows n..n+3
    for (let g: usize = 0; g < groups; g++) {
      const xp = xq + g * GROUP;
      const x0 = v128.load8x8_s(xp), x1 = v128.load8x8_s(xp, 8), x2 = v128.load8x8_s(xp, 16), x3 = v128.load8x8_s(xp, 24);
      const wp = w0 + g * GROUP;
      const dots = reduce4(groupDot(x0, x1, x2, x3, wp), groupDot(x0, x1, x2, x3, wp + k),
        groupDot(x0, x1, x2, x3, wp + 2 * k), groupDot(x0, x1, x2, x3, wp + 3 * k));
      const scales = f32x4.mul(v128.load32_splat(xs + g * 4), scales4(s0 + g * 2, sStride));
      acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(dots), scales));
    }
    v128.store(out + <usize>n * 4, acc);
  }
  for (; n < nEnd; n++) {
    const w0 = w + <usize>n * k, s0 = ws + <usize>n * sStride;
    let acc: f32 = 0;
    for (let g: usize = 0; g < groups; g++) {
      const xp = xq + g * GROUP;
      const x0 = v128.load8x8_s(xp), x1 = v128.load8x8_s(xp, 8), x2 = v128.load8x8_s(xp, 16), x3 = v128.load8x8_s(xp, 24);
      const d = groupDot(x0, x1, x2, x3, w0 + g * GROUP);
      const dot = (i32x4.extract_lane(d, 0) + i32x4.extract_lane(d, 1)) + (i32x4.extract_lane(d, 2) + i32x4.extract_lane(d, 3));
      acc += <f32>dot * (load<f32>(xs + g * 4) * weightScale(s0 + g * 2));
    }
    store<f32>(out + <usize>n * 4, acc);
  }
}

// x·w for 16 int8 pairs as i32x4 partial sums, with the relaxed dot product: its second operand must stay within
// 7 bits, so x (|x| ≤ 127) is split into x⁺ = max(x, 0) and x⁻ = max(−x, 0) and w·x = w·x⁺ − w·x⁻, exact for every
// int8 weight (-128 too) and free of the intermediate i16 saturation some engines apply (|w·x±| pairs ≤ 32512).
// The fused i32x4.relaxed_dot_i8x16_i7x16_add_s gave wrong sums on Node 20's V8 (relaxed.test.ts caught it), so
// the i16x8 form is widened with extadd_pairwise instead.
@inline function relaxedDot16(w: v128, xPos: v128, xNeg: v128, acc: v128): v128 {
  const pos = i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, xPos));
  return i32x4.add(acc, i32x4.sub(pos, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, xNeg))));
}

// Four activation rows × two weight rows, 8 k at a time (16 with relaxed SIMD): 8 integer accumulators, each weight
// load used 4 times. Group sums are exact either way, so both builds give identical results.
@inline function tile4x2(out: usize, outStride: usize, xq: usize, xs: usize, w: usize, ws: usize, k: usize): void {
  const groups = k / GROUP, xsStride = groups * 4, wsStride = groups * 2;
  let f0 = f32x4.splat(0), f1 = f32x4.splat(0); // lanes: activation rows m..m+3, for weight rows n and n+1
  for (let g: usize = 0; g < groups; g++) {
    let a0 = i32x4.splat(0), b0 = a0, c0 = a0, d0 = a0, a1 = a0, b1 = a0, c1 = a0, d1 = a0;
    const xa = xq + g * GROUP, wa = w + g * GROUP;
    if (ASC_FEATURE_RELAXED_SIMD) for (let j: usize = 0; j < GROUP; j += 16) {
      const zero = i8x16.splat(0), w0 = v128.load(wa + j), w1 = v128.load(wa + k + j);
      let x = v128.load(xa + j), p = i8x16.max_s(x, zero), n = i8x16.max_s(i8x16.neg(x), zero);
      a0 = relaxedDot16(w0, p, n, a0); a1 = relaxedDot16(w1, p, n, a1);
      x = v128.load(xa + k + j); p = i8x16.max_s(x, zero); n = i8x16.max_s(i8x16.neg(x), zero);
      b0 = relaxedDot16(w0, p, n, b0); b1 = relaxedDot16(w1, p, n, b1);
      x = v128.load(xa + 2 * k + j); p = i8x16.max_s(x, zero); n = i8x16.max_s(i8x16.neg(x), zero);
      c0 = relaxedDot16(w0, p, n, c0); c1 = relaxedDot16(w1, p, n, c1);
      x = v128.load(xa + 3 * k + j); p = i8x16.max_s(x, zero); n = i8x16.max_s(i8x16.neg(x), zero);
      d0 = relaxedDot16(w0, p, n, d0); d1 = relaxedDot16(w1, p, n, d1);
    } else for (let j: usize = 0; j < GROUP; j += 8) {
      const w0 = v128.load8x8_s(wa + j), w1 = v128.load8x8_s(wa + k + j);
      const x0 = v128.load8x8_s(xa + j), x1 = v128.load8x8_s(xa + k + j);
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x0, w0)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x0, w1));
      b0 = i32x4.add(b0, i32x4.dot_i16x8_s(x1, w0)); b1 = i32x4.add(b1, i32x4.dot_i16x8_s(x1, w1));
      const x2 = v128.load8x8_s(xa + 2 * k + j), x3 = v128.load8x8_s(xa + 3 * k + j);
      c0 = i32x4.add(c0, i32x4.dot_i16x8_s(x2, w0)); c1 = i32x4.add(c1, i32x4.dot_i16x8_s(x2, w1));
      d0 = i32x4.add(d0, i32x4.dot_i16x8_s(x3, w0)); d1 = i32x4.add(d1, i32x4.dot_i16x8_s(x3, w1));
    }
    const xScales = gather4(xs + g * 4, xsStride);
    f0 = f32x4.add(f0, f32x4.mul(f32x4.convert_i32x4_s(reduce4(a0, b0, c0, d0)), f32x4.mul(xScales, f32x4.splat(weightScale(ws + g * 2)))));
    f1 = f32x4.add(f1, f32x4.mul(f32x4.convert_i32x4_s(reduce4(a1, b1, c1, d1)), f32x4.mul(xScales, f32x4.splat(weightScale(ws + wsStride + g * 2)))));
  }
  store<f32>(out, f32x4.extract_lane(f0, 0)); store<f32>(out, f32x4.extract_lane(f1, 0), 4);
  store<f32>(out + outStride, f32x4.extract_lane(f0, 1)); store<f32>(out + outStride, f32x4.extract_lane(f1, 1), 4);
  store<f32>(out + 2 * outStride, f32x4.extract_lane(f0, 2)); store<f32>(out + 2 * outStride, f32x4.extract_lane(f1, 2), 4);
  store<f32>(out + 3 * outStride, f32x4.extract_lane(f0, 3)); store<f32>(out + 3 * outStride, f32x4.extract_lane(f1, 3), 4);
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
