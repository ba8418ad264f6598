// The GGUF writer produces files our reader parses with llama.cpp's metadata layout, and Q8_0/F16 blocks that
// dequantise back to the written values within one quantisation step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GgufStringArray, readGgufMetadata, type StringList } from '../../../src/main/lpu/loader/gguf';
import { dequantize } from '../../../src/main/lpu/loader/dequant';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { bpeTokenizerFromHfFolder, gguf, writeGguf, writeRandomLlamaGguf } from '../../../src/main/lpu/loader/gguf-writer';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'gguf-writer-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gguf-writer', () => {
  it('writes Q8_0, F16 and F32 tensors that read back within one quantisation step', () => {
    const file = path.join(dir, 'three.gguf');
    const value = (row: number, i: number) => Math.sin(row * 31 + i) * (1 + row);
    const fill = (out: Float32Array, row: number) => { for (let i = 0; i < out.length; i++) out[i] = value(row, i); };
    const size = writeGguf(file, { 'general.architecture': gguf.str('llama'), 'test.count': gguf.u32(3), 'test.names': gguf.strings(['a', 'b']) }, [
      { name: 'q', dims: [64, 3], type: 'Q8_0', fillRow: fill },
      { name: 'h', dims: [5, 2], type: 'F16', fillRow: fill },
      { name: 'f', dims: [7], type: 'F32', fillRow: fill },
    ]);
    expect(statSync(file).size).toBe(size);
    const header = readGgufMetadata(file);
    expect(header.version).toBe(3);
    expect(header.metadata.get('general.architecture')).toBe('llama');
    expect(header.metadata.get('test.names')).toEqual(['a', 'b']);
    expect(header.tensors.map((t) => [t.name, t.typeName, t.dims, t.fileOffset % 32])).toEqual([
      ['q', 'Q8_0', [64, 3], 0], ['h', 'F16', [5, 2], 0], ['f', 'F32', [7], 0],
    ]);
    const bytes = readFileSync(file);
    for (const t of header.tensors) {
      const n = t.dims.reduce((a, b) => a * b, 1), out = new Float32Array(n);
      dequantize(t.type, bytes.subarray(t.fileOffset, t.fileOffset + t.byteLength), out, 0, n);
      for (let i = 0; i < n; i++) {
        const row = Math.floor(i / t.dims[0]!), expected = value(row, i % t.dims[0]!);
        const step = t.typeName === 'Q8_0' ? (1 + row) / 127 : t.typeName === 'F16' ? Math.abs(expected) / 1024 : 1e-7;
        // half a step, plus the f16 rounding of the Q8_0 block scale (≤ 127 · 2⁻¹¹ of a step)
        expect(Math.abs(out[i]! - expected)).toBeLessThanOrEqual(step * 0.57 + 1e-7);
      }
    }
  });

  it('writes a llama model with the metadata llama.cpp expects and SmolLM2 tokenizer', () => {
    const file = path.join(dir, 'tiny.gguf');
    const tokenizer = bpeTokenizerFromHfFolder(SMOLLM_TOKENIZER_DIR, 'smollm');
    writeRandomLlamaGguf(file, { hidden: 64, intermediate: 96, layers: 2, heads: 4, kvHeads: 2, vocab: 49152, context: 256, ropeTheta: 100000, rmsEps: 1e-5 }, 'Q8_0', tokenizer);
    const h = readGgufMetadata(file);
    expect(Object.fromEntries(['llama.block_count', 'llama.attention.head_count_kv', 'llama.rope.dimension_count', 'tokenizer.ggml.model', 'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id']
      .map((k) => [k, h.metadata.get(k)]))).toEqual({
      'llama.block_count': 2, 'llama.attention.head_count_kv': 2, 'llama.rope.dimension_count': 16, 'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.bos_token_id': 1, 'tokenizer.ggml.eos_token_id': 2,
    });
    expect((h.metadata.get('tokenizer.ggml.tokens') as StringList).at(2)).toBe('<|im_end|>');
    expect((h.metadata.get('tokenizer.ggml.merges') as StringList).at(0)).toBe('Ġ t');
    // A vocabulary is read as UTF-8 bytes + offsets, not 49k heap strings; it reads back exactly, in and out of range.
    const tokens = h.metadata.get('tokenizer.ggml.tokens') as StringList;
    expect(tokens).toBeInstanceOf(GgufStringArray);
    expect(Array.from({ length: tokens.length }, (_, i) => tokens.at(i))).toEqual(tokenizer.tokens);
    expect([tokens.at(-1), tokens.at(tokens.length), tokens.at(-tokens.length - 1)]).toEqual([tokenizer.tokens.at(-1), undefined, undefined]);
    expect(h.metadata.get('tokenizer.chat_template')).toContain('<|im_start|>');
    expect(h.tensors.map((t) => t.name)).toEqual(['token_embd.weight',
      ...[0, 1].flatMap((l) => ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'].map((p) => `blk.${l}.${p}.weight`)),
      'output_norm.weight']);
    expect(h.tensors.find((t) => t.name === 'blk.1.attn_k.weight')!.dims).toEqual([64, 32]);
  });
});
