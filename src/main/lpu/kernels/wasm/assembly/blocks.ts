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


// Four weight rows share each activation load and its widening to i16 (the activations are the same for all four):
// the per-row arithmetic is exactly the one-row path's, so outputs do not depend on how rows are grouped.

@inline function dotWide(q: v128, yl: v128, yh: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q), yl), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q), yh));
}

// Sub-block j of the Q4_K/Q5_K super-block at wb against activations widened to yl0, yh0, yl1, yh1.
@inline function k45SubDot(wb: usize, j: u32, five: bool, yl0: v128, yh0: v128, yl1: v128, yh1: v128): v128 {
  const qs = wb + (five ? 48 : 16) + <usize>(j >> 1) * 32;
  const q0 = v128.load(qs), q1 = v128.load(qs, 16), mask = i8x16.splat(0x0f), one = i8x16.splat(1);
  let a0 = j & 1 ? i8x16.shr_u(q0, 4) : v128.and(q0, mask);
  let a1 = j & 1 ? i8x16.shr_u(q1, 4) : v128.and(q1, mask);
  if (five) {
    a0 = v128.or(a0, i8x16.shl(v128.and(i8x16.shr_u(v128.load(wb + 16), j), one), 4));
    a1 = v128.or(a1, i8x16.shl(v128.and(i8x16.shr_u(v128.load(wb + 16, 16), j), one), 4));
  }
  return i32x4.add(dotWide(a0, yl0, yh0), dotWide(a1, yl1, yh1));
}

// get_scale_min_k4: the 6-bit scale (min = false) or min of sub-block j from the 12 bytes at sc.
@inline function scaleMinK4(sc: usize, j: u32, min: bool): i32 {
  const o = <usize>j;
  if (j < 4) return <i32>load<u8>(sc + o + (min ? 4 : 0)) & 63;
  const low = <i32>load<u8>(sc + o + 4);
  return min ? (low >> 4) | ((<i32>load<u8>(sc + o) >> 6) << 4) : (low & 0xf) | ((<i32>load<u8>(sc + o - 4) >> 6) << 4);
}

// Rows n..n+3 (row stride rowBytes) of a Q4_K/Q5_K matrix against one Q8_K activation row yr: four outputs at o.
@inline function k45Rows4(o: usize, yr: usize, w: usize, rowBytes: usize, nb: usize, blockBytes: usize, five: bool): void {
  let acc0: f32 = 0, acc1: f32 = 0, acc2: f32 = 0, acc3: f32 = 0;
  for (let b: usize = 0; b < nb; b++) {
    const yb = yr + b * Q8K_BYTES, b0 = w + b * blockBytes, b1 = b0 + rowBytes, b2 = b1 + rowBytes, b3 = b2 + rowBytes;
    let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let m0: i32 = 0, m1: i32 = 0, m2: i32 = 0, m3: i32 = 0;
    for (let j: u32 = 0; j < 8; j++) {
      const yp = yb + Q8K_QS + <usize>j * 32, y0 = v128.load(yp), y1 = v128.load(yp, 16);
      const yl0 = i16x8.extend_low_i8x16_s(y0), yh0 = i16x8.extend_high_i8x16_s(y0);
      const yl1 = i16x8.extend_low_i8x16_s(y1), yh1 = i16x8.extend_high_i8x16_s(y1);
      const bs = <i32>load<i16>(yb + Q8K_BSUMS + <usize>j * 4) + <i32>load<i16>(yb + Q8K_BSUMS + <usize>j * 4, 2);
      s0 = i32x4.add(s0, i32x4.mul(k45SubDot(b0, j, five, yl0, yh0, yl1, yh1), i32x4.splat(scaleMinK4(b0 + 4, j, false))));
      s1 = i32x4.add(s1, i32x4.mul(k45SubDot(b1, j, five, yl0, yh0, yl1, yh1), i32x4.splat(scaleMinK4(b1 + 4, j, false))));
      s2 = i32x4.add(s2, i32x4.mul(k45SubDot(b2, j, five, yl0, yh0, yl1, yh1), i32x4.splat(scaleMinK4(b2 + 4, j, false))));
      s3 = i32x4.add(s3, i32x4.mul(k45SubDot(b3, j, five, yl0, yh0, yl1, yh1), i32x4.splat(scaleMinK4(b3 + 4, j, false))));
      m0 += scaleMinK4(b0 + 4, j, true) * bs; m1 += scaleMinK4(b1 + 4, j, true) * bs;
      m2 += scaleMinK4(b2 + 4, j, true) * bs; m3 += scaleMinK4(b3 + 4, j, true) * bs;
    }
    const yd = load<f32>(yb);
    acc0 += yd * half(b0) * <f32>isum4(s0) - yd * half(b0 + 2) * <f32>m0;
    acc1 += yd * half(b1) * <f32>isum4(s1) - yd * half(b1 + 2) * <f32>m1;
    acc2 += yd * half(b2) * <f32>isum4(s2) - yd * half(b2 + 2) * <f32>m2;
    acc3 += yd * half(b3) * <f32>isum4(s3) - yd * half(b3 + 2) * <f32>m3;
  }
  store<f32>(o, acc0); store<f32>(o, acc1, 4); store<f32>(o, acc2, 8); store<f32>(o, acc3, 12);
}

// Q4_K/Q5_K matmul: groups of four weight rows, then the rest one at a time.
function k45Matmul(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32, blockBytes: usize, five: bool): void {
  const nb = <usize>K / QK, rowBytes = nb * blockBytes;
  let n = <usize>nStart;
  for (; n + 4 <= <usize>nEnd; n += 4) {
    for (let m: usize = 0; m < <usize>M; m++) k45Rows4(out + (m * <usize>N + n) * 4, y + m * nb * Q8K_BYTES, w + n * rowBytes, rowBytes, nb, blockBytes, five);
  }
  for (; n < <usize>nEnd; n++) {
    const wr = w + n * rowBytes;
    for (let m: usize = 0; m < <usize>M; m++) {
      const yr = y + m * nb * Q8K_BYTES;
      let acc: f32 = 0;
      for (let b: usize = 0; b < nb; b++) acc += q45kSuperBlock(wr + b * blockBytes, yr + b * Q8K_BYTES, five);
      store<f32>(out + (m * <usize>N + n) * 4, acc);
    }
  }
}

/** out[M, n] for Q4_K weights [N, K/256 × 144 bytes] against Q8_K activation blocks. */
export function matmulQ4K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  k45Matmul(out, y, w, M, K, N, nStart, nEnd, 144, false);
}

/** out[M, n] for Q5_K weights [N, K/256 × 176 bytes] against Q8_K activation blocks. */
export function matmulQ5K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  k45Matmul(out, y, w, M, K, N, nStart, nEnd, 176, true);
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


// Rows n..n+3 of a Q6_K matrix against one Q8_K activation row yr: the activation quarter-groups are widened once.
@inline function q6kRows4(o: usize, yr: usize, w: usize, rowBytes: usize, nb: usize): void {
  let acc0: f32 = 0, acc1: f32 = 0, acc2: f32 = 0, acc3: f32 = 0;
  for (let b: usize = 0; b < nb; b++) {
    const yb = yr + b * Q8K_BYTES, b0 = w + b * 210;
    let s0 = i32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (let h: usize = 0; h < 2; h++) {
      for (let s: usize = 0; s < 2; s++) {
        const yq = yb + Q8K_QS + 128 * h + 16 * s;
        const y1 = v128.load(yq), y2 = v128.load(yq, 32), y3 = v128.load(yq, 64), y4 = v128.load(yq, 96);
        const l1 = i16x8.extend_low_i8x16_s(y1), u1 = i16x8.extend_high_i8x16_s(y1);
        const l2 = i16x8.extend_low_i8x16_s(y2), u2 = i16x8.extend_high_i8x16_s(y2);
        const l3 = i16x8.extend_low_i8x16_s(y3), u3 = i16x8.extend_high_i8x16_s(y3);
        const l4 = i16x8.extend_low_i8x16_s(y4), u4 = i16x8.extend_high_i8x16_s(y4);
        s0 = i32x4.add(s0, q6Quarter(b0, h, s, l1, u1, l2, u2, l3, u3, l4, u4));
        s1 = i32x4.add(s1, q6Quarter(b0 + rowBytes, h, s, l1, u1, l2, u2, l3, u3, l4, u4));
        s2 = i32x4.add(s2, q6Quarter(b0 + 2 * rowBytes, h, s, l1, u1, l2, u2, l3, u3, l4, u4));
        s3 = i32x4.add(s3, q6Quarter(b0 + 3 * rowBytes, h, s, l1, u1, l2, u2, l3, u3, l4, u4));
      }
    }
    const yd = load<f32>(yb);
    acc0 += yd * half(b0 + 208) * <f32>isum4(s0);
    acc1 += yd * half(b0 + rowBytes + 208) * <f32>isum4(s1);
    acc2 += yd * half(b0 + 2 * rowBytes + 208) * <f32>isum4(s2);
    acc3 += yd * half(b0 + 3 * rowBytes + 208) * <f32>isum4(s3);
  }
  store<f32>(o, acc0); store<f32>(o, acc1, 4); store<f32>(o, acc2, 8); store<f32>(o, acc3, 12);
}

// Lanes [16s, 16s + 16) of half h of the Q6_K block at wb: its four scaled 16-groups against pre-widened activations.
@inline function q6Quarter(wb: usize, h: usize, s: usize, l1: v128, u1: v128, l2: v128, u2: v128, l3: v128, u3: v128, l4: v128, u4: v128): v128 {
  const mask = i8x16.splat(0x0f), three = i8x16.splat(3), bias = i8x16.splat(32);
  const ql = wb + 64 * h, qh = wb + 128 + 32 * h, sc = wb + 192 + 8 * h;
  const lA = v128.load(ql + 16 * s), lB = v128.load(ql + 32 + 16 * s), hb = v128.load(qh + 16 * s);
  const q1 = i8x16.sub(v128.or(v128.and(lA, mask), i8x16.shl(v128.and(hb, three), 4)), bias);
  const q2 = i8x16.sub(v128.or(v128.and(lB, mask), i8x16.shl(v128.and(i8x16.shr_u(hb, 2), three), 4)), bias);
  const q3 = i8x16.sub(v128.or(i8x16.shr_u(lA, 4), i8x16.shl(v128.and(i8x16.shr_u(hb, 4), three), 4)), bias);
  const q4 = i8x16.sub(v128.or(i8x16.shr_u(lB, 4), i8x16.shl(i8x16.shr_u(hb, 6), 4)), bias);
  let r = i32x4.mul(dotWide(q1, l1, u1), i32x4.splat(<i32>load<i8>(sc + s)));
  r = i32x4.add(r, i32x4.mul(dotWide(q2, l2, u2), i32x4.splat(<i32>load<i8>(sc + 2 + s))));
  r = i32x4.add(r, i32x4.mul(dotWide(q3, l3, u3), i32x4.splat(<i32>load<i8>(sc + 4 + s))));
  return i32x4.add(r, i32x4.mul(dotWide(q4, l4, u4), i32x4.splat(<i32>load<i8>(sc + 6 + s))));
}

/** out[M, n] for Q6_K weights [N, K/256 × 210 bytes] against Q8_K activation blocks. */
export function matmulQ6K(out: usize, y: usize, w: usize, M: i32, K: i32, N: i32, nStart: i32, nEnd: i32): void {
  const nb = <usize>K / QK, rowBytes = nb * 210;
  let n = <usize>nStart;
  for (; n + 4 <= <usize>nEnd; n += 4) {
    for (let m: usize = 0; m < <usize>M; m++) q6kRows4(out + (m * <usize>N + n) * 4, y + m * nb * Q8K_BYTES, w + n * rowBytes, rowBytes, nb);
  }
  for (; n < <usize>nEnd; n++) { // weight row outermost: read once per step, not once per activation row
    const wr = w + n * rowBytes;
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
