import type { LpuMeters } from '../../../src/shared/contract/chat';
import type { ChatProvider, GenerationRequest, GenerationResult, ProviderEvent } from '../../../src/main/providers/provider';

/** A provider that replies with a fixed text word by word and records the prompts it was given. */
export class ScriptedProvider implements ChatProvider {
  readonly id = 'lpu' as const;
  readonly prompts: GenerationRequest['messages'][] = [];

  constructor(
    private readonly reply: string | ((request: GenerationRequest) => string),
    readonly model = 'scripted-model',
    readonly contextTokens = 2048,
    /** When set, stop after this many words and wait for the request to be cancelled. */
    private readonly hangAfterWords?: number,
  ) {}

  countTokens(text: string): number {
    return text.split(/\s+/).filter(Boolean).length;
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    this.prompts.push(request.messages);
    const text = typeof this.reply === 'string' ? this.reply : this.reply(request);
    const words = text.split(/(?<= )/);
    let emitted = '';
    for (const [index, word] of words.entries()) {
      if (this.hangAfterWords !== undefined && index === this.hangAfterWords) {
        await new Promise((_, reject) => {
          if (request.signal.aborted) reject(new DOMException('aborted', 'AbortError'));
          request.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
        });
      }
      emitted += word;
      onEvent({ type: 'delta', text: word, token: { index, cycles: 1000 * (index + 1), emulatedUs: 1.1 * (index + 1), wallUs: 50 } });
    }
    const meters: LpuMeters = {
      provider: 'lpu',
      promptTokens: 10,
      cachedPromptTokens: 0,
      completionTokens: words.length,
      cycles: { prefill: 100, decode: 1000, total: 1100, perDecodeToken: 1000 },
      emulatedMs: { ttft: 0.1, total: 1 },
      wallMs: { ttft: 1, total: 10 },
      emulatedTokensPerSecond: 1000,
      wallTokensPerSecond: 100,
      utilisation: { MXM: 0.5 },
      chips: 1,
    };
    onEvent({ type: 'meters', meters });
    return { text: emitted, stopReason: 'stop', meters };
  }
}
