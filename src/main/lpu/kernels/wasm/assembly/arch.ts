// Kernels the non-Llama architectures add (Gemma's GeGLU, scaling, soft-capping, sliding-window attention); see abi.ts.
import { loadHalvesF32, loadHalfF32, hsum, sexp } from './vmath';

const GELU_COEF_A: f32 = 0.7978845608028654; // √(2/π)
const GELU_COEF_B: f32 = 0.044715;

/** out[n] = gelu(gate[n]) * up[n], tanh form (out may alias gate). */
export function geluMul(out: usize, gate: usize, up: usize, n: i32): void {
  for (let i: usize = 0; i < <usize>n; i++) {
    const g = load<f32>(gate + i * 4);
    const gelu = <f32>0.5 * g * (<f32>1 + Mathf.tanh(GELU_COEF_A * g * (<f32>1 + GELU_COEF_B * g * g)));
    store<f32>(out + i * 4, gelu * load<f32>(up + i * 4));
  }
}

/** out[n] = x[n] · factor (out may alias x). */
export function scale(out: usize, x: usize, n: i32, factor: f32): void {
  const len = <usize>n, len4 = len & ~3, f = f32x4.splat(factor);
  for (let i: usize = 0; i < len4; i += 4) v128.store(out + i * 4, f32x4.mul(v128.load(x + i * 4), f));
  for (let i = len4; i < len; i++) store<f32>(out + i * 4, load<f32>(x + i * 4) * factor);
}

/** out[n] = cap · tanh(x[n] / cap) (out may alias x). */
export function softcap(out: usize, x: usize, n: i32, cap: f32): void {
  for (let i: usize = 0; i < <usize>n; i++) store<f32>(out + i * 4, cap * Mathf.tanh(load<f32>(x + i * 4) / cap));
}

/** Keys per online-softmax block: the scratch floats attentionWindowed needs per thread. */
export const ATTENTION_WINDOW_BLOCK: i32 = 128;

/**
 * Attention over query heads [hStart, hEnd) where row m (position p = pos0+m) sees keys max(0, p−window+1)..p
 * (window 0 = all), scores q·k·scale soft-capped to cap·tanh(s/cap) when softcap > 0; binary16 K/V caches
 * [nKvHeads, ctx, headDim] holding position t at slot t mod ctx; online softmax over blocks of ATTENTION_WINDOW_BLOCK keys in scores.
 */
export function attentionWindowed(out: usize, q: usize, kCache: usize, vCache: usize, scores: usize, M: i32, pos0: i32, nHeads: i32, nKvHeads: i32, headDim: i32, ctx: i32, hStart: i32, hEnd: i32, window: i32, scale: f32, softcap: f32): void {
  const hd = <usize>headDim, hd4 = hd & ~3, group = nHeads / nKvHeads;
  const qStride = <usize>nHeads * hd * 4, kvStride = hd * 2, headBytes = <usize>ctx * kvStride;
  for (let m: i32 = 0; m < M; m++) {
    const last = pos0 + m, first = window > 0 ? max(0, last - window + 1) : 0;
    for (let h = hStart; h < hEnd; h++) {
      const qh = q + <usize>m * qStride + <usize>h * hd * 4, o = out + <usize>m * qStride + <usize>h * hd * 4;
      const kh = kCache + <usize>(h / group) * headBytes, vh = vCache + <usize>(h / group) * headBytes;
      for (let i: usize = 0; i < hd; i++) store<f32>(o + i * 4, 0);
      let runningMax: f32 = -Infinity, sum: f32 = 0;
      for (let t0 = first; t0 <= last; t0 += ATTENTION_WINDOW_BLOCK) {
        const n = min(ATTENTION_WINDOW_BLOCK, last + 1 - t0), slot0 = t0 % ctx; // a ring when ctx < the bucket
        let blockMax: f32 = -Infinity;
        for (let j = 0, slot = slot0; j < n; j++, slot = slot + 1 == ctx ? 0 : slot + 1) {
          const kt = kh + <usize>slot * kvStride;
          let acc = f32x4.splat(0);
          for (let i: usize = 0; i < hd4; i += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(qh + i * 4), loadHalvesF32(kt + i * 2)));
          let dot = hsum(acc);
          for (let i = hd4; i < hd; i++) dot += load<f32>(qh + i * 4) * loadHalfF32(kt + i * 2);
          let s = dot * scale;
          if (softcap > 0) s = softcap * Mathf.tanh(s / softcap);
          store<f32>(scores + <usize>j * 4, s);
          blockMax = Mathf.max(blockMax, s);
        }
        const newMax = Mathf.max(runningMax, blockMax);
        const rescale: f32 = t0 == first ? 0 : sexp(runningMax - newMax);
        sum *= rescale;
        const r = f32x4.splat(rescale);
        for (let i: usize = 0; i < hd4; i += 4) v128.store(o + i * 4, f32x4.mul(v128.load(o + i * 4), r));
        for (let i = hd4; i < hd; i++) store<f32>(o + i * 4, load<f32>(o + i * 4) * rescale);
        for (let j = 0, slot = slot0; j < n; j++, slot = slot + 1 == ctx ? 0 : slot + 1) {
          const p = sexp(load<f32>(scores + <usize>j * 4) - newMax);
          sum += p;
          const vt = vh + <usize>slot * kvStride, pv = f32x4.splat(p);
          for (let i: usize = 0; i < hd4; i += 4) v128.store(o + i * 4, f32x4.add(v128.load(o + i * 4), f32x4.mul(pv, loadHalvesF32(vt + i * 2))));
          for (let i = hd4; i < hd; i++) store<f32>(o + i * 4, load<f32>(o + i * 4) + p * loadHalfF32(vt + i * 2));
        }
        runningMax = newMax;
      }
      const inv: f32 = <f32>1 / sum;
      const iv = f32x4.splat(inv);
      for (let i: usize = 0; i < hd4; i += 4) v128.store(o + i * 4, f32x4.mul(v128.load(o + i * 4), iv));
      for (let i = hd4; i < hd; i++) store<f32>(o + i * 4, load<f32>(o + i * 4) * inv);
    }
  }
}
