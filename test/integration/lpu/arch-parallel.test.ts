// The new architectures' ops under the parallel runner: per-head Q/K norms, windowed and soft-capped attention,
// GeGLU, embedding scale and logit soft-capping split over two workers give the single thread's tokens exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLpuModel } from '../../../src/main/lpu';
import { RANDOM_ARCHS, writeRandomArchGguf } from '../../../src/main/lpu/parity/random-model';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-arch-par-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['gemma2', 'gemma3', 'qwen3'] as const)('%s on two workers', (arch) => {
  it('greedy decode equals the calling thread\'s, token for token, past the sliding window', async () => {
    const file = path.join(dir, `${arch}.gguf`);
    writeRandomArchGguf(file, RANDOM_ARCHS[arch], 'Q8_0');
    const request = { prompt: 'Once upon a time, in a quiet village by the sea, there lived', maxTokens: 10, sampling: { greedy: true } };
    const tokens: number[][] = [];
    for (const threads of [0, 2]) {
      const model = await loadLpuModel(file, { threads, kernels: 'wasm', cacheDir: dir });
      try {
        tokens.push((await model.generate(request)).tokens);
      } finally {
        await model.dispose();
      }
    }
    expect(tokens[0]).toHaveLength(10);
    expect(tokens[1]).toEqual(tokens[0]);
  }, 120_000);
});
