import { f16ToF32, f32ToF16 } from './dequant';

// Encoders for ggml's 4-6 bit block formats, following the reference quantizers in ggml-quants.c
// (quantize_row_q4_0_ref, quantize_row_q4_K_ref, quantize_row_q5_K_ref, quantize_row_q6_K_ref) so tests and
// benchmarks can write random-weight GGUFs that llama.cpp reads exactly as it reads a converted model.
// Every step rounds to float32 (fr) where C computes in float, so the bytes equal ggml's, not just its method.
// The searches run over module-level scratch arrays with offsets: no allocation per block or per value.
// Each function encodes x (a multiple of the block size) into out starting at byte `at`.

const QK = 256;
const GROUP_MAX_EPS = 1e-15;
const fr = Math.fround;
/** 1.5 · 2^52: adding and subtracting it rounds a double to the nearest integer, ties to even. */
const ROUND_MAGIC = 6755399441055744;

/** ggml's nearest_int (round half to even, the float magic-number trick) of a float32 value. */
function nearestInt(v: number): number {
  return (v + ROUND_MAGIC) - ROUND_MAGIC;
}

/** Q4_0: per 32, d = max/−8 (max the signed value of largest magnitude), q = min(15, trunc(x/d + 8.5)). */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array, at: number): void {
  for (let b = 0; b < x.length / 32; b++) {
    const xo = b * 32, o = at + b * 18;
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) { const v = x[xo + j]!, a = Math.abs(v); if (a > amax) { amax = a; max = v; } }
    const d = fr(max / -8), id = d ? fr(1 / d) : 0;
    const bits = f32ToF16(d);
    out[o] = bits & 0xff; out[o + 1] = bits >> 8;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(fr(fr(x[xo + j]! * id) + 8.5))), q1 = Math.min(15, Math.trunc(fr(fr(x[xo + j + 16]! * id) + 8.5)));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
}

// make_qkx2_quants' scratch: the sub-block's weights and trial levels, and its fitted min (C's *the_min)
const kWeights = new Float32Array(32), kLaux = new Uint8Array(32);
let kTheMin = 0;

/**
 * make_qkx2_quants on x[xo, xo+32): an asymmetric nmax-level fit (scale, min ≤ 0) under kWeights, searching nstep+1
 * scales around nmax/(max−min) by weighted least squares; writes levels into L at lo, −min into kTheMin, returns scale.
 */
function makeQkx2Quants(x: Float32Array, xo: number, nmax: number, L: Uint8Array, lo: number, rmin: number, rdelta: number, nstep: number): number {
  const w = kWeights, Laux = kLaux;
  let min = x[xo]!, max = min, sumW = w[0]!, sumX = fr(sumW * min);
  for (let i = 1; i < 32; i++) {
    const v = x[xo + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sumW = fr(sumW + w[i]!); sumX = fr(sumX + fr(w[i]! * v));
  }
  if (min > 0) min = 0;
  if (max === min) { L.fill(0, lo, lo + 32); kTheMin = -min; return 0; }
  let iscale = fr(nmax / fr(max - min)), scale = fr(1 / iscale), bestError = 0;
  for (let i = 0; i < 32; i++) {
    const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[xo + i]! - min)))));
    L[lo + i] = l;
    const diff = fr(fr(fr(scale * l) + min) - x[xo + i]!);
    bestError = fr(bestError + fr(w[i]! * fr(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    // min moves with each accepted fit, so later trials search around it (as the C loop does)
    iscale = fr(fr(fr(rmin + fr(rdelta * is)) + nmax) / fr(max - min));
    let sumL = 0, sumL2 = 0, sumXL = 0, changed = is === 0;
    for (let i = 0; i < 32; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fr(iscale * fr(x[xo + i]! - min)))));
      if (l !== Laux[i]) { Laux[i] = l; changed = true; }
      const wl = fr(w[i]! * l);
      sumL = fr(sumL + wl); sumL2 = fr(sumL2 + fr(wl * l)); sumXL = fr(sumXL + fr(wl * x[xo + i]!));
    }
    // the previous trial's levels again: the same fit and error, already accepted or rejected (min moves only with L)
    if (!changed) continue;
    const D = fr(fr(sumW * sumL2) - fr(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = fr(fr(fr(sumW * sumXL) - fr(sumX * sumL)) / D), thisMin = fr(fr(fr(sumL2 * sumX) - fr(sumL * sumXL)) / D);
    if (thisMin > 0) { thisMin = 0; thisScale = fr(sumXL / sumL2); }
    let err = 0;
    for (let i = 0; i < 32; i++) {
      const diff = fr(fr(fr(thisScale * Laux[i]!) + thisMin) - x[xo + i]!);
      err = fr(err + fr(w[i]! * fr(diff * diff)));
    }
    if (err < bestError) { L.set(Laux, lo); bestError = err; scale = thisScale; min = thisMin; }
  }
  kTheMin = -min;
  return scale;
}

/** get_scale_min_k4: the 6-bit scale (high = false) or min (high = true) of sub-block j from the 12 packed bytes. */
function scaleMinK4(q: Uint8Array, at: number, j: number, min: boolean): number {
  if (j < 4) return q[at + j + (min ? 4 : 0)]! & 63;
  return min ? (q[at + j + 4]! >> 4) | ((q[at + j]! >> 6) << 4) : (q[at + j + 4]! & 0xf) | ((q[at + j - 4]! >> 6) << 4);
}

const kL = new Uint8Array(QK), kScales = new Float32Array(8), kMins = new Float32Array(8);

/**
 * Q4_K (bits 4) or Q5_K (bits 5): per 32-value sub-block an asymmetric fit (make_qkx2_quants weighted by
 * rms + |x|), the 8 scales and mins quantised to 6 bits against f16 super-block d and dmin, then every value
 * re-quantised with the stored scales.
 */
function quantizeQ45K(x: Float32Array, out: Uint8Array, at: number, bits: 4 | 5): void {
  const nmax = (1 << bits) - 1, blockBytes = bits === 4 ? 144 : 176;
  const L = kL, scales = kScales, mins = kMins, w = kWeights;
  for (let b = 0; b < x.length / QK; b++) {
    const xb = b * QK, o = at + b * blockBytes;
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const xo = xb + 32 * j;
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fr(sumX2 + fr(x[xo + l]! * x[xo + l]!));
      const avX = fr(Math.sqrt(fr(sumX2 / 32)));
      for (let l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xo + l]!);
      const scale = bits === 4 ? makeQkx2Quants(x, xo, nmax, L, 32 * j, -1, fr(0.1), 20) : makeQkx2Quants(x, xo, nmax, L, 32 * j, -0.5, fr(0.1), 15);
      scales[j] = scale; mins[j] = kTheMin;
      if (scales[j]! > maxScale) maxScale = scales[j]!;
      if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    const invScale = maxScale > 0 ? fr(63 / maxScale) : 0, invMin = maxMin > 0 ? fr(63 / maxMin) : 0;
    const s = o + 4;
    out.fill(0, s, s + 12);
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(fr(invScale * scales[j]!)) & 0xff), lm = Math.min(63, nearestInt(fr(invMin * mins[j]!)) & 0xff);
      if (j < 4) { out[s + j] = ls; out[s + j + 4] = lm; continue; }
      out[s + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      out[s + j - 4]! |= (ls >> 4) << 6;
      out[s + j]! |= (lm >> 4) << 6;
    }
    const dBits = f32ToF16(fr(maxScale / 63)), mBits = f32ToF16(fr(maxMin / 63));
    out[o] = dBits & 0xff; out[o + 1] = dBits >> 8; out[o + 2] = mBits & 0xff; out[o + 3] = mBits >> 8;
    const dSuper = f16ToF32(dBits), mSuper = f16ToF32(mBits);
    for (let j = 0; j < 8; j++) {
      const d = fr(dSuper * scaleMinK4(out, s, j, false));
      if (!d) continue;
      const dm = fr(mSuper * scaleMinK4(out, s, j, true)), xo = xb + 32 * j;
      for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(fr(fr(x[xo + i]! + dm) / d))));
    }
    const qs = o + (bits === 4 ? 16 : 48), qh = o + 16;
    if (bits === 5) out.fill(0, qh, qh + 32);
    for (let p = 0; p < 4; p++) {
      for (let l = 0; l < 32; l++) {
        let l1 = L[64 * p + l]!, l2 = L[64 * p + 32 + l]!;
        if (bits === 5) {
          if (l1 > 15) { l1 -= 16; out[qh + l]! |= 1 << (2 * p); }
          if (l2 > 15) { l2 -= 16; out[qh + l]! |= 2 << (2 * p); }
        }
        out[qs + 32 * p + l] = l1 | (l2 << 4);
      }
    }
  }
}

export function quantizeQ4K(x: Float32Array, out: Uint8Array, at: number): void { quantizeQ45K(x, out, at, 4); }
export function quantizeQ5K(x: Float32Array, out: Uint8Array, at: number): void { quantizeQ45K(x, out, at, 5); }

/** Σ w·x·l and Σ w·l² of one trial of make_qx_quants (rmse_type 1, w = x²), C's float order: (w·x)·l and (w·l)·l. */
let qxSumLX = 0, qxSumL2 = 0;
function qxTrial(x: Float32Array, xo: number, nmax: number, iscale: number): void {
  let sumLX = 0, sumL2 = 0;
  for (let i = 0; i < 16; i++) {
    const v = x[xo + i]!, l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * v)))), w = fr(v * v);
    sumLX = fr(sumLX + fr(fr(w * v) * l)); sumL2 = fr(sumL2 + fr(fr(w * l) * l));
  }
  qxSumLX = sumLX; qxSumL2 = sumL2;
}

function qxLevels(x: Float32Array, xo: number, nmax: number, iscale: number, L: Int8Array, lo: number): void {
  for (let i = 0; i < 16; i++) L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(fr(iscale * x[xo + i]!))));
}

/**
 * make_qx_quants with n 16 and rmse_type 1 (weights x²): a symmetric fit of levels in [−nmax, nmax−1] searching 19
 * scales around −nmax/max; writes levels + nmax into L at lo and returns the scale.
 */
function makeQxQuants(x: Float32Array, xo: number, nmax: number, L: Int8Array, lo: number): number {
  let amax = 0, max = 0;
  for (let i = 0; i < 16; i++) { const v = x[xo + i]!, a = Math.abs(v); if (a > amax) { amax = a; max = v; } }
  if (amax < GROUP_MAX_EPS) { L.fill(0, lo, lo + 16); return 0; }
  const first = fr(-nmax / max);
  qxTrial(x, xo, nmax, first);
  qxLevels(x, xo, nmax, first, L, lo);
  let scale = qxSumL2 ? fr(qxSumLX / qxSumL2) : 0, best = fr(scale * qxSumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = fr(-fr(nmax + fr(fr(0.1) * is)) / max);
    qxTrial(x, xo, nmax, iscale);
    if (qxSumL2 > 0 && fr(qxSumLX * qxSumLX) > fr(best * qxSumL2)) {
      qxLevels(x, xo, nmax, iscale, L, lo);
      scale = fr(qxSumLX / qxSumL2); best = fr(scale * qxSumLX);
    }
  }
  return scale;
}

const q6L = new Int8Array(QK), q6Scales = new Float32Array(16);

/** Q6_K: per 16 a symmetric 6-bit fit, the 16 scales as int8 against an f16 super-block d = max scale/−128. */
export function quantizeQ6K(x: Float32Array, out: Uint8Array, at: number): void {
  const L = q6L, scales = q6Scales;
  for (let b = 0; b < x.length / QK; b++) {
    const xb = b * QK, o = at + b * 210;
    let maxScale = 0, maxAbsScale = 0;
    for (let g = 0; g < 16; g++) {
      scales[g] = makeQxQuants(x, xb + 16 * g, 32, L, 16 * g);
      const a = Math.abs(scales[g]!);
      if (a > maxAbsScale) { maxAbsScale = a; maxScale = scales[g]!; }
    }
    out.fill(0, o, o + 210);
    if (maxAbsScale < GROUP_MAX_EPS) continue;
    const iscale = fr(-128 / maxScale), dBits = f32ToF16(fr(1 / iscale)), dSuper = f16ToF32(dBits);
    out[o + 208] = dBits & 0xff; out[o + 209] = dBits >> 8;
    for (let g = 0; g < 16; g++) {
      const sc = (Math.min(127, nearestInt(fr(iscale * scales[g]!))) << 24) >> 24; // stored as int8
      out[o + 192 + g] = sc & 0xff;
      const d = fr(dSuper * sc);
      if (!d) continue;
      for (let i = 0; i < 16; i++) L[16 * g + i] = Math.max(-32, Math.min(31, nearestInt(fr(x[xb + 16 * g + i]! / d)))) + 32;
    }
    for (let h = 0; h < 2; h++) {
      const ql = o + 64 * h, qh = o + 128 + 32 * h, lb = 128 * h;
      for (let l = 0; l < 32; l++) {
        const q1 = L[lb + l]!, q2 = L[lb + l + 32]!, q3 = L[lb + l + 64]!, q4 = L[lb + l + 96]!;
        out[ql + l] = (q1 & 0xf) | ((q3 & 0xf) << 4);
        out[ql + l + 32] = (q2 & 0xf) | ((q4 & 0xf) << 4);
        out[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
      }
    }
  }
}
