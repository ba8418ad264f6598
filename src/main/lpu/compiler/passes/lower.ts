import { AppError } from '../../../../shared/errors';
import type { ModelConfig } from '../../loader/model-source';
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
 * lower: config → op graph for one step of up to `rows` tokens at positions pos0.. over a `bucket`-long KV cache.
 * Weights start as f32; quantize picks their format. K and V are computed in f32 (bias, RoPE) and then stored
 * into the cache as binary16, as llama.cpp's default cache does: half the cache memory and attention's reads.
 */
export function lower(config: ModelConfig, bucket: number, rows: number): Graph {
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, headDim, vocabSize } = config;
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;
  const tensors = new Map<string, TensorDecl>();
  const ops: Op[] = [];
  const decl = (id: string, kind: TensorDecl['kind'], shape: number[], layer: number, dtype: TensorDecl['dtype'] = 'f32') => {
    tensors.set(id, { id, kind, dtype, shape, layer });
    return id;
  };
  const op = (kind: Op['kind'], inputs: string[], outputs: string[], layer: number, attrs: Op['attrs'] = {}) => {
    ops.push({ id: ops.length, kind, inputs, outputs, attrs: { rowMode: 'rows', ...attrs }, layer });
  };

  decl('ids', 'io', [rows], -1, 'i32');
  decl('rope_table', 'const', [bucket, headDim], -1);
  decl('scores', 'const', [bucket], -1);
  decl('token_embd', 'weight', [vocabSize, dim], -1);
  decl('x', 'act', [rows, dim], -1);
  op('embed', ['ids', 'token_embd'], ['x'], -1, { D: dim });

  for (let l = 0; l < nLayers; l++) {
    const w = (part: string, shape: number[]) => decl(`blk.${l}.${part}`, 'weight', shape, l);
    const a = (name: string, shape: number[]) => decl(`${name}.${l}`, 'act', shape, l);
    // each KV head's positions contiguous, so attention streams one head's keys and values sequentially
    const kCache = decl(`k_cache.${l}`, 'kv', [nKvHeads, bucket, headDim], l, 'f16');
    const vCache = decl(`v_cache.${l}`, 'kv', [nKvHeads, bucket, headDim], l, 'f16');

    const xn = a('attn_in', [rows, dim]);
    op('rmsnorm', ['x', w('attn_norm', [dim])], [xn], l, { D: dim, eps: config.rmsEps });
    const q = a('q', [rows, qDim]);
    const k = a('k', [rows, kvDim]);
    const v = a('v', [rows, kvDim]);
    op('matmul', [xn, w('attn_q', [qDim, dim])], [q], l, { K: dim, N: qDim });
    op('matmul', [xn, w('attn_k', [kvDim, dim])], [k], l, { K: dim, N: kvDim });
    op('matmul', [xn, w('attn_v', [kvDim, dim])], [v], l, { K: dim, N: kvDim });
    if (config.qkvBias) {
      op('addBias', [q, w('attn_q.bias', [qDim])], [q], l, { N: qDim });
      op('addBias', [k, w('attn_k.bias', [kvDim])], [k], l, { N: kvDim });
      op('addBias', [v, w('attn_v.bias', [kvDim])], [v], l, { N: kvDim });
    }
    op('rope', [q, 'rope_table'], [q], l, { N: nHeads });
    op('rope', [k, 'rope_table'], [k], l, { N: nKvHeads });
    op('storeKv', [k, v], [kCache, vCache], l, { N: kvDim });
    const att = a('att', [rows, qDim]);
    op('attention', [q, kCache, vCache, 'scores'], [att], l);
    const attOut = a('attn_out', [rows, dim]);
    op('matmul', [att, w('attn_output', [dim, qDim])], [attOut], l, { K: qDim, N: dim });
    op('add', ['x', attOut], ['x'], l, { D: dim });

    const xn2 = a('ffn_in', [rows, dim]);
    op('rmsnorm', ['x', w('ffn_norm', [dim])], [xn2], l, { D: dim, eps: config.rmsEps });
    const gate = a('gate', [rows, hiddenDim]);
    const up = a('up', [rows, hiddenDim]);
    op('matmul', [xn2, w('ffn_gate', [hiddenDim, dim])], [gate], l, { K: dim, N: hiddenDim });
    op('matmul', [xn2, w('ffn_up', [hiddenDim, dim])], [up], l, { K: dim, N: hiddenDim });
    op('siluMul', [gate, up], [gate], l, { D: hiddenDim });
    const down = a('ffn_out', [rows, dim]);
    op('matmul', [gate, w('ffn_down', [dim, hiddenDim])], [down], l, { K: hiddenDim, N: dim });
    op('add', ['x', down], ['x'], l, { D: dim });
  }

  decl('output_norm', 'weight', [dim], -1);
  decl('head_in', 'act', [1, dim], -1);
  op('rmsnorm', ['x', 'output_norm'], ['head_in'], -1, { D: dim, eps: config.rmsEps, rowMode: 'last' });
  const outputWeight = config.tiedEmbeddings ? 'token_embd' : decl('output', 'weight', [vocabSize, dim], -1);
  decl('logits', 'io', [1, vocabSize], -1);
  op('matmul', ['head_in', outputWeight], ['logits'], -1, { K: dim, N: vocabSize, rowMode: 'last' });
  return { config, bucket, rows, tensors, ops };
}
