// Plain float64 reference math for every kernel and for a whole-model forward: the oracle of the oracle.
// Written for clarity, not speed; arrays in, arrays out.

export type Vec = Float64Array;

/** out[m,n] = Σ_k x[m,k] · w[n,k] */
export function matmulRef(x: ArrayLike<number>, w: ArrayLike<number>, M: number, K: number, N: number): Vec {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += x[m * K + k]! * w[n * K + k]!;
    out[m * N + n] = acc;
  }
  return out;
}

export function rmsnormRef(x: ArrayLike<number>, weight: ArrayLike<number>, M: number, D: number, eps: number): Vec {
  const out = new Float64Array(M * D);
  for (let m = 0; m < M; m++) {
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[m * D + d]! ** 2;
    const inv = 1 / Math.sqrt(ss / D + eps);
    for (let d = 0; d < D; d++) out[m * D + d] = x[m * D + d]! * inv * weight[d]!;
  }
  return out;
}

/** Interleaved-pair RoPE of rows at positions pos0.. for nHeads heads of headDim. */
export function ropeRef(x: ArrayLike<number>, M: number, nHeads: number, headDim: number, pos0: number, theta: number): Vec {
  const out = Float64Array.from(x);
  for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) for (let i = 0; i < headDim / 2; i++) {
    const angle = (pos0 + m) * Math.pow(theta, (-2 * i) / headDim);
    const o = m * nHeads * headDim + h * headDim + 2 * i;
    const a = x[o]!, b = x[o + 1]!;
    out[o] = a * Math.cos(angle) - b * Math.sin(angle);
    out[o + 1] = a * Math.sin(angle) + b * Math.cos(angle);
  }
  return out;
}

/** Causal GQA attention; kCache/vCache hold rows for positions 0..pos0+M-1. */
export function attentionRef(
  q: ArrayLike<number>, kCache: ArrayLike<number>, vCache: ArrayLike<number>,
  M: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number,
): Vec {
  const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
  const out = new Float64Array(M * qDim);
  for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) {
    const kvh = Math.floor(h / (nHeads / nKvHeads));
    const len = pos0 + m + 1;
    const scores = new Float64Array(len);
    for (let t = 0; t < len; t++) {
      let dot = 0;
      for (let d = 0; d < headDim; d++) dot += q[m * qDim + h * headDim + d]! * kCache[t * kvDim + kvh * headDim + d]!;
      scores[t] = dot / Math.sqrt(headDim);
    }
    const max = Math.max(...scores);
    let sum = 0;
    for (let t = 0; t < len; t++) { scores[t] = Math.exp(scores[t]! - max); sum += scores[t]!; }
    for (let t = 0; t < len; t++) for (let d = 0; d < headDim; d++) {
      out[m * qDim + h * headDim + d]! += (scores[t]! / sum) * vCache[t * kvDim + kvh * headDim + d]!;
    }
  }
  return out;
}

export const siluRef = (g: number) => g / (1 + Math.exp(-g));

/** A whole Llama-family forward in float64 over all tokens at once; returns logits [T, vocab]. */
export interface RefModel {
  dim: number; hiddenDim: number; nLayers: number; nHeads: number; nKvHeads: number; headDim: number; vocabSize: number;
  ropeTheta: number; rmsEps: number;
  /** Weights by canonical name (token_embd, blk.i.attn_q, …, output_norm, output), row-major [rows, cols]; q/k interleaved. */
  weight(name: string): ArrayLike<number> | undefined;
}

export function forwardRef(model: RefModel, tokens: number[]): Vec {
  const { dim, hiddenDim, nHeads, nKvHeads, headDim, vocabSize } = model;
  const T = tokens.length;
  const w = (name: string) => { const v = model.weight(name); if (!v) throw new Error(`reference: missing ${name}`); return v; };
  const x = new Float64Array(T * dim);
  const embd = w('token_embd');
  tokens.forEach((id, t) => { for (let d = 0; d < dim; d++) x[t * dim + d] = embd[id * dim + d]!; });
  const bias = (out: Vec, name: string, N: number) => {
    const b = model.weight(name);
    if (b) for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) out[t * N + n]! += b[n]!;
  };
  for (let l = 0; l < model.nLayers; l++) {
    const xn = rmsnormRef(x, w(`blk.${l}.attn_norm`), T, dim, model.rmsEps);
    let q: Vec = matmulRef(xn, w(`blk.${l}.attn_q`), T, dim, nHeads * headDim);
    let k: Vec = matmulRef(xn, w(`blk.${l}.attn_k`), T, dim, nKvHeads * headDim);
    const v = matmulRef(xn, w(`blk.${l}.attn_v`), T, dim, nKvHeads * headDim);
    bias(q, `blk.${l}.attn_q.bias`, nHeads * headDim);
    bias(k, `blk.${l}.attn_k.bias`, nKvHeads * headDim);
    bias(v, `blk.${l}.attn_v.bias`, nKvHeads * headDim);
    q = ropeRef(q, T, nHeads, headDim, 0, model.ropeTheta);
    k = ropeRef(k, T, nKvHeads, headDim, 0, model.ropeTheta);
    const att = attentionRef(q, k, v, T, 0, nHeads, nKvHeads, headDim);
    const o = matmulRef(att, w(`blk.${l}.attn_output`), T, nHeads * headDim, dim);
    for (let i = 0; i < x.length; i++) x[i]! += o[i]!;
    const xn2 = rmsnormRef(x, w(`blk.${l}.ffn_norm`), T, dim, model.rmsEps);
    const gate = matmulRef(xn2, w(`blk.${l}.ffn_gate`), T, dim, hiddenDim);
    const up = matmulRef(xn2, w(`blk.${l}.ffn_up`), T, dim, hiddenDim);
    for (let i = 0; i < gate.length; i++) gate[i] = siluRef(gate[i]!) * up[i]!;
    const down = matmulRef(gate, w(`blk.${l}.ffn_down`), T, hiddenDim, dim);
    for (let i = 0; i < x.length; i++) x[i]! += down[i]!;
  }
  const xf = rmsnormRef(x, w('output_norm'), T, dim, model.rmsEps);
  return matmulRef(xf, model.weight('output') ?? embd, T, dim, vocabSize);
}
