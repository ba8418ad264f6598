// The kernel ABI shared by the TypeScript reference kernels and the WebAssembly SIMD kernels.
// Kernels run in place on the planned SRAM arena (one shared WebAssembly.Memory per emulated chip group),
// so every tensor argument is a byte offset into that arena: no kernel allocates, copies or returns arrays.
//
// Layout conventions (all little-endian, row-major):
//   f32 tensors            4-byte aligned
//   int8 weight matrices   W[N, K] int8, 16-byte aligned, K % Q8_GROUP === 0
//   int8 weight scales     S[N, K / Q8_GROUP] IEEE binary16 bits (u16), finite: GGUF Q8_0's own scale type, so Q8_0
//                          blocks copy in exactly  (dequantised w = W[n,k] * f32(S[n, k / Q8_GROUP]))
//   int8 activations       Xq[M, K] int8 with Xs[M, K / Q8_GROUP] f32 (same grouping as the weights; computed per step, so f32)
//   block weight matrices  W[N, K] as ggml's own blocks, copied from the GGUF file unchanged, each row K / blockElems
//                          blocks back to back (row bytes = K / blockElems · blockBytes, see BLOCK_FORMATS; no alignment)
//   Q8_K activations       Y[M, K / QK_K] blocks of 292 bytes: f32 d, int8 qs[256], int16 bsums[16] (Σ of each 16 qs),
//                          ggml's block_q8_K, the activation side of every K-quant dot product

/** A byte offset into the arena. */
export type Ptr = number;

/** Group size of the emulator's native INT8 format: 32, so GGUF Q8_0 blocks convert losslessly. */
export const Q8_GROUP = 32;

/** Keys per online-softmax block of attentionWindowed: the scratch floats it needs per thread. */
export const ATTENTION_WINDOW_BLOCK = 128;

/** Elements per K-quant super-block (Q4_K, Q5_K, Q6_K) and per Q8_K activation block. */
export const QK_K = 256;
/** Bytes of one Q8_K activation block: f32 d + int8 qs[256] + int16 bsums[16]. */
export const Q8K_BLOCK_BYTES = 292;

/** ggml block formats kept at their own width in the arena: elements and bytes per block, ggml type id. */
export const BLOCK_FORMATS = {
  q4_0: { ggmlType: 2, blockElems: 32, blockBytes: 18 }, // f16 d, qs[16] nibbles: w = (q - 8)·d
  q4_k: { ggmlType: 12, blockElems: 256, blockBytes: 144 }, // f16 d, f16 dmin, scales[12] (6-bit scale+min ×8), qs[128]
  q5_k: { ggmlType: 13, blockElems: 256, blockBytes: 176 }, // as q4_k plus qh[32] (5th bits) before qs[128]
  q6_k: { ggmlType: 14, blockElems: 256, blockBytes: 210 }, // ql[128], qh[64], int8 scales[16], f16 d: w = d·sc·(q - 32)
} as const;
export type BlockFormat = keyof typeof BLOCK_FORMATS;

/** Kernels that every implementation (ts, wasm) provides with identical semantics. */
export interface MatmulKernels {
  /** Quantise activations: Xq[M,K], Xs[M,K/32] ← X[M,K] f32 (symmetric, scale = max|x|/127 per group). */
  quantizeRowsQ8(xq: Ptr, xs: Ptr, x: Ptr, M: number, K: number): void;
  /**
   * out[M, n] = Σ_k Xq[m,k]·Xs[m,k/32] · W[n,k]·S[n,k/32]  for n in [nStart, nEnd), S binary16
   * (int8×int8 products accumulated per group in int32, then scaled in f32; out row stride is N).
   * The [nStart, nEnd) range lets worker threads split one matrix by output rows (tensor parallel).
   */
  matmulQ8(out: Ptr, xq: Ptr, xs: Ptr, w: Ptr, ws: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** out[M, n] = Σ_k X[m,k] · W[n,k] for n in [nStart, nEnd), W f32 [N,K] (float path for golden tests). */
  matmulF32(out: Ptr, x: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
}

/**
 * The rest of the transformer's kernels. Shapes are in elements; every pointer is a byte offset.
 * RoPE has one variant only, GGUF/llama interleaved pairs (x[2i], x[2i+1]); loaders permute HF and
 * NEOX-style q/k weight rows at load so the interleaved kernel serves every architecture.
 */
export interface TransformerKernels {
  /** out[M,D] = x[M,D] / sqrt(mean(x²) + eps) * weight[D]  (out may alias x). */
  rmsnorm(out: Ptr, x: Ptr, weight: Ptr, M: number, D: number, eps: number): void;
  /**
   * In place on x[M, nHeads*headDim]: row m is at position pos0+m; pair (2i, 2i+1) of each head rotates by
   * angle (pos0+m)·freq[i]; ropeTable[ctx, headDim/2, 2] f32 holds (cos, sin) per position and pair.
   */
  rope(x: Ptr, ropeTable: Ptr, M: number, nHeads: number, headDim: number, pos0: number): void;
  /**
   * Causal grouped-query attention for query rows at positions pos0..pos0+M-1.
   * q[M, nHeads*headDim] f32; kCache/vCache[nKvHeads, ctx, headDim] IEEE binary16 (each KV head's positions contiguous,
   * so attention streams them) already hold positions 0..pos0+M-1; scores[max(ctx, 128)] f32 scratch; out[M, nHeads*headDim] f32.
   * Scale 1/sqrt(headDim), K/V widened to f32, softmax in f32.
   */
  attention(out: Ptr, q: Ptr, kCache: Ptr, vCache: Ptr, scores: Ptr, M: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, ctx: number): void;
  /**
   * kvCache[nKvHeads, ctx, headDim] binary16 at positions pos0..pos0+M-1 ← x[M, nKvHeads*headDim] f32, round to
   * nearest even (subnormals kept, overflow to ±inf, NaN stays NaN). Position p goes to slot p mod ctx, so a
   * sliding-window layer's cache is a ring of ctx slots (a full cache never wraps: positions stay below ctx).
   */
  storeKvF16(kvCache: Ptr, x: Ptr, M: number, pos0: number, nKvHeads: number, headDim: number, ctx: number): void;
  /** out[n] = silu(gate[n]) * up[n]  (out may alias gate). */
  siluMul(out: Ptr, gate: Ptr, up: Ptr, n: number): void;
  /** out[n] = a[n] + b[n]  (out may alias a). */
  add(out: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** x[M,N] += bias[N] (qwen2's q/k/v bias). */
  addBias(x: Ptr, bias: Ptr, M: number, N: number): void;
  /** out[n] = gelu(gate[n]) * up[n], GELU's tanh form as ggml computes it (Gemma's GeGLU; out may alias gate). */
  geluMul(out: Ptr, gate: Ptr, up: Ptr, n: number): void;
  /** out[n] = x[n] · factor (Gemma's √dim embedding scale; out may alias x). */
  scale(out: Ptr, x: Ptr, n: number, factor: number): void;
  /** out[n] = cap · tanh(x[n] / cap): logit soft-capping (Gemma 2's final logits; out may alias x). */
  softcap(out: Ptr, x: Ptr, n: number, cap: number): void;
  /**
   * attention generalised for Gemma and friends, over query heads [hStart, hEnd): row m (position p = pos0+m) sees
   * keys t with max(0, p − window + 1) ≤ t ≤ p (window 0 = all), score s = q·k·scale, soft-capped to
   * cap·tanh(s/cap) when softcap > 0, softmax in f32. scores is scratch of ATTENTION_WINDOW_BLOCK floats (online
   * softmax over blocks of keys, so any context fits); same K/V layout as attention, key t read from slot t mod ctx
   * (storeKvF16's ring: ctx ≥ window + M − 1 slots keep every key the step's rows see).
   */
  attentionWindowed(out: Ptr, q: Ptr, kCache: Ptr, vCache: Ptr, scores: Ptr, M: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, ctx: number, hStart: number, hEnd: number, window: number, scale: number, softcap: number): void;
  /** out[M,D] = dequant(table[ids[m]]) for int8 table W[V,D] + binary16 scales S[V,D/32]; ids i32[M]. */
  embedQ8(out: Ptr, ids: Ptr, w: Ptr, ws: Ptr, M: number, D: number): void;
  /** out[M,D] = table[ids[m]] for an f32 table [V,D]; ids i32[M]. */
  embedF32(out: Ptr, ids: Ptr, table: Ptr, M: number, D: number): void;
  /** out[M, n] = Σ_k X[m,k] · f16(W[n,k]) for n in [nStart, nEnd), W IEEE binary16 [N,K] (the FP16 weight option). */
  matmulF16(out: Ptr, x: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** Index of the largest of x[N] f32 (first one on ties). */
  argmax(x: Ptr, N: number): number;
}

/**
 * Dot products straight on ggml's block formats (weights as the file stores them, scales unpacked per block in
 * registers), against int8 activations: Q4_0 against quantizeRowsQ8's per-32 rows (llama.cpp pairs it with Q8_0),
 * the K-quants against Q8_K blocks of 256 (as llama.cpp does). All split by output rows [nStart, nEnd) like matmulQ8;
 * out row stride is N; w points at weight row 0 (a shard passes w shifted back by nStart rows).
 */
export interface BlockKernels {
  /** Y[M, K/256] Q8_K blocks ← X[M,K] f32: d = max|x|/127 per 256, qs = round(x/d), bsums[j] = Σ qs[16j..16j+15]. K % 256 = 0. */
  quantizeRowsQ8K(y: Ptr, x: Ptr, M: number, K: number): void;
  /** out[M, n] = Σ_b Xs[m,b]·d[n,b] · Σ_{k∈b} Xq[m,k]·(q[n,k] − 8);  W Q4_0 [N, K/32 blocks of 18 bytes]. */
  matmulQ4_0(out: Ptr, xq: Ptr, xs: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** out[M, n] = Σ_superblock y.d · (d·Σ_j sc_j·Σ q·yq − dmin·Σ_j m_j·(bsums of sub-block j));  W Q4_K [N, K/256 blocks of 144]. */
  matmulQ4K(out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** As matmulQ4K with 5-bit quants (q + 16·hbit);  W Q5_K [N, K/256 blocks of 176]. */
  matmulQ5K(out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** out[M, n] = Σ_superblock y.d·d · Σ_16-group sc·Σ (q − 32)·yq;  W Q6_K [N, K/256 blocks of 210]. */
  matmulQ6K(out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** out[M, n] = Σ_k X[m,k] · bf16(W[n,k]) for n in [nStart, nEnd), W bfloat16 bits [N,K] (BF16 files at their width). */
  matmulBF16(out: Ptr, x: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /**
   * out[M,D] f32 = dequant(table row ids[m]) for a table stored as ggml type `ggmlType` (1 F16, 30 BF16, or a
   * BLOCK_FORMATS type id), rows of D elements; ids i32[M].
   */
  embedGgml(out: Ptr, ids: Ptr, table: Ptr, M: number, D: number, ggmlType: number): void;
}

/** Everything the runtime needs; the ts set is the oracle, the wasm set replaces it for speed. */
export interface KernelSet extends MatmulKernels, TransformerKernels, BlockKernels {
  readonly name: string;
}

/** The arena: a shared WebAssembly.Memory (typed structurally because Node's lib types omit WebAssembly.Memory). */
export interface ArenaMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** Builds a kernel set that runs in place on one arena. */
export type KernelSetFactory = (memory: ArenaMemory) => KernelSet | Promise<KernelSet>;
