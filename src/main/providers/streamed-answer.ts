import type { ProviderEvent } from './provider';

/** The moments and counts a provider's live meters read from one streamed answer. */
export interface StreamTimings {
  firstReasoning: number | null;
  firstToken: number | null;
  answerChunks: number;
  reasoningChunks: number;
}

/** One streamed answer's text and thinking, kept apart as they arrive and forwarded as events, with their timings. */
export class StreamedAnswer {
  text = '';
  reasoning = '';

  constructor(
    private readonly timings: StreamTimings,
    private readonly onEvent: (event: ProviderEvent) => void,
  ) {}

  readonly think = (part: string): void => {
    if (!part) return;
    this.timings.firstReasoning ??= Date.now();
    this.timings.reasoningChunks++;
    this.reasoning += part;
    this.onEvent({ type: 'reasoning', text: part });
  };

  readonly answer = (part: string): void => {
    if (!part) return;
    this.timings.firstToken ??= Date.now();
    this.timings.answerChunks++;
    this.text += part;
    this.onEvent({ type: 'delta', text: part });
  };
}
