import type { AnswerMeters } from '../../shared/contract/chat';

// One interface for every answering backend: the LPU emulator in-process and Groq cloud.

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerationRequest {
  messages: ChatTurn[];
  maxTokens: number;
  signal: AbortSignal;
  /** Greedy decoding when 0 (tests, quick actions). */
  temperature?: number;
}

export type ProviderEvent =
  | { type: 'delta'; text: string; token?: { index: number; cycles: number; emulatedUs: number; wallUs: number } }
  | { type: 'meters'; meters: AnswerMeters }
  | { type: 'notice'; kind: 'rate_limited'; message: string; secondsLeft: number };

export interface GenerationResult {
  text: string;
  stopReason: 'stop' | 'length' | 'cancelled';
  meters: AnswerMeters;
}

export interface ChatProvider {
  readonly id: 'lpu' | 'groq';
  /** The model id reported in messages and the local API. */
  readonly model: string;
  /** Tokens the model can attend to (prompt + answer). */
  readonly contextTokens: number;
  countTokens(text: string): number;
  /** Tokens the chat template adds per turn, when the provider knows its template. */
  readonly turnOverheadTokens?: number;
  generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult>;
}

/** A rough token count for models whose tokenizer we do not hold (Groq): ~4 characters per token, CJK 1 per char. */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\u3000-\u9fff\uac00-\ud7af]/g)?.length ?? 0;
  return Math.ceil((text.length - cjk) / 4) + cjk;
}
