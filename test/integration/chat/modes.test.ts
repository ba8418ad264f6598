import { describe, expect, it, vi } from 'vitest';
import type { ChatEvent, GroqMeters } from '../../../src/shared/contract/chat';
import { AppError } from '../../../src/shared/errors';
import { ask } from '../../../src/main/chat/answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import type { ChatProvider, GenerationRequest, GenerationResult, ProviderEvent } from '../../../src/main/providers/provider';
import { handbookServicesPerTest, testChatService } from './library';
import { ScriptedProvider } from './scripted-provider';

// Modes do what they say: free chat neither searches nor cites; after Groq falls back to the local model the
// figures are the local model's; an answer stopped midway keeps the meters it had.

const services = handbookServicesPerTest();

function deps(provider: ChatProvider | null, local: ChatProvider | null = null): AnswerDeps {
  return { ...testChatService(services()), providers: { choose: async () => provider, local: async () => local } };
}
function collect() {
  const events: ChatEvent[] = [];
  return { emit: (event: ChatEvent) => void events.push(event), of: <T extends ChatEvent['type']>(type: T) => events.filter((e): e is Extract<ChatEvent, { type: T }> => e.type === type) };
}
const groqFigures = (completionTokens: number): GroqMeters => ({ provider: 'groq', ttftMs: 120, tokensPerSecond: 400, promptTokens: 50, completionTokens, queueTime: 0.01, promptTime: 0.02, completionTime: 0.1, totalTime: 0.13 });

/** Groq that streams `words` words with running meters, then either fails as unreachable or hangs until cancelled. */
class GroqStandIn implements ChatProvider {
  readonly id = 'groq' as const;
  readonly model = 'llama-3.3-70b-versatile';
  readonly contextTokens = 8192;
  constructor(private readonly then: 'unreachable' | 'hang') {}
  countTokens(text: string) {
    return text.split(/\s+/).filter(Boolean).length;
  }
  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    for (let i = 1; i <= 3; i++) {
      onEvent({ type: 'delta', text: `word${i} ` });
      onEvent({ type: 'meters', meters: groqFigures(i) });
    }
    if (this.then === 'unreachable') throw new AppError('groq_unreachable', 'Groq could not be reached.');
    return new Promise((_, reject) => {
      const stop = () => reject(new DOMException('aborted', 'AbortError'));
      if (request.signal.aborted) stop();
      request.signal.addEventListener('abort', stop, { once: true });
    });
  }
}

describe('answer modes', () => {
  it('free chat searches nothing and cites nothing, even when the documents match', async () => {
    const provider = new ScriptedProvider('Twenty-five, if I remember right [1].');
    const { emit, of } = collect();
    const record = await ask(deps(provider), { question: 'How many days of annual leave do I get?', mode: 'chat' }, emit, new AbortController().signal);
    expect(of('sources')).toEqual([{ type: 'sources', routing: 'none', sources: [] }]);
    expect(provider.prompts[0].map((m) => m.content).join('\n')).not.toContain('25 days');
    expect(record.sources).toEqual([]);
    expect(record.uncited).toBe(false);
    // The same question in documents mode does retrieve and cite.
    const cited = await ask(deps(new ScriptedProvider('25 days [1].')), { question: 'How many days of annual leave do I get?', mode: 'documents' }, () => {}, new AbortController().signal);
    expect(cited.sources.some((s) => s.cited)).toBe(true);
  });

  it('free chat without a model says so instead of quoting the documents', async () => {
    const { emit, of } = collect();
    const record = await ask(deps(null), { question: 'How many days of annual leave do I get?', mode: 'chat' }, emit, new AbortController().signal);
    expect(record.content).toBe('There is no chat model to answer with.');
    expect(record.sources).toEqual([]);
    expect(of('notice').map((n) => n.kind)).toEqual(['extractive']);
  });

  it('after Groq falls back to the local model, the meters and the record are the local model\'s', async () => {
    const { emit, of } = collect();
    const local = new ScriptedProvider('You get 25 days [1].', 'SmolLM2-135M');
    // The fallback is logged as a warning by design; the notice below is what this test checks.
    vi.stubEnv('LOCKSTEP_LOG', 'silent');
    const record = await ask(deps(new GroqStandIn('unreachable'), local), { question: 'How many days of annual leave do I get?' }, emit, new AbortController().signal).finally(() => vi.unstubAllEnvs());
    expect(of('notice').find((n) => n.kind === 'fallback')).toMatchObject({ fallbackTo: 'lpu', model: 'SmolLM2-135M', resetText: true });
    expect(of('meters').at(-1)!.meters.provider).toBe('lpu');
    expect(record).toMatchObject({ provider: 'lpu', model: 'SmolLM2-135M', content: 'You get 25 days [1].', meters: { provider: 'lpu' } });
  });

  it('an answer stopped midway keeps the last meters it streamed', async () => {
    const abort = new AbortController();
    const record = await ask(deps(new GroqStandIn('hang')), { question: 'How many days of annual leave do I get?' }, (event) => event.type === 'meters' && (event.meters as GroqMeters).completionTokens === 3 && abort.abort(), abort.signal);
    expect(record.status).toBe('cancelled');
    expect(record.content).toBe('word1 word2 word3 ');
    expect(record.meters).toEqual(groqFigures(3));
  });

  it('ends an answer cut by the answer limit with a notice naming the limit set in Settings', async () => {
    services().settings.update({ maxAnswerTokens: 128 });
    const cut: ChatProvider = {
      id: 'lpu',
      model: 'SmolLM2-135M',
      contextTokens: 2048,
      countTokens: (text) => text.split(/\s+/).filter(Boolean).length,
      async generate(request, onEvent) {
        expect(request.maxTokens).toBe(128);
        onEvent({ type: 'delta', text: 'Leave is 25 days and' });
        return { text: 'Leave is 25 days and', stopReason: 'length', meters: { provider: 'extractive', wallMs: 1 } };
      },
    };
    const { emit, of } = collect();
    const record = await ask(deps(cut), { question: 'How many days of annual leave do I get?' }, emit, new AbortController().signal);
    expect(record.status).toBe('complete');
    expect(of('notice').find((n) => n.kind === 'length_limit')).toMatchObject({ limit: 128, message: 'Stopped at the 128-token answer limit. Ask it to continue, or raise the limit in Settings → Answers.' });
    // The limit is stored with the answer (read back from the database), so its notice survives a reload.
    expect(record.served).toMatchObject({ lengthLimit: 128, notices: expect.arrayContaining([expect.objectContaining({ kind: 'length_limit', limit: 128 })]) });
    // Without a limit of its own the answer is not cut short, so no notice.
    services().settings.update({ maxAnswerTokens: null });
    const whole = collect();
    const complete = await ask(deps(new ScriptedProvider('25 days [1].')), { question: 'How many days of annual leave do I get?' }, whole.emit, new AbortController().signal);
    expect(whole.of('notice').some((n) => n.kind === 'length_limit')).toBe(false);
    expect(complete.served?.lengthLimit).toBeUndefined();
  });
});
