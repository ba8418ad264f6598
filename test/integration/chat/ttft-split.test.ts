// The answer pipeline gives the local model the thread to keep its KV cache for, and adds the time retrieval
// took to the model's TTFT split, in the streamed meters and the stored message alike.
import { describe, expect, it } from 'vitest';
import type { ChatEvent, LpuMeters } from '../../../src/shared/contract/chat';
import { ask } from '../../../src/main/chat/answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import type { GenerationRequest, GenerationResult, ProviderEvent } from '../../../src/main/providers/provider';
import { handbookServicesPerTest, testChatService } from './library';
import { ScriptedProvider } from './scripted-provider';

class SplitProvider extends ScriptedProvider {
  readonly requests: GenerationRequest[] = [];
  override async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    this.requests.push(request);
    const split = (m: ProviderEvent & { type: 'meters' }): ProviderEvent => ({ ...m, meters: { ...(m.meters as LpuMeters), ttftSplitMs: { queue: 2, retrieval: 0, prefill: 30, firstDecode: 4 }, kernels: 'wasm-simd' } });
    const result = await super.generate(request, (event) => onEvent(event.type === 'meters' ? split(event) : event));
    return { ...result, meters: (split({ type: 'meters', meters: result.meters }) as { meters: LpuMeters }).meters };
  }
}

const services = handbookServicesPerTest();

describe('TTFT split through the answer pipeline', () => {
  it('passes the thread to the provider and fills in retrieval time', async () => {
    const provider = new SplitProvider('You get 25 days [1].');
    const deps: AnswerDeps = { ...testChatService(services()), providers: { choose: async () => provider, local: async () => null } };
    const events: ChatEvent[] = [];
    const record = await ask(deps, { question: 'How many days of annual leave do I get?' }, (e) => void events.push(e), new AbortController().signal);
    expect(provider.requests[0]!.thread).toBe(String(record.threadId));
    const streamed = events.find((e): e is Extract<ChatEvent, { type: 'meters' }> => e.type === 'meters')!.meters as LpuMeters;
    expect(streamed.ttftSplitMs!.retrieval).toBeGreaterThan(0);
    expect(streamed.ttftSplitMs).toMatchObject({ queue: 2, prefill: 30, firstDecode: 4 });
    expect(streamed.kernels).toBe('wasm-simd');
    expect(record.meters).toEqual(streamed);
  });
});
