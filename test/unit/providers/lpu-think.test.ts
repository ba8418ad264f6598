import { describe, expect, it } from 'vitest';
import { LpuProvider, type LpuModelHandle } from '../../../src/main/providers/lpu';
import type { ProviderEvent } from '../../../src/main/providers/provider';

type Result = Awaited<ReturnType<LpuModelHandle['generate']>>;

/** A stand-in emulator that streams fixed token texts, as a reasoning distill writes them. */
function thinkingModel(pieces: string[]): LpuModelHandle {
  return {
    info: { bucket: 512 } as LpuModelHandle['info'],
    tokenizer: { applyChatTemplate: () => '', encode: () => [1, 2] } as unknown as LpuModelHandle['tokenizer'],
    generate: async (_request, onToken) => {
      pieces.forEach((text, index) => onToken?.({ index, tokenId: index, text, cycles: 100, emulatedUs: 1, wallUs: 10 }));
      return {
        text: pieces.join(''), tokens: pieces.map((_, i) => i), promptTokens: 4, cachedPromptTokens: 0, stopReason: 'eos',
        cycles: { prefill: 1, decode: 1, total: 2, perDecodeToken: 1 }, emulatedMs: { ttft: 1, total: 2 }, wallMs: { ttft: 1, total: 2 },
        utilisation: { MXM: 0, VXM: 0, SXM: 0, MEM: 0, C2C: 0 }, chips: 1, sramBytesPerChip: [1],
      } as unknown as Result; // only the fields the provider reads; the emulator's result carries more
    },
    dispose: async () => {},
  };
}

describe('LPU provider with inline <think> reasoning', () => {
  it('streams the thinking as reasoning, the rest as the answer, and keeps a meter for every token', async () => {
    const pieces = ['<th', 'ink>', 'Leave is in [2]', '.</thi', 'nk>\n\n', 'Leave is 25 days', ' [1].'];
    const provider = new LpuProvider('tiny-r1', thinkingModel(pieces));
    const events: ProviderEvent[] = [];
    const result = await provider.generate({ messages: [{ role: 'user', content: 'Leave?' }], maxTokens: 16, signal: new AbortController().signal }, (e) => events.push(e));
    expect(result).toMatchObject({ text: 'Leave is 25 days [1].', reasoning: 'Leave is in [2].', stopReason: 'stop' });
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.map((e) => e.text).join('')).toBe('Leave is 25 days [1].');
    expect(deltas.map((e) => e.token?.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events.filter((e) => e.type === 'reasoning').map((e) => (e as { text: string }).text).join('')).toBe('Leave is in [2].');
  });

  it('leaves an answer without tags as it was', async () => {
    const provider = new LpuProvider('tiny', thinkingModel(['Once', ' upon', ' a <b> time']));
    const result = await provider.generate({ messages: [{ role: 'user', content: 'Story' }], maxTokens: 8, signal: new AbortController().signal }, () => {});
    expect(result).toMatchObject({ text: 'Once upon a <b> time' });
    expect(result.reasoning).toBeUndefined();
  });
});
