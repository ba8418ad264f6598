import type { AnswerMeters } from '../../shared/contract/chat';

// One interface for every answering backend: the LPU emulator in-process, Groq cloud and OpenAI-compatible servers.

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
  /** The thread this answer continues: a provider with a local KV cache keeps it for the follow-up. */
  thread?: string;
}

export type ProviderEvent =
  | { type: 'delta'; text: string; token?: { index: number; cycles: number; emulatedUs: number; wallUs: number } }
  /** Thinking from a reasoning model: shown apart from the answer, never cited or stored as answer text. */
  | { type: 'reasoning'; text: string }
  | { type: 'meters'; meters: AnswerMeters }
  | { type: 'notice'; kind: 'rate_limited'; message: string; secondsLeft: number };

export interface GenerationResult {
  text: string;
  /** What a reasoning model thought before the answer (absent for other models). */
  reasoning?: string;
  stopReason: 'stop' | 'length' | 'cancelled';
  meters: AnswerMeters;
}

export interface ChatProvider {
  readonly id: 'lpu' | 'groq' | 'openai';
  /** The model id reported in messages and the local API. */
  readonly model: string;
  /** host:port of the server that answers, for a provider that is one (OpenAI-compatible). */
  readonly server?: string;
  /** Tokens the model can attend to (prompt + answer). */
  readonly contextTokens: number;
  countTokens(text: string): number;
  /** Tokens the chat template adds per turn, when the provider knows its template. */
  readonly turnOverheadTokens?: number;
  /** Tokens to keep for the answer when the default share of the window is not right (reasoning models think first). */
  readonly answerTokens?: number;
  /** The saved model this provider's model replaced because it is gone (told to the user once). */
  readonly switchedFrom?: string;
  /** Which budget `contextTokens` comes from, when it is not simply the model's context window. */
  readonly limitedBy?: 'context_window' | 'token_limit';
  /** Lowers the prompt budget to a limit the server stated (Groq's 413); absent where no such limit exists. */
  fitTokenLimit?(limit: number): void;
  generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult>;
}

/** A rough token count for models whose tokenizer we do not hold (Groq): ~4 characters per token, CJK 1 per char. */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\u3000-\u9fff\uac00-\ud7af]/g)?.length ?? 0;
  return Math.ceil((text.length - cjk) / 4) + cjk;
}
