// Dot products on ggml's block formats as the GGUF file stores them (Q4_0, Q4_K, Q5_K, Q6_K) against int8
// activations, plus the BF16 float path. Quants are unpacked to bytes with SIMD masks and shifts, scales with
// scalar integer ops beside them (llama.cpp's layout: no repacking at load). Every (m, n) output runs the same
// op sequence whatever the [nStart, nEnd) split, so results do not depend on the worker count.
import { hsum, f16ToF32 } from './vmath';

const QK: usize = 256;
const Q8K_BYTES: usize = 292; // f32 d, int8 qs[256], int16 bsums[16]
const Q8K_QS: usize = 4;
const Q8K_BSUMS: usize = 260;

// Σ a·b over 16 byte lanes (a and b signed int8) as i32x4 partial sums.
@inline function dot16(a: v128, b: v128): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)),
  );
}

@inline function isum4(v: v128): i32 {
  return (i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1)) + (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

@inline function half(p: usize): f32 {
  return f16ToF32(<u32>load<u8>(p) | (<u32>load<u8>(p, 1) << 8));
}

/**
 * Y[M, K/256] Q8_K blocks ← X[M, K] f32: d = max|x|/127, q = floor(x/d + 0.5) in f64 (the TS oracle's Math.round),
 * bsums = Σ of each 16 quants.
 */
export function quantizeRowsQ8K(y: usize, x: usize, M: i32, K: i32): void {
  const blocks = (<usize>M * <usize>K) / QK;
  for (let b: usize = 0; b < blocks; b++) {
    const src = x + b * QK * 4, dst = y + b * Q8K_BYTES;
    let amax4 = f32x4.splat(0);
    for (let j: usize = 0; j < QK; j += 4) amax4 = f32x4.max(amax4, f32x4.abs(v128.load(src + j * 4)));
    const amax = Mathf.max(Mathf.max(f32x4.extract_lane(amax4, 0), f32x4.extract_lane(amax4, 1)), Mathf.max(f32x4.extract_lane(amax4, 2), f32x4.extract_lane(amax4, 3)));
    const d: f64 = <f64>amax / 127;
    const inv: f64 = d != 0 ? 1 / d : 0;
    store<f32>(dst, <f32>d);
    for (let g: usize = 0; g < 16; g++) {
      let sum: i32 = 0;
      for (let j: usize = 16 * g; j < 16 * g + 16; j++) {
        const q = <i32>Math.floor(<f64>load<f32>(src + j * 4) * inv + 0.5);
        store<i8>(dst + Q8K_QS + j, <i8>q);
        sum += q;
      }
      store<i16>(dst + Q8K_BSUMS + g * 2, <i16>sum);
    }
  }
}

/** out[M, n] for Q4_0 weights [N, K/32 × 18 bytes] against per-32 int8 activations (Xq, Xs f32). */
export function matmulQ4_0(out: usize, xq: usize, xs: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, nb = k / 32, rowBytes = nb * 18;
  const mask = i8x16.splat(0x0f), eight = i8x16.splat(8);
  for (let n = <usize>nStart; n < <usize>nEnd; n++) { // weight row outermost: read once per step, not once per activation row
    const wr = w + n * rowBytes;
    for (let m: usize = 0; m < <usize>M; m++) {
      const xr = xq + m * k, sr = xs + m * nb * 4, o = out + m * <usize>N * 4;
      let acc = f32x4.splat(0);
      for (let b: usize = 0; b < nb; b++) {
        const blk = wr + b * 18, qs = v128.load(blk + 2), xp = xr + b * 32;
        const lo = i8x16.sub(v128.and(qs, mask), eight), hi = i8x16.sub(i8x16.shr_u(qs, 4), eight);
        const dots = i32x4.add(dot16(lo, v128.load(xp)), dot16(hi, v128.load(xp, 16)));
        acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(dots), f32x4.splat(load<f32>(sr + b * 4) * half(blk))));
      }
      store<f32>(o + n * 4, hsum(acc));
    }
  }
}

// Σ over 32 unsigned quants (u8 lanes a0, a1 in 0..31) times 32 int8 activations at yp: i32x4 partial sums.
@inline function dotU32(a0: v128, a1: v128, yp: usize): v128 {
  const y0 = v128.load(yp), y1 = v128.load(yp, 16);
  const p0 = i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(a0), i16x8.extend_low_i8x16_s(y0)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(a0), i16x8.extend_high_i8x16_s(y0)),
  );
  const p1 = i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(a1), i16x8.extend_low_i8x16_s(y1)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(a1), i16x8.extend_high_i8x16_s(y1)),
  );
  return i32x4.add(p0, p1);
}

// One Q4_K (five = false) or Q5_K super-block at wb against the Q8_K block at yb: its contribution to out[m, n].
@inline function q45kSuperBlock(wb: usize, yb: usize, five: bool): f32 {
  const sc = wb + 4, qs = wb + (five ? 48 : 16), qh = wb + 16, yq = yb + Q8K_QS;
  const mask = i8x16.splat(0x0f), one = i8x16.splat(1);
  // the 12 scale bytes as three words: 6-bit scales and mins of 8 sub-blocks (get_scale_min_k4's packing)
  const s0 = load<u32>(sc), s1 = load<u32>(sc, 4), s2 = load<u32>(sc, 8);
  let h0 = i8x16.splat(0), h1 = h0;
  if (five) { h0 = v128.load(qh); h1 = v128.load(qh, 16); }
  let sumi = i32x4.splat(0);
  let summ: i32 = 0;
  for (let p: usize = 0; p < 4; p++) {
    const q0 = v128.load(qs + p * 32), q1 = v128.load(qs + p * 32, 16);
    for (let upper: usize = 0; upper < 2; upper++) { // sub-block 2p in the low nibbles, 2p + 1 in the high ones
      const j = <u32>(2 * p + upper);
      let a0 = upper ? i8x16.shr_u(q0, 4) : v128.and(q0, mask);
      let a1 = upper ? i8x16.shr_u(q1, 4) : v128.and(q1, mask);
      if (five) {
        a0 = v128.or(a0, i8x16.shl(v128.and(i8x16.shr_u(h0, j), one), 4));
        a1 = v128.or(a1, i8x16.shl(v128.and(i8x16.shr_u(h1, j), one), 4));
      }
      let scale: u32, min: u32;
      if (j < 4) {
        scale = (s0 >> (8 * j)) & 63;
        min = (s1 >> (8 * j)) & 63;
      } else {
        const hi = (s2 >> (8 * (j - 4))) & 0xff;
        scale = (hi & 0xf) | (((s0 >> (8 * (j - 4))) >> 6 & 3) << 4);
        min = (hi >> 4) | (((s1 >> (8 * (j - 4))) >> 6 & 3) << 4);
      }
      sumi = i32x4.add(sumi, i32x4.mul(dotU32(a0, a1, yq + <usize>j * 32), i32x4.splat(scale)));
      summ += <i32>min * (<i32>load<i16>(yb + Q8K_BSUMS + <usize>j * 4) + <i32>load<i16>(yb + Q8K_BSUMS + <usize>j * 4, 2));
    }
  }
  const yd = load<f32>(yb);
  return yd * half(wb) * <f32>isum4(sumi) - yd * half(wb + 2) * <f32>summ;
}

/** out[M, n] for Q4_K weights [N, K/256 × 144 bytes] against Q8_K activation blocks. */
export function matmulQ4K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const nb = <usize>K / QK;
  for (let n = <usize>nStart; n < <usize>nEnd; n++) { // weight row outermost: read once per step, not once per activation row
    const wr = w + n * nb * 144;
    for (let m: usize = 0; m < <usize>M; m++) {
      const yr = y + m * nb * Q8K_BYTES;
      let acc: f32 = 0;
      for (let b: usize = 0; b < nb; b++) acc += q45kSuperBlock(wr + b * 144, yr + b * Q8K_BYTES, false);
      store<f32>(out + (m * <usize>N + n) * 4, acc);
    }
  }
}

/** out[M, n] for Q5_K weights [N, K/256 × 176 bytes] against Q8_K activation blocks. */
export function matmulQ5K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const nb = <usize>K / QK;
  for (let n = <usize>nStart; n < <usize>nEnd; n++) { // weight row outermost: read once per step, not once per activation row
    const wr = w + n * nb * 176;
    for (let m: usize = 0; m < <usize>M; m++) {
      const yr = y + m * nb * Q8K_BYTES;
      let acc: f32 = 0;
      for (let b: usize = 0; b < nb; b++) acc += q45kSuperBlock(wr + b * 176, yr + b * Q8K_BYTES, true);
      store<f32>(out + (m * <usize>N + n) * 4, acc);
    }
  }
}

// One Q6_K super-block at wb against the Q8_K block at yb: 16 groups of 16, each with an int8 scale.
@inline function q6kSuperBlock(wb: usize, yb: usize): f32 {
  const mask = i8x16.splat(0x0f), three = i8x16.splat(3), bias = i8x16.splat(32);
  let sumi = i32x4.splat(0);
  for (let h: usize = 0; h < 2; h++) {
    const ql = wb + 64 * h, qh = wb + 128 + 32 * h, yq = yb + Q8K_QS + 128 * h, sc = wb + 192 + 8 * h;
    for (let s: usize = 0; s < 2; s++) { // 16 lanes at a time: l in [16s, 16s + 16)
      const lA = v128.load(ql + 16 * s), lB = v128.load(ql + 32 + 16 * s), hb = v128.load(qh + 16 * s);
      const q1 = i8x16.sub(v128.or(v128.and(lA, mask), i8x16.shl(v128.and(hb, three), 4)), bias);
      const q2 = i8x16.sub(v128.or(v128.and(lB, mask), i8x16.shl(v128.and(i8x16.shr_u(hb, 2), three), 4)), bias);
      const q3 = i8x16.sub(v128.or(i8x16.shr_u(lA, 4), i8x16.shl(v128.and(i8x16.shr_u(hb, 4), three), 4)), bias);
      const q4 = i8x16.sub(v128.or(i8x16.shr_u(lB, 4), i8x16.shl(i8x16.shr_u(hb, 6), 4)), bias);
      sumi = i32x4.add(sumi, i32x4.mul(dot16(q1, v128.load(yq + 16 * s)), i32x4.splat(<i32>load<i8>(sc + s))));
      sumi = i32x4.add(sumi, i32x4.mul(dot16(q2, v128.load(yq + 32 + 16 * s)), i32x4.splat(<i32>load<i8>(sc + 2 + s))));
      sumi = i32x4.add(sumi, i32x4.mul(dot16(q3, v128.load(yq + 64 + 16 * s)), i32x4.splat(<i32>load<i8>(sc + 4 + s))));
      sumi = i32x4.add(sumi, i32x4.mul(dot16(q4, v128.load(yq + 96 + 16 * s)), i32x4.splat(<i32>load<i8>(sc + 6 + s))));
    }
  }
  return load<f32>(yb) * half(wb + 208) * <f32>isum4(sumi);
}

/** out[M, n] for Q6_K weights [N, K/256 × 210 bytes] against Q8_K activation blocks. */
export function matmulQ6K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const nb = <usize>K / QK;
  for (let n = <usize>nStart; n < <usize>nEnd; n++) { // weight row outermost: read once per step, not once per activation row
    const wr = w + n * nb * 210;
    for (let m: usize = 0; m < <usize>M; m++) {
      const yr = y + m * nb * Q8K_BYTES;
      let acc: f32 = 0;
      for (let b: usize = 0; b < nb; b++) acc += q6kSuperBlock(wr + b * 210, yr + b * Q8K_BYTES);
      store<f32>(out + (m * <usize>N + n) * 4, acc);
    }
  }
}

/** out[M, n] = Σ_k X[m,k]·bf16(W[n,k]) for n in [nStart, nEnd), W bfloat16 bits [N,K]. */
export function matmulBF16(out: usize, x: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const k = <usize>K, k4 = k & ~3;
  for (let m: usize = 0; m < <usize>M; m++) {
    const xr = x + m * k * 4, outRow = out + m * <usize>N * 4;
    for (let n = <usize>nStart; n < <usize>nEnd; n++) {
      const wr = w + n * k * 2;
      let acc = f32x4.splat(0);
      for (let i: usize = 0; i < k4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xr + i * 4), i32x4.shl(v128.load16x4_u(wr + i * 2), 16)));
      let sum = hsum(acc);
      for (let i = k4; i < k; i++) sum += load<f32>(xr + i * 4) * reinterpret<f32>(<u32>load<u16>(wr + i * 2) << 16);
      store<f32>(outRow + n * 4, sum);
    }
  }
}
