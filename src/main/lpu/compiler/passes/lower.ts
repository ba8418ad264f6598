import { AppError } from '../../../../shared/errors';
import { isSlidingLayer, type ModelConfig } from '../../loader/model-source';
import type { Graph, Op, TensorDecl } from '../../ir/graph';

export const CONTEXT_BUCKETS = [512, 1024, 2048, 4096, 8192] as const;

/** The smallest bucket that holds `tokens`, capped by the model's own context length. */
export function chooseBucket(config: ModelConfig, requested?: number): number {
  if (requested !== undefined) {
    if (!CONTEXT_BUCKETS.includes(requested as (typeof CONTEXT_BUCKETS)[number])) {
      throw new AppError('invalid_option', `Context bucket ${requested} is not one of ${CONTEXT_BUCKETS.join(', ')}.`);
    }
    return requested;
  }
  return CONTEXT_BUCKETS.find((b) => b >= Math.min(config.contextLength, 2048)) ?? 8192;
}

/**
 * lower: config → op graph for one step of up to `rows` tokens at positions pos0.. over a `bucket`-long KV cache
 * (sliding-window layers: a ring of kvRingSlots positions).
 * Weights start as f32; quantize picks their format. K and V are computed in f32 (bias, RoPE) and then stored
 * into the cache as binary16, as llama.cpp's default cache does: half the cache memory and attention's reads.
 * Every architecture is the same residual stack; the config's optional fields switch in the blocks' variants
 * (see attentionBlock and ffnBlock), so the later passes see one IR whatever the model.
 */
export function lower(config: ModelConfig, bucket: number, rows: number, slidingKv: SlidingKv = 'ring'): Graph {
  const { dim, nLayers, headDim, vocabSize } = config;
  const b = graphBuilder(config, rows);
  b.decl('ids', 'io', [rows], -1, 'i32');
  b.decl('rope_table', 'const', [bucket, headDim], -1);
  if (usesSwaRopeTable(config)) b.decl(SWA_ROPE_TABLE, 'const', [bucket, headDim], -1);
  b.decl('scores', 'const', [bucket], -1);
  b.decl('token_embd', 'weight', [vocabSize, dim], -1);
  b.decl('x', 'act', [rows, dim], -1);
  b.op('embed', ['ids', 'token_embd'], ['x'], -1, { D: dim });
  if (config.embedScale !== undefined) b.op('scale', ['x'], ['x'], -1, { D: dim, factor: config.embedScale });

  for (let l = 0; l < nLayers; l++) {
    attentionBlock(b, config, bucket, l, slidingKv);
    ffnBlock(b, config, l);
  }

  b.decl('output_norm', 'weight', [dim], -1);
  b.decl('head_in', 'act', [1, dim], -1);
  b.op('rmsnorm', ['x', 'output_norm'], ['head_in'], -1, { D: dim, eps: config.rmsEps, rowMode: 'last' });
  const outputWeight = config.tiedEmbeddings ? 'token_embd' : b.decl('output', 'weight', [vocabSize, dim], -1);
  b.decl('logits', 'io', [1, vocabSize], -1);
  b.op('matmul', ['head_in', outputWeight], ['logits'], -1, { K: dim, N: vocabSize, rowMode: 'last' });
  if (config.finalSoftcap) b.op('softcap', ['logits'], ['logits'], -1, { D: vocabSize, cap: config.finalSoftcap, rowMode: 'last' });
  return { config, bucket, rows, tensors: b.tensors, ops: b.ops };
}

/**
 * How sliding-window layers keep K/V: 'ring' holds only the positions a step can still attend to (kvRingSlots,
 * position p at slot p mod slots); 'full' keeps the whole bucket and masks (the reference the ring is tested against).
 */
export type SlidingKv = 'ring' | 'full';

/**
 * Slots of a sliding-window layer's KV ring: a step of `rows` tokens stores them all before its first row attends,
 * so that row's W keys and the step's later rows must coexist (W + rows − 1), never more than the bucket.
 */
export function kvRingSlots(window: number, rows: number, bucket: number): number {
  return Math.min(bucket, window + rows - 1);
}

/** The RoPE table of sliding-window layers when their base differs (Gemma 3's local layers). */
export const SWA_ROPE_TABLE = 'rope_table_swa';

function usesSwaRopeTable(config: ModelConfig): boolean {
  return !!config.slidingWindow && ((config.ropeThetaSwa ?? config.ropeTheta) !== config.ropeTheta || config.ropeScale !== undefined);
}

type GraphBuilder = ReturnType<typeof graphBuilder>;

function graphBuilder(config: ModelConfig, rows: number) {
  const tensors = new Map<string, TensorDecl>();
  const ops: Op[] = [];
  const decl = (id: string, kind: TensorDecl['kind'], shape: number[], layer: number, dtype: TensorDecl['dtype'] = 'f32') => {
    tensors.set(id, { id, kind, dtype, shape, layer });
    return id;
  };
  return {
    tensors, ops, decl, rows, config,
    op(kind: Op['kind'], inputs: string[], outputs: string[], layer: number, attrs: Op['attrs'] = {}) {
      ops.push({ id: ops.length, kind, inputs, outputs, attrs: { rowMode: 'rows', ...attrs }, layer });
    },
    /** A layer's weight, declared on first use. */
    w: (l: number, part: string, shape: number[]) => decl(`blk.${l}.${part}`, 'weight', shape, l),
    /** A layer's activation. */
    a: (l: number, name: string, shape: number[]) => decl(`${name}.${l}`, 'act', shape, l),
  };
}

/** Norm → Q/K/V (+bias, +per-head Q/K norm) → RoPE → KV store → attention → output (+post-norm) → residual add. */
function attentionBlock(b: GraphBuilder, config: ModelConfig, bucket: number, l: number, slidingKv: SlidingKv): void {
  const { dim, nHeads, nKvHeads, headDim, rmsEps: eps } = config;
  const { rows } = b;
  const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
  const sliding = isSlidingLayer(config, l);
  const slots = sliding && slidingKv === 'ring' ? kvRingSlots(config.slidingWindow!, rows, bucket) : bucket;
  // each KV head's positions contiguous, so attention streams one head's keys and values sequentially
  const kCache = b.decl(`k_cache.${l}`, 'kv', [nKvHeads, slots, headDim], l, 'f16');
  const vCache = b.decl(`v_cache.${l}`, 'kv', [nKvHeads, slots, headDim], l, 'f16');

  const xn = b.a(l, 'attn_in', [rows, dim]);
  b.op('rmsnorm', ['x', b.w(l, 'attn_norm', [dim])], [xn], l, { D: dim, eps });
  const q = b.a(l, 'q', [rows, qDim]);
  const k = b.a(l, 'k', [rows, kvDim]);
  const v = b.a(l, 'v', [rows, kvDim]);
  b.op('matmul', [xn, b.w(l, 'attn_q', [qDim, dim])], [q], l, { K: dim, N: qDim });
  b.op('matmul', [xn, b.w(l, 'attn_k', [kvDim, dim])], [k], l, { K: dim, N: kvDim });
  b.op('matmul', [xn, b.w(l, 'attn_v', [kvDim, dim])], [v], l, { K: dim, N: kvDim });
  if (config.qkvBias) {
    b.op('addBias', [q, b.w(l, 'attn_q.bias', [qDim])], [q], l, { N: qDim });
    b.op('addBias', [k, b.w(l, 'attn_k.bias', [kvDim])], [k], l, { N: kvDim });
    b.op('addBias', [v, b.w(l, 'attn_v.bias', [kvDim])], [v], l, { N: kvDim });
  }
  if (config.qkNorm) {
    // one RMSNorm per head (N heads of D per row), before RoPE as llama.cpp does
    b.op('rmsnorm', [q, b.w(l, 'attn_q_norm', [headDim])], [q], l, { D: headDim, N: nHeads, eps });
    b.op('rmsnorm', [k, b.w(l, 'attn_k_norm', [headDim])], [k], l, { D: headDim, N: nKvHeads, eps });
  }
  const table = sliding && usesSwaRopeTable(config) ? SWA_ROPE_TABLE : 'rope_table';
  b.op('rope', [q, table], [q], l, { N: nHeads });
  b.op('rope', [k, table], [k], l, { N: nKvHeads });
  b.op('storeKv', [k, v], [kCache, vCache], l, { N: kvDim });
  const att = b.a(l, 'att', [rows, qDim]);
  const variant: Op['attrs'] = {};
  if (sliding) variant.window = config.slidingWindow;
  if (config.attnSoftcap) variant.softcap = config.attnSoftcap;
  if (config.attnScale !== undefined && config.attnScale !== 1 / Math.sqrt(headDim)) variant.scale = config.attnScale;
  b.op('attention', [q, kCache, vCache, 'scores'], [att], l, variant);
  const attOut = b.a(l, 'attn_out', [rows, dim]);
  b.op('matmul', [att, b.w(l, 'attn_output', [dim, qDim])], [attOut], l, { K: qDim, N: dim });
  if (config.postNorms) b.op('rmsnorm', [attOut, b.w(l, 'post_attention_norm', [dim])], [attOut], l, { D: dim, eps });
  b.op('add', ['x', attOut], ['x'], l, { D: dim });
}

/** Norm → gate and up → SiLU or GELU gating → down (+post-norm) → residual add. */
function ffnBlock(b: GraphBuilder, config: ModelConfig, l: number): void {
  const { dim, hiddenDim, rmsEps: eps } = config;
  const { rows } = b;
  const xn = b.a(l, 'ffn_in', [rows, dim]);
  b.op('rmsnorm', ['x', b.w(l, 'ffn_norm', [dim])], [xn], l, { D: dim, eps });
  const gate = b.a(l, 'gate', [rows, hiddenDim]);
  const up = b.a(l, 'up', [rows, hiddenDim]);
  b.op('matmul', [xn, b.w(l, 'ffn_gate', [hiddenDim, dim])], [gate], l, { K: dim, N: hiddenDim });
  b.op('matmul', [xn, b.w(l, 'ffn_up', [hiddenDim, dim])], [up], l, { K: dim, N: hiddenDim });
  b.op(config.ffnActivation === 'gelu' ? 'geluMul' : 'siluMul', [gate, up], [gate], l, { D: hiddenDim });
  const down = b.a(l, 'ffn_out', [rows, dim]);
  b.op('matmul', [gate, b.w(l, 'ffn_down', [dim, hiddenDim])], [down], l, { K: hiddenDim, N: dim });
  if (config.postNorms) b.op('rmsnorm', [down, b.w(l, 'post_ffw_norm', [dim])], [down], l, { D: dim, eps });
  b.op('add', ['x', down], ['x'], l, { D: dim });
}
