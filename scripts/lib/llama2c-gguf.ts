import { readFileSync } from 'node:fs';
import { gguf, writeGguf, type GgufTensorSpec } from '../../src/main/lpu/loader/gguf-writer';

// Converts a llama2.c checkpoint (legacy format: 7 int32 hyperparameters, then float32 weights) and its tokenizer.bin
// into a GGUF v3 file, all tensors F32. Used to make the corpus's stories260K.gguf from its two public source files;
// the output is byte-identical to the ../shared copy (test/corpus/manifest.json pins its sha256).

interface Llama2cConfig { dim: number; hidden: number; layers: number; heads: number; kvHeads: number; vocab: number; seqLen: number; sharedClassifier: boolean }

function readConfig(bytes: Buffer): Llama2cConfig {
  const [dim, hidden, layers, heads, kvHeads, vocab, seqLen] = Array.from({ length: 7 }, (_, i) => bytes.readInt32LE(i * 4)) as [number, number, number, number, number, number, number];
  // llama2.c marks an unshared classifier with a negative vocabulary size.
  return { dim, hidden, layers, heads, kvHeads, vocab: Math.abs(vocab), seqLen, sharedClassifier: vocab > 0 };
}

/** tokenizer.bin: int32 max token length, then per token float32 score, int32 length, UTF-8 bytes. */
function readTokenizer(bytes: Buffer, vocab: number): { tokens: string[]; scores: number[] } {
  const tokens: string[] = [], scores: number[] = [];
  let at = 4;
  for (let i = 0; i < vocab; i++) {
    scores.push(bytes.readFloatLE(at));
    const length = bytes.readInt32LE(at + 4);
    tokens.push(bytes.subarray(at + 8, at + 8 + length).toString('utf8'));
    at += 8 + length;
  }
  return { tokens, scores };
}

/** SentencePiece conventions GGUF expects: "▁" for a space, bare <s> and </s>, and a type per token. */
function sentencePieceVocab(raw: string[]): { tokens: string[]; types: number[] } {
  const tokens = raw.map((token, id) => (id === 1 ? '<s>' : id === 2 ? '</s>' : token.replaceAll(' ', '\u2581')));
  // 2 unknown, 3 control, 6 byte fallback (<0x00>…<0xFF>), 1 normal
  const types = tokens.map((token, id) => (id === 0 ? 2 : id <= 2 ? 3 : /^<0x[0-9A-F]{2}>$/.test(token) ? 6 : 1));
  return { tokens, types };
}

export function llama2cToGguf(checkpointFile: string, tokenizerFile: string, out: string, name: string): number {
  const bytes = readFileSync(checkpointFile);
  const c = readConfig(bytes);
  const weights = new Float32Array(bytes.buffer, bytes.byteOffset + 28, (bytes.length - 28) / 4);
  const headSize = c.dim / c.heads, kvDim = headSize * c.kvHeads;
  // The checkpoint's arrays, in file order, each as a view.
  let at = 0;
  const take = (n: number) => { const view = weights.subarray(at, at + n); at += n; return view; };
  const embedding = take(c.vocab * c.dim), rmsAtt = take(c.layers * c.dim);
  const wq = take(c.layers * c.dim * c.dim), wk = take(c.layers * c.dim * kvDim), wv = take(c.layers * c.dim * kvDim), wo = take(c.layers * c.dim * c.dim);
  const rmsFfn = take(c.layers * c.dim), w1 = take(c.layers * c.hidden * c.dim), w2 = take(c.layers * c.dim * c.hidden), w3 = take(c.layers * c.hidden * c.dim);
  const rmsFinal = take(c.dim);
  take(c.seqLen * (headSize / 2) * 2); // precomputed RoPE tables, recomputed by every runtime
  const classifier = c.sharedClassifier ? embedding : take(c.vocab * c.dim);

  // ggml dims are [row length, rows]; llama2.c stores each matrix row-major with one row per output, the same bytes.
  const tensor = (tensorName: string, data: Float32Array, dims: number[]): GgufTensorSpec => ({
    name: tensorName, dims, type: 'F32', fillRow: (row, r) => row.set(data.subarray(r * dims[0]!, (r + 1) * dims[0]!)),
  });
  const layer = (all: Float32Array, l: number, size: number) => all.subarray(l * size, (l + 1) * size);
  const tensors: GgufTensorSpec[] = [tensor('token_embd.weight', embedding, [c.dim, c.vocab])];
  for (let l = 0; l < c.layers; l++) {
    tensors.push(
      tensor(`blk.${l}.attn_norm.weight`, layer(rmsAtt, l, c.dim), [c.dim]),
      tensor(`blk.${l}.attn_q.weight`, layer(wq, l, c.dim * c.dim), [c.dim, c.dim]),
      tensor(`blk.${l}.attn_k.weight`, layer(wk, l, c.dim * kvDim), [c.dim, kvDim]),
      tensor(`blk.${l}.attn_v.weight`, layer(wv, l, c.dim * kvDim), [c.dim, kvDim]),
      tensor(`blk.${l}.attn_output.weight`, layer(wo, l, c.dim * c.dim), [c.dim, c.dim]),
      tensor(`blk.${l}.ffn_norm.weight`, layer(rmsFfn, l, c.dim), [c.dim]),
      tensor(`blk.${l}.ffn_gate.weight`, layer(w1, l, c.hidden * c.dim), [c.dim, c.hidden]),
      tensor(`blk.${l}.ffn_down.weight`, layer(w2, l, c.dim * c.hidden), [c.hidden, c.dim]),
      tensor(`blk.${l}.ffn_up.weight`, layer(w3, l, c.hidden * c.dim), [c.dim, c.hidden]),
    );
  }
  tensors.push(tensor('output_norm.weight', rmsFinal, [c.dim]), tensor('output.weight', classifier, [c.dim, c.vocab]));

  const { tokens: raw, scores } = readTokenizer(readFileSync(tokenizerFile), c.vocab);
  const { tokens, types } = sentencePieceVocab(raw);
  return writeGguf(out, {
    'general.architecture': gguf.str('llama'),
    'general.name': gguf.str(name),
    'general.file_type': gguf.u32(0),
    'general.alignment': gguf.u32(32),
    'llama.context_length': gguf.u32(c.seqLen),
    'llama.embedding_length': gguf.u32(c.dim),
    'llama.feed_forward_length': gguf.u32(c.hidden),
    'llama.block_count': gguf.u32(c.layers),
    'llama.attention.head_count': gguf.u32(c.heads),
    'llama.attention.head_count_kv': gguf.u32(c.kvHeads),
    'llama.rope.dimension_count': gguf.u32(headSize),
    'llama.rope.freq_base': gguf.f32(10000),
    'llama.attention.layer_norm_rms_epsilon': gguf.f32(1e-5),
    'llama.vocab_size': gguf.u32(c.vocab),
    'tokenizer.ggml.model': gguf.str('llama'),
    'tokenizer.ggml.tokens': gguf.strings(tokens),
    'tokenizer.ggml.scores': { type: 'array', itemType: 'float32', value: scores },
    'tokenizer.ggml.token_type': gguf.i32s(types),
    'tokenizer.ggml.bos_token_id': gguf.u32(1),
    'tokenizer.ggml.eos_token_id': gguf.u32(2),
    'tokenizer.ggml.unknown_token_id': gguf.u32(0),
    'tokenizer.ggml.add_bos_token': gguf.bool(true),
    'tokenizer.ggml.add_eos_token': gguf.bool(false),
  }, tensors);
}
