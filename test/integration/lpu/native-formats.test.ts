import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel } from '../../../src/main/lpu';
import { readGgufMetadata, GGML_TYPES } from '../../../src/main/lpu/loader/gguf';
import type { GgufTensorType } from '../../../src/main/lpu/loader/gguf-writer';
import { TINY_LLAMA, TINY_QWEN2, tinyWeights, writeTinyGguf, type TinyShape } from '../../fixtures/lpu/tiny-models';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// Every weight format a GGUF may hold loads at its own width: the arena's weight bytes equal the file's tensor
// bytes (Q8_0 splits each 34-byte block into 32 quants + a 2-byte scale, the same total), nothing is silently
// requantised, and the model generates. Shapes are tiny but K-quant sized (every row a multiple of 256).

const SHAPE: TinyShape = { ...TINY_LLAMA, dim: 256, hidden: 512 };
const FORMATS: GgufTensorType[] = ['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q8_0', 'F16', 'BF16', 'F32'];
const STORIES = 'models/stories260K-gguf/stories260K.gguf';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-native-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes of the file's weight matrices (2-D tensors) and of the program's weight allocations for them. */
function weightBytes(file: string, program: Awaited<ReturnType<typeof loadLpuModel>>['program']): { file: number; arena: number } {
  const header = readGgufMetadata(file);
  const matrices = header.tensors.filter((t) => t.dims.length === 2);
  const fileBytes = matrices.reduce((sum, t) => sum + (t.dims[0]! / GGML_TYPES[t.type]!.blockElems) * GGML_TYPES[t.type]!.blockBytes * t.dims[1]!, 0);
  const ids = new Set(matrices.map((t) => t.name.replace(/\.weight$/, '')));
  const arena = program.memory.allocations
    .filter((a) => ids.has(a.tensor) || ids.has(a.tensor.replace(/\.scales$/, '')))
    .reduce((sum, a) => sum + a.bytes, 0);
  return { file: fileBytes, arena };
}

describe('native weight formats', () => {
  for (const format of FORMATS) {
    it(`${format}: the arena holds the file's bytes and the model generates (TS and WASM kernels agree)`, async () => {
      const file = path.join(dir, `tiny-${format}.gguf`);
      writeTinyGguf(file, SHAPE, tinyWeights(SHAPE, 3), format);
      const wasm = await loadLpuModel(file, { threads: 0, kernels: 'wasm' });
      const ts = await loadLpuModel(file, { threads: 0, kernels: 'ts' });
      try {
        expect(wasm.info.weights).toBe('native');
        expect(wasm.quantization.requantized).toEqual([]);
        const bytes = weightBytes(file, wasm.program);
        expect(bytes.arena).toBe(bytes.file);
        const dtypes = new Set(wasm.program.tensors.filter((t) => t.id === 'blk.0.ffn_down' || t.id === 'token_embd').map((t) => t.dtype));
        expect([...dtypes]).toEqual([{ Q4_0: 'q4_0', Q4_K: 'q4_k', Q5_K: 'q5_k', Q6_K: 'q6_k', Q8_0: 'i8', F16: 'f16', BF16: 'bf16', F32: 'f32' }[format]]);
        const request = { prompt: 'Once upon a time', maxTokens: 6, sampling: { greedy: true } } as const;
        const a = await wasm.generate(request), b = await ts.generate(request);
        expect(a.tokens.length).toBe(6);
        expect(a.tokens).toEqual(b.tokens);
      } finally {
        await wasm.dispose();
        await ts.dispose();
      }
    }, 60_000);
  }

  it('int8 stays a conversion the user asks for: a Q4_K file compiled with weights int8 takes ~1.9x its bytes', async () => {
    const file = path.join(dir, 'tiny-qwen2-Q4_K.gguf');
    const shape: TinyShape = { ...TINY_QWEN2, dim: 256, hidden: 512 };
    writeTinyGguf(file, shape, tinyWeights(shape, 4), 'Q4_K');
    const native = await loadLpuModel(file, { threads: 0, kernels: 'wasm' });
    const int8 = await loadLpuModel(file, { threads: 0, kernels: 'wasm', weights: 'int8' });
    try {
      const n = weightBytes(file, native.program), q = weightBytes(file, int8.program);
      expect(n.arena).toBe(n.file); // qwen2's q/k rows are permuted at load, block rows unchanged
      expect(q.arena / q.file).toBeCloseTo(34 / 18, 2);
      expect(int8.info.weights).toBe('int8');
      const request = { prompt: 'Once upon', maxTokens: 4, sampling: { greedy: true } } as const;
      expect((await native.generate(request)).tokens).toHaveLength(4);
    } finally {
      await native.dispose();
      await int8.dispose();
    }
  }, 60_000);

  itWithCorpus([STORIES], 'stories260K (F32) decodes the golden continuation with native (f32) weights too', async () => {
    const model = await loadLpuModel(corpusFile(STORIES), { threads: 0, kernels: 'wasm' });
    try {
      const r = await model.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true } });
      expect(model.info.weights).toBe('native');
      expect(r.text).toBe(', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,');
    } finally {
      await model.dispose();
    }
  });
});
