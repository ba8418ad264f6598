// Norms, RoPE, attention and elementwise kernels on f32 tensors in the shared arena (see kernels/abi.ts).
import { hsum, hmax, vexp, sexp } from './vmath';

/** out[M,D] = x[M,D] / sqrt(mean(x²) + eps) * weight[D]  (out may alias x). */
export function rmsnorm(out: usize, x: usize, weight: usize, M: i32, D: i32, eps: f32): void {
  const d = <usize>D, d4 = d & ~3;
  for (let m: usize = 0; m < <usize>M; m++) {
    const xr = x + m * d * 4, outRow = out + m * d * 4;
    let acc = f32x4.splat(0);
    for (let i: usize = 0; i < d4; i += 4) { const v = v128.load(xr + i * 4); acc = f32x4.add(acc, f32x4.mul(v, v)); }
    let ss = hsum(acc);
    for (let i = d4; i < d; i++) { const v = load<f32>(xr + i * 4); ss += v * v; }
    const inv: f32 = <f32>1 / Mathf.sqrt(ss / <f32>D + eps);
    const invv = f32x4.splat(inv);
    for (let i: usize = 0; i < d4; i += 4) v128.store(outRow + i * 4, f32x4.mul(f32x4.mul(v128.load(xr + i * 4), invv), v128.load(weight + i * 4)));
    for (let i = d4; i < d; i++) store<f32>(outRow + i * 4, load<f32>(xr + i * 4) * inv * load<f32>(weight + i * 4));
  }
}

/** In place on x[M, nHeads*headDim]: pair (2i, 2i+1) of each head at position pos0+m rotates by ropeTable[pos, i]. */
export function rope(x: usize, ropeTable: usize, M: i32, nHeads: i32, headDim: i32, pos0: i32): void {
  const hd = <usize>headDim, pairs4 = hd & ~3, rowBytes = <usize>nHeads * hd * 4;
  const sign = f32x4(-1, 1, -1, 1);
  for (let m: usize = 0; m < <usize>M; m++) {
    const table = ropeTable + (<usize>pos0 + m) * hd * 4; // hd/2 pairs of (cos, sin)
    for (let h: usize = 0; h < <usize>nHeads; h++) {
      const head = x + m * rowBytes + h * hd * 4;
      for (let i: usize = 0; i < pairs4; i += 4) {
        const v = v128.load(head + i * 4), t = v128.load(table + i * 4);
        const cos = v128.shuffle<f32>(t, t, 0, 0, 2, 2), sin = v128.shuffle<f32>(t, t, 1, 1, 3, 3);
        const swapped = v128.shuffle<f32>(v, v, 1, 0, 3, 2);
        v128.store(head + i * 4, f32x4.add(f32x4.mul(v, cos), f32x4.mul(f32x4.mul(swapped, sin), sign)));
      }
      for (let i = pairs4; i < hd; i += 2) {
        const x0 = load<f32>(head + i * 4), x1 = load<f32>(head + i * 4 + 4);
        const c = load<f32>(table + i * 4), s = load<f32>(table + i * 4 + 4);
        store<f32>(head + i * 4, x0 * c + x1 * s * -1);
        store<f32>(head + i * 4 + 4, x1 * c + x0 * s);
      }
    }
  }
}

/** Keys per softmax block: attention needs only this much scratch per thread, whatever the context length. */
export const ATTENTION_BLOCK: i32 = 128;

/**
 * Causal grouped-query attention for query rows at positions pos0..pos0+M-1; scores is scratch of ATTENTION_BLOCK
 * floats. Per (row, head): scores = q·k/sqrt(hd) and an online softmax over fixed blocks of keys, out = Σ p·v.
 */
export function attention(out: usize, q: usize, kCache: usize, vCache: usize, scores: usize, M: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32): void {
  attentionHeads(out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, 0, nHeads);
}

/** attention restricted to query heads [hStart, hEnd), so threads can split one layer's heads. */
export function attentionHeads(out: usize, q: usize, kCache: usize, vCache: usize, scores: usize, M: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, hStart: i32, hEnd: i32): void {
  const hd = <usize>headDim, group = <usize>(nHeads / nKvHeads);
  const qStride = <usize>nHeads * hd * 4, kvStride = <usize>nKvHeads * hd * 4;
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>headDim);
  for (let m: usize = 0; m < <usize>M; m++) {
    const T = <usize>pos0 + m + 1;
    for (let h = <usize>hStart; h < <usize>hEnd; h++) {
      const qh = q + m * qStride + h * hd * 4, kvOffset = (h / group) * hd * 4, o = out + m * qStride + h * hd * 4;
      let runningMax: f32 = -Infinity, total: f32 = 0;
      for (let t0: usize = 0; t0 < T; t0 += <usize>ATTENTION_BLOCK) {
        const n = min(<usize>ATTENTION_BLOCK, T - t0);
        const blockMax = blockScores(scores, qh, kCache + t0 * kvStride + kvOffset, kvStride, n, hd, scale);
        const newMax = max(runningMax, blockMax);
        // the first block has nothing to rescale; later blocks shrink what was accumulated under the old max
        const rescale: f32 = t0 == 0 ? 0 : sexp(runningMax - newMax);
        total = total * rescale + softmaxInPlace(scores, n, newMax);
        accumulateValues(o, scores, vCache + t0 * kvStride + kvOffset, kvStride, n, hd, rescale);
        runningMax = newMax;
      }
      scaleInPlace(o, hd, <f32>1 / total);
    }
  }
}

// scores[0..n) = q·k[t]·scale for n keys from k (row stride kvStride), four keys per pass; returns their max.
// Lane sums are always (l0+l2)+(l1+l3), in the 4-key body and the tail alike.
@inline function blockScores(scores: usize, qh: usize, k: usize, kvStride: usize, n: usize, hd: usize, scale: f32): f32 {
  const hd4 = hd & ~3, n4 = n & ~3, sc = f32x4.splat(scale);
  let top = f32x4.splat(-Infinity);
  for (let t: usize = 0; t < n4; t += 4) {
    const k0 = k + t * kvStride, k1 = k0 + kvStride, k2 = k1 + kvStride, k3 = k2 + kvStride;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let i: usize = 0; i < hd4; i += 4) {
      const qv = v128.load(qh + i * 4);
      a0 = f32x4.add(a0, f32x4.mul(qv, v128.load(k0 + i * 4)));
      a1 = f32x4.add(a1, f32x4.mul(qv, v128.load(k1 + i * 4)));
      a2 = f32x4.add(a2, f32x4.mul(qv, v128.load(k2 + i * 4)));
      a3 = f32x4.add(a3, f32x4.mul(qv, v128.load(k3 + i * 4)));
    }
    let s = reduce4f(a0, a1, a2, a3);
    for (let i = hd4; i < hd; i++) {
      const qi = load<f32>(qh + i * 4);
      s = f32x4.add(s, f32x4(qi * load<f32>(k0 + i * 4), qi * load<f32>(k1 + i * 4), qi * load<f32>(k2 + i * 4), qi * load<f32>(k3 + i * 4)));
    }
    s = f32x4.mul(s, sc);
    v128.store(scores + t * 4, s);
    top = f32x4.max(top, s);
  }
  let blockMax = hmax(top);
  for (let t = n4; t < n; t++) {
    const kt = k + t * kvStride;
    let acc = f32x4.splat(0);
    for (let i: usize = 0; i < hd4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(qh + i * 4), v128.load(kt + i * 4)));
    let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 2)) + (f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 3));
    for (let i = hd4; i < hd; i++) s += load<f32>(qh + i * 4) * load<f32>(kt + i * 4);
    s *= scale;
    store<f32>(scores + t * 4, s);
    blockMax = max(blockMax, s);
  }
  return blockMax;
}

// [Σa, Σb, Σc, Σd] with each sum taken as (l0+l2)+(l1+l3).
@inline function reduce4f(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

// scores[t] ← exp(scores[t] − max); returns Σ in a fixed lane order.
@inline function softmaxInPlace(scores: usize, T: usize, maxScore: f32): f32 {
  const T4 = T & ~3, mx = f32x4.splat(maxScore);
  let acc = f32x4.splat(0);
  for (let t: usize = 0; t < T4; t += 4) {
    const e = vexp(f32x4.sub(v128.load(scores + t * 4), mx));
    v128.store(scores + t * 4, e);
    acc = f32x4.add(acc, e);
  }
  let total = hsum(acc);
  for (let t = T4; t < T; t++) { const e = sexp(load<f32>(scores + t * 4) - maxScore); store<f32>(scores + t * 4, e); total += e; }
  return total;
}

// out[hd] = out·rescale + Σ_t p[t]·v[t], 16 lanes of the head at a time so the accumulators stay in registers.
@inline function accumulateValues(out: usize, p: usize, v: usize, kvStride: usize, T: usize, hd: usize, rescale: f32): void {
  const hd16 = hd & ~15, r = f32x4.splat(rescale);
  for (let i: usize = 0; i < hd16; i += 16) {
    const o = out + i * 4;
    let a0 = f32x4.mul(v128.load(o), r), a1 = f32x4.mul(v128.load(o, 16), r);
    let a2 = f32x4.mul(v128.load(o, 32), r), a3 = f32x4.mul(v128.load(o, 48), r);
    if (rescale == 0) { a0 = f32x4.splat(0); a1 = a0; a2 = a0; a3 = a0; } // out holds garbage before the first block
    for (let t: usize = 0; t < T; t++) {
      const pt = v128.load32_splat(p + t * 4), vt = v + t * kvStride + i * 4;
      a0 = f32x4.add(a0, f32x4.mul(pt, v128.load(vt)));
      a1 = f32x4.add(a1, f32x4.mul(pt, v128.load(vt, 16)));
      a2 = f32x4.add(a2, f32x4.mul(pt, v128.load(vt, 32)));
      a3 = f32x4.add(a3, f32x4.mul(pt, v128.load(vt, 48)));
    }
    v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  }
  for (let i = hd16; i < hd; i++) {
    let a: f32 = rescale == 0 ? 0 : load<f32>(out + i * 4) * rescale;
    for (let t: usize = 0; t < T; t++) a += load<f32>(p + t * 4) * load<f32>(v + t * kvStride + i * 4);
    store<f32>(out + i * 4, a);
  }
}

@inline function scaleInPlace(x: usize, n: usize, factor: f32): void {
  const n4 = n & ~3, f = f32x4.splat(factor);
  for (let i: usize = 0; i < n4; i += 4) v128.store(x + i * 4, f32x4.mul(v128.load(x + i * 4), f));
  for (let i = n4; i < n; i++) store<f32>(x + i * 4, load<f32>(x + i * 4) * factor);
}

/** out[n] = silu(gate[n]) * up[n]  (out may alias gate). */
export function siluMul(out: usize, gate: usize, up: usize, n: i32): void {
  const len = <usize>n, len4 = len & ~3, one = f32x4.splat(1);
  for (let i: usize = 0; i < len4; i += 4) {
    const g = v128.load(gate + i * 4);
    const silu = f32x4.div(g, f32x4.add(one, vexp(f32x4.neg(g))));
    v128.store(out + i * 4, f32x4.mul(silu, v128.load(up + i * 4)));
  }
  for (let i = len4; i < len; i++) {
    const g = load<f32>(gate + i * 4);
    store<f32>(out + i * 4, g / (1 + sexp(-g)) * load<f32>(up + i * 4));
  }
}

/** out[n] = a[n] + b[n]  (out may alias a). */
export function add(out: usize, a: usize, b: usize, n: i32): void {
  const len = <usize>n, len4 = len & ~3;
  for (let i: usize = 0; i < len4; i += 4) v128.store(out + i * 4, f32x4.add(v128.load(a + i * 4), v128.load(b + i * 4)));
  for (let i = len4; i < len; i++) store<f32>(out + i * 4, load<f32>(a + i * 4) + load<f32>(b + i * 4));
}

/** x[M,N] += bias[N]. */
export function addBias(x: usize, bias: usize, M: i32, N: i32): void {
  for (let m: usize = 0; m < <usize>M; m++) add(x + m * <usize>N * 4, x + m * <usize>N * 4, bias, N);
}

/** out[M,D] = W[ids[m], :] · S[ids[m], :/32] for an int8 table with per-32 scales; ids i32[M]. */
export function embedQ8(out: usize, ids: usize, w: usize, ws: usize, M: i32, D: i32): void {
  const d = <usize>D, groups = d / 32;
  for (let m: usize = 0; m < <usize>M; m++) {
    const id = <usize>load<u32>(ids + m * 4), row = w + id * d, scales = ws + id * groups * 4, outRow = out + m * d * 4;
    for (let g: usize = 0; g < groups; g++) {
      const s = v128.load32_splat(scales + g * 4);
      for (let j: usize = 0; j < 32; j += 8) {
        const q = v128.load8x8_s(row + g * 32 + j), o = outRow + (g * 32 + j) * 4;
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(q)), s));
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(q)), s), 16);
      }
    }
  }
}

/** out[M,D] = table[ids[m], :] for an f32 table; ids i32[M]. */
export function embedF32(out: usize, ids: usize, table: usize, M: i32, D: i32): void {
  const rowBytes = <usize>D * 4;
  for (let m: usize = 0; m < <usize>M; m++) memory.copy(out + m * rowBytes, table + <usize>load<u32>(ids + m * 4) * rowBytes, rowBytes);
}

/** Index of the largest of x[N] (first one on ties). */
export function argmax(x: usize, N: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(x);
  for (let i = 1; i < N; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > bestValue) { bestValue = v; best = i; }
  }
  return best;
}
