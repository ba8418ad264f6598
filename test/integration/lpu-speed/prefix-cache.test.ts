// A system prompt cached once per model is reused after unrelated conversations: fewer prompt tokens are
// evaluated (and fewer emulated prefill cycles spent), with exactly the tokens a cold model generates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type ChatMessage } from '../../../src/main/lpu';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { bpeTokenizerFromHfFolder, writeRandomLlamaGguf } from '../../../src/main/lpu/loader/gguf-writer';

const TOKENIZER = SMOLLM_TOKENIZER_DIR;
const SYSTEM: ChatMessage = { role: 'system', content: 'You are Lockstep, an offline assistant. Answer only from the documents the user gave you, and cite the page of every fact you use.' };
const question = (content: string): ChatMessage[] => [SYSTEM, { role: 'user', content }];

let dir: string, modelPath: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-prefix-'));
  modelPath = path.join(dir, 'tiny-smollm.gguf');
  // SmolLM2's tokenizer and chat template on a tiny random llama, so ChatML's special tokens are real.
  const shape = { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 49152, context: 512, ropeTheta: 100000, rmsEps: 1e-5 };
  writeRandomLlamaGguf(modelPath, shape, 'Q8_0', bpeTokenizerFromHfFolder(TOKENIZER, 'smollm'), 7);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prefix cache', () => {
  it('reuses the cached system prompt after an unrelated conversation, evaluating fewer tokens with the same output', async () => {
    const warm = await loadLpuModel(modelPath, { cacheDir: dir, kernels: 'wasm', threads: 2 });
    const cold = await loadLpuModel(modelPath, { cacheDir: dir, kernels: 'wasm', threads: 0 });
    try {
      const cachedTokens = await warm.cachePrefix({ messages: [SYSTEM] });
      expect(cachedTokens).toBeGreaterThan(25);

      const first = await warm.generate({ messages: question('What does the contract say about notice periods?'), maxTokens: 8, sampling: { greedy: true } });
      expect(first.cachedPromptTokens).toBeGreaterThanOrEqual(cachedTokens);
      await warm.generate({ prompt: 'An unrelated conversation that overwrites the live KV cache.', maxTokens: 4, sampling: { greedy: true } });

      const repeated = await warm.generate({ messages: question('Who signed the contract?'), maxTokens: 8, sampling: { greedy: true } });
      const baseline = await cold.generate({ messages: question('Who signed the contract?'), maxTokens: 8, sampling: { greedy: true } });
      expect(baseline.cachedPromptTokens).toBe(0);
      expect(repeated.cachedPromptTokens).toBe(cachedTokens);
      expect(repeated.promptTokens).toBe(baseline.promptTokens);
      expect(repeated.cycles.prefill).toBeLessThan(baseline.cycles.prefill); // emulated TTFT, not wall time
      expect(repeated.tokens).toEqual(baseline.tokens);
    } finally {
      await warm.dispose();
      await cold.dispose();
    }
  }, 120_000);

  it('reuses no more of a cached prefix than the prompt shares with it', async () => {
    const model = await loadLpuModel(modelPath, { cacheDir: dir, kernels: 'wasm', threads: 0 });
    try {
      await model.cachePrefix({ messages: [SYSTEM] });
      await model.generate({ prompt: 'Something else entirely.', maxTokens: 2, sampling: { greedy: true } });
      const other = await model.generate({ messages: [{ role: 'system', content: 'A different system prompt.' }, { role: 'user', content: 'Hi' }], maxTokens: 2, sampling: { greedy: true } });
      // Only the chat template's opening (<|im_start|>system\n) is common to both system prompts.
      const sys = (content: string) => model.tokenizer.encode(model.tokenizer.applyChatTemplate([{ role: 'system', content }], { addGenerationPrompt: false }), { addBos: false });
      const a = sys(SYSTEM.content), b = sys('A different system prompt.');
      let common = 0;
      while (a[common] === b[common]) common++;
      expect(common).toBeLessThan(5);
      expect(other.cachedPromptTokens).toBe(common);
    } finally {
      await model.dispose();
    }
  }, 60_000);
});
