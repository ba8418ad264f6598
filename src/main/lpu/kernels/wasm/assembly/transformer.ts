// Norms, RoPE, attention and elementwise kernels on f32 tensors in the shared arena (see kernels/abi.ts).
import { HALF_RESCALE, f32x4ToHalves, loadHalfF32, loadHalfScaledDown, loadHalvesF32, loadHalvesScaledDown, hsum, vexp, sexp, f16ToF32 } from './vmath';

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

/** Keys per online-softmax block. */
const KEY_BLOCK: usize = 32;
/** Scratch floats attention needs per thread, whatever the context length: KEY_BLOCK keys × four head lanes. */
export const ATTENTION_BLOCK: i32 = 128;

/**
 * Causal grouped-query attention for query rows at positions pos0..pos0+M-1 over binary16 K/V caches
 * [nKvHeads, ctx, headDim] (each KV head's keys one contiguous stream); scores is scratch of ATTENTION_BLOCK floats.
 * Per (row, head): scores = q·k/sqrt(hd) and an online softmax over fixed blocks of keys, out = Σ p·v. Four f32x4
 * lanes share each K/V element widened from f16: in decode up to four query heads of one KV head, in prefill four
 * consecutive rows of one head (more rows than heads share a KV head, and a head split between workers leaves no
 * lanes idle). Every (row, head)'s arithmetic is the same whichever lanes share a pass, so row counts, chunking and
 * head splits stay bitwise identical.
 */
export function attention(out: usize, q: usize, kCache: usize, vCache: usize, scores: usize, M: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, ctx: i32): void {
  attentionHeads(out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, ctx, 0, nHeads);
}

/** attention restricted to query heads [hStart, hEnd), so threads can split one layer's heads. */
export function attentionHeads(out: usize, q: usize, kCache: usize, vCache: usize, scores: usize, M: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, ctx: i32, hStart: i32, hEnd: i32): void {
  const hd = <usize>headDim, group = <usize>(nHeads / nKvHeads);
  const qStride = <usize>nHeads * hd * 4, kvStride = hd * 2, headBytes = <usize>ctx * hd * 2;
  const scale: f32 = <f32>1 / Mathf.sqrt(<f32>headDim);
  if (M > 1) {
    // lanes are rows m0..m0+3 of one head; row m0+j sees keys [0, pos0+m0+j+1)
    for (let h = <usize>hStart; h < <usize>hEnd; h++) {
      const k = kCache + (h / group) * headBytes, v = vCache + (h / group) * headBytes;
      for (let m0: usize = 0; m0 < <usize>M; m0 += 4) {
        const count = min(<usize>M - m0, 4), o = out + m0 * qStride + h * hd * 4, qh = q + m0 * qStride + h * hd * 4;
        const T0 = <usize>pos0 + m0 + 1;
        if (count == 4) attendRows4(o, qh, k, v, scores, T0, qStride, hd, kvStride, scale);
        else if (count == 3) attendRows3(o, qh, k, v, scores, T0, qStride, hd, kvStride, scale);
        else if (count == 2) attendRows2(o, qh, k, v, scores, T0, qStride, hd, kvStride, scale);
        else attendRows1(o, qh, k, v, scores, T0, qStride, hd, kvStride, scale);
      }
    }
    return;
  }
  // lanes are up to four query heads of one KV head, all at position pos0
  const T = <usize>pos0 + 1;
  for (let h = <usize>hStart; h < <usize>hEnd;) {
    const kvHead = h / group, count = min(min(<usize>hEnd, (kvHead + 1) * group) - h, 4);
    const o = out + h * hd * 4, qh = q + h * hd * 4;
    const k = kCache + kvHead * headBytes, v = vCache + kvHead * headBytes;
    if (count == 4) attendHeads4(o, qh, k, v, scores, T, hd, kvStride, scale);
    else if (count == 3) attendHeads3(o, qh, k, v, scores, T, hd, kvStride, scale);
    else if (count == 2) attendHeads2(o, qh, k, v, scores, T, hd, kvStride, scale);
    else attendHeads1(o, qh, k, v, scores, T, hd, kvStride, scale);
    h += count;
  }
}

// One function per lane count and lane kind: lanes without a head or row cost nothing, and each copy is small enough
// for the JIT to keep its accumulators in registers (one function holding all eight measured ~20% slower).
function attendHeads4(o: usize, q: usize, k: usize, v: usize, scores: usize, T: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T, 4, false, hd * 4, hd, kvStride, scale); }
function attendHeads3(o: usize, q: usize, k: usize, v: usize, scores: usize, T: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T, 3, false, hd * 4, hd, kvStride, scale); }
function attendHeads2(o: usize, q: usize, k: usize, v: usize, scores: usize, T: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T, 2, false, hd * 4, hd, kvStride, scale); }
function attendHeads1(o: usize, q: usize, k: usize, v: usize, scores: usize, T: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T, 1, false, hd * 4, hd, kvStride, scale); }
function attendRows4(o: usize, q: usize, k: usize, v: usize, scores: usize, T0: usize, lane: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T0, 4, true, lane, hd, kvStride, scale); }
function attendRows3(o: usize, q: usize, k: usize, v: usize, scores: usize, T0: usize, lane: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T0, 3, true, lane, hd, kvStride, scale); }
function attendRows2(o: usize, q: usize, k: usize, v: usize, scores: usize, T0: usize, lane: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T0, 2, true, lane, hd, kvStride, scale); }
function attendRows1(o: usize, q: usize, k: usize, v: usize, scores: usize, T0: usize, lane: usize, hd: usize, kvStride: usize, scale: f32): void { attendLanes(o, q, k, v, scores, T0, 1, true, lane, hd, kvStride, scale); }

// `count` lanes over one KV head's keys; lane j's q and out rows are at q + j·lane and out + j·lane (bytes). Lane j
// sees keys [0, T0) or, when causal (lanes are consecutive rows), [0, T0 + j). A key a lane may not see is left out
// exactly: its score is -inf (no effect on the max), its weight 0 in the sum, and its value never added.
@inline function attendLanes(out: usize, q: usize, k: usize, v: usize, scores: usize, T0: usize, count: i32, causal: bool, lane: usize, hd: usize, kvStride: usize, scale: f32): void {
  const T = causal ? T0 + <usize>count - 1 : T0;
  let runningMax = f32x4.splat(-Infinity), total = f32x4.splat(0);
  for (let t0: usize = 0; t0 < T; t0 += KEY_BLOCK) {
    const n = min(KEY_BLOCK, T - t0);
    // keys [open, n) of this block are hidden from some lanes (only the last block of causal lanes has any)
    const open = causal && t0 + n > T0 ? (t0 < T0 ? T0 - t0 : 0) : n;
    let top = blockScores(scores, q, k + t0 * kvStride, kvStride, n, count, lane, hd, scale);
    if (open < n) top = hideKeys(scores, open, n, t0 + open - T0 + 1, top);
    const newMax = f32x4.max(runningMax, top);
    // the first block has nothing to rescale; later blocks shrink what was accumulated under the old max
    const rescale = t0 == 0 ? f32x4.splat(0) : vexp(f32x4.sub(runningMax, newMax));
    let blockSum = softmaxInPlace(scores, open, newMax);
    if (open < n) blockSum = softmaxHidden(scores, open, n, t0 + open - T0 + 1, newMax, blockSum);
    total = f32x4.add(f32x4.mul(total, rescale), blockSum);
    accumulateValues(out, scores, v + t0 * kvStride, kvStride, open, count, lane, hd, rescale, t0 == 0);
    if (open < n) accumulateHiddenTail(out, scores, v + t0 * kvStride, kvStride, open, n, t0 + open - T0 + 1, count, lane, hd);
    runningMax = newMax;
  }
  const inv = f32x4.div(f32x4.splat(1), total);
  scaleInPlace(out, hd, f32x4.extract_lane(inv, 0));
  if (count > 1) scaleInPlace(out + lane, hd, f32x4.extract_lane(inv, 1));
  if (count > 2) scaleInPlace(out + lane * 2, hd, f32x4.extract_lane(inv, 2));
  if (count > 3) scaleInPlace(out + lane * 3, hd, f32x4.extract_lane(inv, 3));
}

// Causal lanes' last block: key `open + i` is hidden from lanes j < hiddenLanes + i. Sets those scores to -inf and
// returns the block's lane max over the visible keys (max is exact, so recomputing it changes nothing else).
@inline function hideKeys(scores: usize, open: usize, n: usize, hiddenLanes: usize, top: v128): v128 {
  const lanes = i32x4(0, 1, 2, 3), minusInf = f32x4.splat(-Infinity);
  for (let t = open; t < n; t++) {
    const hidden = i32x4.lt_s(lanes, i32x4.splat(<i32>(hiddenLanes + t - open)));
    v128.store(scores + t * 16, v128.bitselect(minusInf, v128.load(scores + t * 16), hidden));
  }
  top = minusInf;
  for (let t: usize = 0; t < n; t++) top = f32x4.max(top, v128.load(scores + t * 16));
  return top;
}

// softmaxInPlace continued over keys [open, n) of a causal block, with weight 0 where hideKeys hid the key.
@inline function softmaxHidden(scores: usize, open: usize, n: usize, hiddenLanes: usize, maxScore: v128, sum: v128): v128 {
  const lanes = i32x4(0, 1, 2, 3);
  for (let t = open; t < n; t++) {
    const hidden = i32x4.lt_s(lanes, i32x4.splat(<i32>(hiddenLanes + t - open)));
    const e = v128.andnot(vexp(f32x4.sub(v128.load(scores + t * 16), maxScore)), hidden);
    v128.store(scores + t * 16, f32x4.mul(e, f32x4.splat(HALF_RESCALE)));
    sum = f32x4.add(sum, e);
  }
  return sum;
}

// The hidden keys [open, n) of a causal block, added to out after accumulateValues added keys [0, open): lane j gets
// key open + i only if j ≥ hiddenLanes + i, in key order, with accumulateValues's per-element operations.
@inline function accumulateHiddenTail(out: usize, p: usize, v: usize, kvStride: usize, open: usize, n: usize, hiddenLanes: usize, count: i32, lane: usize, hd: usize): void {
  const hd4 = hd & ~3;
  for (let t = open; t < n; t++) {
    const vt = v + t * kvStride;
    for (let j = hiddenLanes + t - open; j < <usize>count; j++) {
      const o = out + j * lane, pj = v128.load32_splat(p + t * 16 + j * 4), ps = load<f32>(p + t * 16 + j * 4);
      for (let i: usize = 0; i < hd4; i += 4) v128.store(o + i * 4, f32x4.add(v128.load(o + i * 4), f32x4.mul(pj, loadHalvesScaledDown(vt + i * 2))));
      for (let i = hd4; i < hd; i++) store<f32>(o + i * 4, load<f32>(o + i * 4) + ps * loadHalfScaledDown(vt + i * 2));
    }
  }
}

// scores[t] (lane j) = q_j·k[t]·scale for n binary16 keys (row stride kvStride bytes), two keys per pass; returns the
// lane max. Each key chunk is widened once for all lanes; every key is summed the same way, body or tail.
@inline function blockScores(scores: usize, q: usize, k: usize, kvStride: usize, n: usize, count: i32, lane: usize, hd: usize, scale: f32): v128 {
  const hd4 = hd & ~3, q1 = q + lane, q2 = q1 + lane, q3 = q2 + lane, sc = f32x4.splat(scale), zero = f32x4.splat(0);
  let top = f32x4.splat(-Infinity), t: usize = 0;
  for (; t + 2 <= n; t += 2) {
    const k0 = k + t * kvStride, k1 = k0 + kvStride;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
    for (let i: usize = 0; i < hd4; i += 4) {
      const x0 = loadHalvesF32(k0 + i * 2), x1 = loadHalvesF32(k1 + i * 2);
      let qv = v128.load(q + i * 4);
      a0 = f32x4.add(a0, f32x4.mul(qv, x0)); b0 = f32x4.add(b0, f32x4.mul(qv, x1));
      if (count > 1) { qv = v128.load(q1 + i * 4); a1 = f32x4.add(a1, f32x4.mul(qv, x0)); b1 = f32x4.add(b1, f32x4.mul(qv, x1)); }
      if (count > 2) { qv = v128.load(q2 + i * 4); a2 = f32x4.add(a2, f32x4.mul(qv, x0)); b2 = f32x4.add(b2, f32x4.mul(qv, x1)); }
      if (count > 3) { qv = v128.load(q3 + i * 4); a3 = f32x4.add(a3, f32x4.mul(qv, x0)); b3 = f32x4.add(b3, f32x4.mul(qv, x1)); }
    }
    const s0 = finishScore(reduce4f(a0, a1, a2, a3), q, k0, count, lane, hd4, hd, sc);
    const s1 = finishScore(reduce4f(b0, b1, b2, b3), q, k1, count, lane, hd4, hd, sc);
    v128.store(scores + t * 16, s0); v128.store(scores + t * 16, s1, 16);
    top = f32x4.max(f32x4.max(top, s0), s1);
  }
  if (t < n) {
    const kt = k + t * kvStride;
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    for (let i: usize = 0; i < hd4; i += 4) {
      const x = loadHalvesF32(kt + i * 2);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(q + i * 4), x));
      if (count > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load(q1 + i * 4), x));
      if (count > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load(q2 + i * 4), x));
      if (count > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load(q3 + i * 4), x));
    }
    const s = finishScore(reduce4f(a0, a1, a2, a3), q, kt, count, lane, hd4, hd, sc);
    v128.store(scores + t * 16, s);
    top = f32x4.max(top, s);
  }
  return top;
}

// A key's lane sums plus its tail dimensions [hd4, hd), times the scale.
@inline function finishScore(s: v128, q: usize, kt: usize, count: i32, lane: usize, hd4: usize, hd: usize, sc: v128): v128 {
  for (let i = hd4; i < hd; i++) {
    const x = f32x4.splat(loadHalfF32(kt + i * 2)), o = q + i * 4;
    const qi = f32x4(load<f32>(o), count > 1 ? load<f32>(o + lane) : 0, count > 2 ? load<f32>(o + lane * 2) : 0, count > 3 ? load<f32>(o + lane * 3) : 0);
    s = f32x4.add(s, f32x4.mul(qi, x));
  }
  return f32x4.mul(s, sc);
}

// [Σa, Σb, Σc, Σd] with each sum taken as (l0+l2)+(l1+l3).
@inline function reduce4f(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

// scores[t] ← exp(scores[t] − max)·2^112 per lane (see accumulateValues); returns the lane-wise Σ exp over the block.
@inline function softmaxInPlace(scores: usize, n: usize, maxScore: v128): v128 {
  let sum = f32x4.splat(0);
  for (let t: usize = 0; t < n; t++) {
    const e = vexp(f32x4.sub(v128.load(scores + t * 16), maxScore));
    v128.store(scores + t * 16, f32x4.mul(e, f32x4.splat(HALF_RESCALE)));
    sum = f32x4.add(sum, e);
  }
  return sum;
}

// out_j[hd] = out_j·rescale_j + Σ_t p_j[t]·v[t] for the count lanes (out rows `lane` bytes apart), 8 dimensions at a
// time. p carries the 2^112 that v's halves lack when only shifted into f32 position, so each product p·v is rounded
// exactly as from decoded halves. Four lanes go 4 dimensions at a time: eight accumulators spill (measured ~25% slower).
@inline function accumulateValues(out: usize, p: usize, v: usize, kvStride: usize, n: usize, count: i32, lane: usize, hd: usize, rescale: v128, first: bool): void {
  const hd8 = count < 4 ? hd & ~7 : 0, hd4 = hd & ~3, o1 = out + lane, o2 = o1 + lane, o3 = o2 + lane;
  const r0 = v128.shuffle<f32>(rescale, rescale, 0, 0, 0, 0), r1 = v128.shuffle<f32>(rescale, rescale, 1, 1, 1, 1);
  const r2 = v128.shuffle<f32>(rescale, rescale, 2, 2, 2, 2), r3 = v128.shuffle<f32>(rescale, rescale, 3, 3, 3, 3);
  const zero = f32x4.splat(0);
  for (let i: usize = 0; i < hd8; i += 8) {
    // out holds garbage before the first block
    let a0 = first ? zero : f32x4.mul(v128.load(out + i * 4), r0), b0 = first ? zero : f32x4.mul(v128.load(out + i * 4, 16), r0);
    let a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
    if (count > 1 && !first) { a1 = f32x4.mul(v128.load(o1 + i * 4), r1); b1 = f32x4.mul(v128.load(o1 + i * 4, 16), r1); }
    if (count > 2 && !first) { a2 = f32x4.mul(v128.load(o2 + i * 4), r2); b2 = f32x4.mul(v128.load(o2 + i * 4, 16), r2); }
    if (count > 3 && !first) { a3 = f32x4.mul(v128.load(o3 + i * 4), r3); b3 = f32x4.mul(v128.load(o3 + i * 4, 16), r3); }
    for (let t: usize = 0; t < n; t++) {
      const vt = v + t * kvStride + i * 2, pt = p + t * 16;
      const low = loadHalvesScaledDown(vt), high = loadHalvesScaledDown(vt + 8);
      const p0 = v128.load32_splat(pt);
      a0 = f32x4.add(a0, f32x4.mul(p0, low)); b0 = f32x4.add(b0, f32x4.mul(p0, high));
      if (count > 1) { const pj = v128.load32_splat(pt + 4); a1 = f32x4.add(a1, f32x4.mul(pj, low)); b1 = f32x4.add(b1, f32x4.mul(pj, high)); }
      if (count > 2) { const pj = v128.load32_splat(pt + 8); a2 = f32x4.add(a2, f32x4.mul(pj, low)); b2 = f32x4.add(b2, f32x4.mul(pj, high)); }
      if (count > 3) { const pj = v128.load32_splat(pt + 12); a3 = f32x4.add(a3, f32x4.mul(pj, low)); b3 = f32x4.add(b3, f32x4.mul(pj, high)); }
    }
    v128.store(out + i * 4, a0); v128.store(out + i * 4, b0, 16);
    if (count > 1) { v128.store(o1 + i * 4, a1); v128.store(o1 + i * 4, b1, 16); }
    if (count > 2) { v128.store(o2 + i * 4, a2); v128.store(o2 + i * 4, b2, 16); }
    if (count > 3) { v128.store(o3 + i * 4, a3); v128.store(o3 + i * 4, b3, 16); }
  }
  for (let i = hd8; i < hd4; i += 4) {
    let a0 = first ? zero : f32x4.mul(v128.load(out + i * 4), r0), a1 = zero, a2 = zero, a3 = zero;
    if (count > 1 && !first) a1 = f32x4.mul(v128.load(o1 + i * 4), r1);
    if (count > 2 && !first) a2 = f32x4.mul(v128.load(o2 + i * 4), r2);
    if (count > 3 && !first) a3 = f32x4.mul(v128.load(o3 + i * 4), r3);
    for (let t: usize = 0; t < n; t++) {
      const vt = loadHalvesScaledDown(v + t * kvStride + i * 2), pt = p + t * 16;
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(pt), vt));
      if (count > 1) a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(pt + 4), vt));
      if (count > 2) a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(pt + 8), vt));
      if (count > 3) a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(pt + 12), vt));
    }
    v128.store(out + i * 4, a0);
    if (count > 1) v128.store(o1 + i * 4, a1);
    if (count > 2) v128.store(o2 + i * 4, a2);
    if (count > 3) v128.store(o3 + i * 4, a3);
  }
  for (let i = hd4; i < hd; i++) {
    // the same per-lane operations, one dimension of all lanes at once
    let a = first ? zero : f32x4.mul(f32x4(load<f32>(out + i * 4), count > 1 ? load<f32>(o1 + i * 4) : 0, count > 2 ? load<f32>(o2 + i * 4) : 0, count > 3 ? load<f32>(o3 + i * 4) : 0), rescale);
    for (let t: usize = 0; t < n; t++) a = f32x4.add(a, f32x4.mul(v128.load(p + t * 16), f32x4.splat(loadHalfScaledDown(v + t * kvStride + i * 2))));
    store<f32>(out + i * 4, f32x4.extract_lane(a, 0));
    if (count > 1) store<f32>(o1 + i * 4, f32x4.extract_lane(a, 1));
    if (count > 2) store<f32>(o2 + i * 4, f32x4.extract_lane(a, 2));
    if (count > 3) store<f32>(o3 + i * 4, f32x4.extract_lane(a, 3));
  }
}

@inline function scaleInPlace(x: usize, n: usize, factor: f32): void {
  const n4 = n & ~3, f = f32x4.splat(factor);
  for (let i: usize = 0; i < n4; i += 4) v128.store(x + i * 4, f32x4.mul(v128.load(x + i * 4), f));
  for (let i = n4; i < n; i++) store<f32>(x + i * 4, load<f32>(x + i * 4) * factor);
}

/**
 * kvCache[nKvHeads, ctx, headDim] binary16 at positions pos0..pos0+M-1 ← x[M, nKvHeads*headDim] f32, round to nearest
 * even; position p goes to slot p mod ctx (a sliding-window layer's ring).
 */
export function storeKvF16(kvCache: usize, x: usize, M: i32, pos0: i32, nKvHeads: i32, headDim: i32, ctx: i32): void {
  const hd = <usize>headDim, hd8 = hd & ~7;
  for (let m: usize = 0; m < <usize>M; m++) {
    const slot = <usize>((pos0 + <i32>m) % ctx);
    for (let g: usize = 0; g < <usize>nKvHeads; g++) {
      const src = x + (m * <usize>nKvHeads + g) * hd * 4, dst = kvCache + (g * <usize>ctx + slot) * hd * 2;
      for (let i: usize = 0; i < hd8; i += 8) {
        const low = f32x4ToHalves(v128.load(src + i * 4)), high = f32x4ToHalves(v128.load(src + i * 4, 16));
        v128.store(dst + i * 2, i16x8.narrow_i32x4_u(low, high));
      }
      for (let i = hd8; i < hd; i++) store<u16>(dst + i * 2, <u16>i32x4.extract_lane(f32x4ToHalves(v128.load32_splat(src + i * 4)), 0));
    }
  }
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

/** out[M,D] = W[ids[m], :] · S[ids[m], :/32] for an int8 table with per-32 binary16 scales; ids i32[M]. */
export function embedQ8(out: usize, ids: usize, w: usize, ws: usize, M: i32, D: i32): void {
  const d = <usize>D, groups = d / 32;
  for (let m: usize = 0; m < <usize>M; m++) {
    const id = <usize>load<u32>(ids + m * 4), row = w + id * d, scales = ws + id * groups * 2, outRow = out + m * d * 4;
    for (let g: usize = 0; g < groups; g++) {
      const s = f32x4.splat(f16ToF32(<u32>load<u16>(scales + g * 2)));
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
