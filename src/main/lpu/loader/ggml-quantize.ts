import { f16ToF32, f32ToF16 } from './dequant';

// Encoders for ggml's 4-6 bit block formats, following the reference quantizers in ggml-quants.c
// (quantize_row_q4_0_ref, quantize_row_q4_K_ref, quantize_row_q5_K_ref, quantize_row_q6_K_ref) so tests and
// benchmarks can write random-weight GGUFs that llama.cpp reads exactly as it reads a converted model.
// Each function encodes x (a multiple of the block size) into out starting at byte `at`.

const QK = 256;
const GROUP_MAX_EPS = 1e-15;

/** ggml's nearest_int: round half to even, as the float magic-number trick does. */
function nearestInt(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Q4_0: per 32, d = max/−8 (max the signed value of largest magnitude), q = min(15, trunc(x/d + 8.5)). */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array, at: number): void {
  for (let b = 0; b < x.length / 32; b++) {
    const xb = x.subarray(b * 32, b * 32 + 32), o = at + b * 18;
    let amax = 0, max = 0;
    for (const v of xb) if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
    const d = max / -8, id = d ? 1 / d : 0;
    const bits = f32ToF16(d);
    out[o] = bits & 0xff; out[o + 1] = bits >> 8;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, Math.trunc(xb[j]! * id + 8.5)), q1 = Math.min(15, Math.trunc(xb[j + 16]! * id + 8.5));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/**
 * make_qkx2_quants: an asymmetric nmax-level fit (scale, min ≤ 0) of x under weights, searching nstep+1 scales
 * around nmax/(max−min) by weighted least squares; writes levels into L and returns [scale, −min].
 */
function makeQkx2Quants(x: Float32Array, weights: Float32Array, nmax: number, L: Uint8Array, Laux: Uint8Array, rmin: number, rdelta: number, nstep: number): [number, number] {
  const n = x.length;
  let min = x[0]!, max = x[0]!, sumW = weights[0]!, sumX = sumW * x[0]!;
  for (let i = 1; i < n; i++) {
    min = Math.min(min, x[i]!); max = Math.max(max, x[i]!);
    sumW += weights[i]!; sumX += weights[i]! * x[i]!;
  }
  if (min > 0) min = 0;
  if (max === min) { L.fill(0, 0, n); return [0, -min]; }
  let iscale = nmax / (max - min), scale = 1 / iscale, bestError = 0;
  for (let i = 0; i < n; i++) {
    L[i] = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[i]! - min))));
    const diff = scale * L[i]! + min - x[i]!;
    bestError += weights[i]! * diff * diff;
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[i]! - min))));
      Laux[i] = l;
      sumL += weights[i]! * l; sumL2 += weights[i]! * l * l; sumXL += weights[i]! * l * x[i]!;
    }
    const D = sumW * sumL2 - sumL * sumL;
    if (D <= 0) continue;
    let thisScale = (sumW * sumXL - sumX * sumL) / D, thisMin = (sumL2 * sumX - sumL * sumXL) / D;
    if (thisMin > 0) { thisMin = 0; thisScale = sumXL / sumL2; }
    let err = 0;
    for (let i = 0; i < n; i++) { const diff = thisScale * Laux[i]! + thisMin - x[i]!; err += weights[i]! * diff * diff; }
    if (err < bestError) { L.set(Laux.subarray(0, n)); bestError = err; scale = thisScale; min = thisMin; }
  }
  return [scale, -min];
}

/** Packs 8 six-bit scales and mins into 12 bytes (the layout get_scale_min_k4 reads). */
function packScalesMinsK4(ls: number[], lm: number[], out: Uint8Array, at: number): void {
  out.fill(0, at, at + 12);
  for (let j = 0; j < 8; j++) {
    if (j < 4) { out[at + j] = ls[j]!; out[at + j + 4] = lm[j]!; continue; }
    out[at + j + 4] = (ls[j]! & 0xf) | ((lm[j]! & 0xf) << 4);
    out[at + j - 4]! |= (ls[j]! >> 4) << 6;
    out[at + j]! |= (lm[j]! >> 4) << 6;
  }
}

function unpackScaleMinK4(q: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [q[at + j]! & 63, q[at + j + 4]! & 63];
  return [(q[at + j + 4]! & 0xf) | ((q[at + j - 4]! >> 6) << 4), (q[at + j + 4]! >> 4) | ((q[at + j]! >> 6) << 4)];
}

/**
 * Q4_K (bits 4) or Q5_K (bits 5): per 32-value sub-block an asymmetric fit (make_qkx2_quants weighted by
 * rms + |x|), the 8 scales and mins quantised to 6 bits against f16 super-block d and dmin, then every value
 * re-quantised with the stored scales.
 */
function quantizeQ45K(x: Float32Array, out: Uint8Array, at: number, bits: 4 | 5): void {
  const nmax = (1 << bits) - 1, blockBytes = bits === 4 ? 144 : 176;
  const L = new Uint8Array(QK), Laux = new Uint8Array(32), weights = new Float32Array(32);
  const scales = new Array<number>(8), mins = new Array<number>(8);
  for (let b = 0; b < x.length / QK; b++) {
    const xb = x.subarray(b * QK, b * QK + QK), o = at + b * blockBytes;
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const xs = xb.subarray(32 * j, 32 * j + 32);
      let sumX2 = 0;
      for (const v of xs) sumX2 += v * v;
      const avX = Math.sqrt(sumX2 / 32);
      for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(xs[l]!);
      const [scale, min] = bits === 4
        ? makeQkx2Quants(xs, weights, nmax, L.subarray(32 * j), Laux, -1, 0.1, 20)
        : makeQkx2Quants(xs, weights, nmax, L.subarray(32 * j), Laux, -0.5, 0.1, 15);
      scales[j] = scale; mins[j] = min;
      maxScale = Math.max(maxScale, scale); maxMin = Math.max(maxMin, min);
    }
    const invScale = maxScale > 0 ? 63 / maxScale : 0, invMin = maxMin > 0 ? 63 / maxMin : 0;
    packScalesMinsK4(scales.map((s) => Math.min(63, nearestInt(invScale * s))), mins.map((m) => Math.min(63, nearestInt(invMin * m))), out, o + 4);
    const dBits = f32ToF16(maxScale / 63), mBits = f32ToF16(maxMin / 63);
    out[o] = dBits & 0xff; out[o + 1] = dBits >> 8; out[o + 2] = mBits & 0xff; out[o + 3] = mBits >> 8;
    for (let j = 0; j < 8; j++) {
      const [sc, m] = unpackScaleMinK4(out, o + 4, j);
      const d = f16ToF32(dBits) * sc;
      if (!d) continue;
      const dm = f16ToF32(mBits) * m;
      for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt((xb[32 * j + i]! + dm) / d)));
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

/**
 * make_qx_quants with rmse_type 1 (weights x²): a symmetric fit of levels in [−nmax, nmax−1] searching 19 scales
 * around −nmax/max; writes levels + nmax into L and returns the scale.
 */
function makeQxQuants(x: Float32Array, nmax: number, L: Int8Array): number {
  const n = x.length;
  let amax = 0, max = 0;
  for (const v of x) if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
  if (amax < GROUP_MAX_EPS) { L.fill(0, 0, n); return 0; }
  const fit = (iscale: number, write: boolean) => {
    let sumLX = 0, sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[i]!)));
      if (write) L[i] = l + nmax;
      const w = x[i]! * x[i]!;
      sumLX += w * x[i]! * l; sumL2 += w * l * l;
    }
    return [sumLX, sumL2] as const;
  };
  let [sumLX, sumL2] = fit(-nmax / max, true);
  let scale = sumL2 ? sumLX / sumL2 : 0, best = scale * sumLX;
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = -(nmax + 0.1 * is) / max;
    [sumLX, sumL2] = fit(iscale, false);
    if (sumL2 > 0 && sumLX * sumLX > best * sumL2) { fit(iscale, true); scale = sumLX / sumL2; best = scale * sumLX; }
  }
  return scale;
}

/** Q6_K: per 16 a symmetric 6-bit fit, the 16 scales as int8 against an f16 super-block d = max scale/−128. */
export function quantizeQ6K(x: Float32Array, out: Uint8Array, at: number): void {
  const L = new Int8Array(QK), scales = new Float32Array(16);
  for (let b = 0; b < x.length / QK; b++) {
    const xb = x.subarray(b * QK, b * QK + QK), o = at + b * 210;
    let maxScale = 0, maxAbsScale = 0;
    for (let g = 0; g < 16; g++) {
      scales[g] = makeQxQuants(xb.subarray(16 * g, 16 * g + 16), 32, L.subarray(16 * g));
      if (Math.abs(scales[g]!) > maxAbsScale) { maxAbsScale = Math.abs(scales[g]!); maxScale = scales[g]!; }
    }
    out.fill(0, o, o + 210);
    if (maxAbsScale < GROUP_MAX_EPS) continue;
    const iscale = -128 / maxScale, dBits = f32ToF16(1 / iscale);
    out[o + 208] = dBits & 0xff; out[o + 209] = dBits >> 8;
    for (let g = 0; g < 16; g++) {
      const sc = Math.min(127, nearestInt(iscale * scales[g]!));
      out[o + 192 + g] = sc & 0xff;
      const d = f16ToF32(dBits) * sc;
      if (!d) continue;
      for (let i = 0; i < 16; i++) L[16 * g + i] = Math.max(-32, Math.min(31, nearestInt(xb[16 * g + i]! / d))) + 32;
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
