// Multi-turn KV reuse: a thread keeps its KV cache after an answer, a follow-up evaluates only its new tokens,
// changed passages resume from the longest common token prefix, another thread with the same prefix reuses it,
// and the snapshots stay under their LRU budget. Every cached run generates exactly what an uncached model does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type ChatMessage, type GenerateRequest, type LpuModel } from '../../../src/main/lpu';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { bpeTokenizerFromHfFolder, writeRandomLlamaGguf } from '../../../src/main/lpu/loader/gguf-writer';
import { buildPrompt } from '../../../src/main/chat/prompt';
import type { Passage } from '../../../src/main/chat/passages';
import { LpuProvider } from '../../../src/main/providers/lpu';
import type { LpuMeters } from '../../../src/shared/contract/chat';

const PASSAGES = [
  'The lease runs for five years from 1 March 2021 and renews for two further years unless either party gives notice.',
  'Notice of termination must be given in writing at least ninety days before the end of the term.',
  'The tenant pays rent monthly in advance; late payment accrues interest at four percent above the base rate.',
  'Repairs to the roof and the structure are the landlord’s; internal decoration is the tenant’s.',
];
const system = (ids: number[]) => `Answer from the passages and cite them.\n${ids.map((i, n) => `[${n + 1}] ${PASSAGES[i]}`).join('\n')}`;
const sampled = { temperature: 1, topP: 0.95, seed: 11 };

let dir: string, modelPath: string;
const models: LpuModel[] = [];
const load = async (prefixCacheMb?: number) => {
  const model = await loadLpuModel(modelPath, { cacheDir: dir, kernels: 'wasm', threads: 0, prefixCacheMb });
  models.push(model);
  return model;
};
/** The uncached answer: the live cache is overwritten first and the model keeps no snapshots. */
const cold = async (model: LpuModel, req: GenerateRequest) => {
  await model.generate({ prompt: 'Unrelated text that overwrites the live KV cache.', maxTokens: 1, sampling: { greedy: true } });
  return model.generate(req);
};
const lcp = (a: number[], b: number[]) => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};
const encode = (model: LpuModel, messages: ChatMessage[]) =>
  model.tokenizer.encode(model.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), { addBos: false });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-kv-reuse-'));
  modelPath = path.join(dir, 'tiny-smollm.gguf');
  const shape = { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 49152, context: 1024, ropeTheta: 100000, rmsEps: 1e-5 };
  writeRandomLlamaGguf(modelPath, shape, 'Q8_0', bpeTokenizerFromHfFolder(SMOLLM_TOKENIZER_DIR, 'smollm'), 5);
});
afterAll(async () => {
  for (const m of models) await m.dispose().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('multi-turn KV reuse', () => {
  it('a follow-up in a thread evaluates only its new tokens and answers exactly as without the cache', async () => {
    const warm = await load();
    const baseline = await load(0);
    const turn1: ChatMessage[] = [{ role: 'system', content: system([0, 1, 2]) }, { role: 'user', content: 'How long does the lease run?' }];
    const first = await warm.generate({ messages: turn1, maxTokens: 6, sampling: { greedy: true }, thread: 'a' });
    expect(first.tokens).toEqual((await cold(baseline, { messages: turn1, maxTokens: 6, sampling: { greedy: true } })).tokens);
    // Something else runs in between: the thread's snapshot, not the live cache, carries the follow-up.
    await warm.generate({ prompt: 'An unrelated request from the local API.', maxTokens: 2, sampling: { greedy: true } });

    const turn2: ChatMessage[] = [...turn1, { role: 'assistant', content: first.text }, { role: 'user', content: 'And how much notice is needed?' }];
    const follow = await warm.generate({ messages: turn2, maxTokens: 6, sampling: sampled, thread: 'a' });
    const reference = await cold(baseline, { messages: turn2, maxTokens: 6, sampling: sampled });
    expect(reference.cachedPromptTokens).toBe(0);
    expect(follow.tokens).toEqual(reference.tokens);
    expect(follow.text).toBe(reference.text);

    // The cache held turn 1's prompt and all but the last sampled token of its answer.
    const held = [...encode(warm, turn1), ...first.tokens.slice(0, -1)];
    const prompt2 = encode(warm, turn2);
    const shared = lcp(held, prompt2);
    // The generation prompt's last token may merge with the answer's first character when re-encoded.
    expect(shared).toBeGreaterThanOrEqual(encode(warm, turn1).length - 1);
    expect(follow.promptTokens).toBe(prompt2.length);
    expect(follow.cachedPromptTokens).toBe(shared);
    expect(follow.promptTokens - follow.cachedPromptTokens).toBe(prompt2.length - shared); // evaluated = new tokens
    expect(follow.wallMs.queue).toBeGreaterThanOrEqual(0);
    expect(follow.kernels).toBe(warm.info.kernels);
  }, 120_000);

  it('changed passages resume from the longest common token prefix; another thread with the same prefix reuses it', async () => {
    const warm = await load();
    const baseline = await load(0);
    const question = { role: 'user' as const, content: 'Who repairs the roof?' };
    const a: ChatMessage[] = [{ role: 'system', content: system([0, 1, 3]) }, question];
    await warm.generate({ messages: a, maxTokens: 3, sampling: { greedy: true }, thread: 'x' });

    // Same thread, the third passage replaced: the first two and the instructions are reused.
    const b: ChatMessage[] = [{ role: 'system', content: system([0, 1, 2]) }, question];
    await warm.generate({ prompt: 'Unrelated.', maxTokens: 1, sampling: { greedy: true } });
    const changed = await warm.generate({ messages: b, maxTokens: 5, sampling: sampled, thread: 'x' });
    const expectedShared = lcp(encode(warm, a), encode(warm, b));
    expect(expectedShared).toBeGreaterThan(40);
    expect(changed.cachedPromptTokens).toBe(expectedShared);
    expect(changed.tokens).toEqual((await cold(baseline, { messages: b, maxTokens: 5, sampling: sampled })).tokens);

    // A different thread asking with the same passages starts from thread x's cache.
    const c: ChatMessage[] = [{ role: 'system', content: system([0, 1, 2]) }, { role: 'user', content: 'What interest does late rent carry?' }];
    await warm.generate({ prompt: 'Unrelated again.', maxTokens: 1, sampling: { greedy: true } });
    const other = await warm.generate({ messages: c, maxTokens: 5, sampling: { greedy: true }, thread: 'y' });
    expect(other.cachedPromptTokens).toBe(lcp(encode(warm, b), encode(warm, c)));
    expect(other.cachedPromptTokens).toBeGreaterThan(expectedShared);
    expect(other.tokens).toEqual((await cold(baseline, { messages: c, maxTokens: 5, sampling: { greedy: true } })).tokens);
    // Each thread keeps one cache, and both are still there.
    expect(warm.prefixCache.stats().entries).toBe(2);
  }, 120_000);

  it('in the app, a follow-up on the same sources resumes after the first answer and the meters say so', async () => {
    const model = await load();
    const provider = new LpuProvider('tiny', model);
    const passages: Passage[] = PASSAGES.map((text, i) => ({ chunkId: i + 1, documentId: 1, documentTitle: 'Lease', documentPath: '/lease.pdf', pageStart: i + 1, pageEnd: i + 1, label: null, text, score: 1 }));
    const prompt = (question: string, history: ChatMessage[]) => buildPrompt({
      mode: 'documents', question, passages, history: history as { role: 'user' | 'assistant'; content: string }[], contextTokens: provider.contextTokens,
      countTokens: (t) => provider.countTokens(t), turnOverheadTokens: provider.turnOverheadTokens, answerTokens: 8,
    }).messages;
    const ask = (messages: ChatMessage[]) => provider.generate({ messages, maxTokens: 8, temperature: 0, signal: new AbortController().signal, thread: '7' }, () => {});
    const q1 = 'How long does the lease run?';
    const first = await ask(prompt(q1, []));
    const follow = await ask(prompt('And how much notice is needed?', [{ role: 'user', content: q1 }, { role: 'assistant', content: first.text }]));
    const meters = follow.meters as LpuMeters;
    expect(meters.cachedPromptTokens).toBeGreaterThanOrEqual(encode(model, prompt(q1, [])).length - 1);
    expect(meters.promptTokens - meters.cachedPromptTokens).toBeLessThan(40); // the answer's re-encoding and the new question
    expect(meters.ttftSplitMs).toMatchObject({ retrieval: 0 });
    expect(meters.kernels).toBe(model.info.kernels);
  }, 120_000);

  it('evicts least recently used snapshots to stay within the budget in MB', async () => {
    const model = await load();
    const messages = (i: number): ChatMessage[] => [{ role: 'system', content: `${i}. ${system([i % 4, (i + 1) % 4])}` }, { role: 'user', content: 'Summarise.' }];
    await model.generate({ messages: messages(0), maxTokens: 2, sampling: { greedy: true }, thread: 't0' });
    const one = model.prefixCache.stats();
    expect(one.entries).toBe(1);
    // A budget for about two snapshots of this size: the third thread evicts the first.
    model.prefixCache.setBudgetMb((one.bytes * 2.5) / 2 ** 20);
    await model.generate({ messages: messages(1), maxTokens: 2, sampling: { greedy: true }, thread: 't1' });
    await model.generate({ messages: messages(2), maxTokens: 2, sampling: { greedy: true }, thread: 't2' });
    const three = model.prefixCache.stats();
    expect(three.entries).toBe(2);
    expect(three.evictions).toBe(1);
    expect(three.bytes).toBeLessThanOrEqual(three.budgetBytes);
    // t0 was evicted: only the template's opening is shared with what the live cache holds.
    const again = await model.generate({ messages: messages(0), maxTokens: 2, sampling: { greedy: true }, thread: 't0' });
    expect(again.cachedPromptTokens).toBeLessThan(10);
    // t2 was used more recently than t1, so t1 goes next.
    const t2 = await model.generate({ messages: messages(2), maxTokens: 2, sampling: { greedy: true }, thread: 't2' });
    expect(t2.cachedPromptTokens).toBe(encode(model, messages(2)).length - 1); // one token is always evaluated for its logits
    expect(model.prefixCache.stats().entries).toBe(2);
    model.prefixCache.setBudgetMb(0);
    expect(model.prefixCache.stats()).toMatchObject({ entries: 0, bytes: 0 });
  }, 120_000);
});
