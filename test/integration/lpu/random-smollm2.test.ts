import { describe, expect, it } from 'vitest';
import { ensureRandomSmolLm2 } from '../../../scripts/make-random-model';
import { loadLpuModel } from '../../../src/main/lpu';
import { dumpMemoryPlan } from '../../../src/main/lpu/compiler/passes/plan-memory';

// A random-weight model with SmolLM2-135M's exact shape (written once by the project script, cached in the repo's
// git-ignored .cache/models beside the benchmarks' copy, not in /tmp): it must compile, plan its memory, report cycle totals and generate.
describe('random SmolLM2-135M-shaped Q8_0 model', () => {
  it('compiles to a plan within SRAM, reports cycles and generates tokens', async () => {
    const file = ensureRandomSmolLm2();
    const model = await loadLpuModel(file, { bucket: 512 });
    try {
      expect(model.info).toMatchObject({ architecture: 'llama', bucket: 512, chips: 1, weights: 'native', contextLength: 8192 });
      expect(model.program.config).toMatchObject({ dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64, vocabSize: 49152, tiedEmbeddings: true });
      expect(model.info.sramBytesPerChip[0]).toBeGreaterThan(130e6); // ~135M Q8_0 weights kept as int8 + scales, + KV
      expect(model.info.sramBytesPerChip[0]).toBeLessThanOrEqual(model.info.sramCapacityPerChip);
      expect(dumpMemoryPlan(model.program.memory)).toMatch(/^chip 0: \d+\.\d+ \/ 220\.00 MiB/);
      expect(model.quantization.weightRelativeRmsError).toBeLessThan(1e-6); // Q8_0 → emulator int8 is lossless
      expect(model.info.cyclesPerDecodeToken).toBeGreaterThan(10_000);
      const r = await model.generate({ messages: [{ role: 'user', content: 'Hello' }], maxTokens: 3, sampling: { greedy: true } });
      expect(r.tokens.length + (r.stopReason === 'eos' ? 1 : 0)).toBeGreaterThanOrEqual(1);
      expect(r.promptTokens).toBeGreaterThan(5);
      expect(r.cycles.perDecodeToken).toBe(model.info.cyclesPerDecodeToken);
    } finally {
      await model.dispose();
    }
  }, 180_000);
});
