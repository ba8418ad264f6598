// Random llama models in each block format on the native kernels (the default kernel set): split over two workers
// (each matmul cut by output rows, multiples of four, into the SIMD tiles and the portable tail) they give the
// calling thread's greedy tokens exactly, as the block kernels' split invariance promises.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLpuModel } from '../../../src/main/lpu';
import { nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { cachedRandomModel } from '../../fixtures/lpu/random-model-cache';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-native-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const native = nativeKernelsStatus();

describe.each(['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const)('llama %s on the native kernels', (format) => {
  it.runIf(native.available)('two workers give the calling thread\'s greedy tokens, token for token', async () => {
    const file = cachedRandomModel('llama', format); // 32k-token K-quant models take seconds to encode: kept between runs
    const request = { prompt: 'Once upon a time, in a quiet village by the sea, there lived', maxTokens: 12, sampling: { greedy: true } };
    const tokens: number[][] = [];
    for (const threads of [0, 2]) {
      const model = await loadLpuModel(file, { threads, kernels: 'native', cacheDir: dir });
      try {
        expect(model.info.kernels).toMatch(/^native-/);
        tokens.push((await model.generate(request)).tokens);
      } finally {
        await model.dispose();
      }
    }
    expect(tokens[0]).toHaveLength(12);
    expect(tokens[1]).toEqual(tokens[0]);
  }, 120_000);
});
