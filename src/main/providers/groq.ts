import Groq, { APIConnectionError, APIError, APIUserAbortError, AuthenticationError, RateLimitError } from 'groq-sdk';
import type { GroqMeters } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import { estimateTokens, type ChatProvider, type GenerationRequest, type GenerationResult, type ProviderEvent } from './provider';

export const GROQ_BASE_URL = 'https://api.groq.com';
/** 429s we sit out before giving up, and the longest retry-after we are willing to wait. */
const MAX_RATE_LIMIT_WAITS = 3;
const MAX_RETRY_AFTER_SECONDS = 120;

export interface GroqOptions {
  apiKey: string;
  model: string;
  baseURL?: string;
  /** From the cached model listing when known. */
  contextTokens?: number;
}

/** groq-sdk with its own retries off: Lockstep waits out 429s itself so the user sees the countdown. */
export function createGroqClient(apiKey: string, baseURL = GROQ_BASE_URL): Groq {
  return new Groq({ apiKey, baseURL, maxRetries: 0, timeout: 60_000 });
}

/** Seconds the server asked us to wait (retry-after-ms, then retry-after as seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers | undefined): number | null {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return Math.max(0, ms / 1000);
  const raw = headers?.get('retry-after');
  if (!raw) return null;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : null;
}

/** Maps groq-sdk failures to sentences a user can act on; `groq_unreachable` is what triggers the local fallback. */
export function groqError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof APIUserAbortError) return new AppError('cancelled', 'Cancelled.', error);
  if (error instanceof AuthenticationError) {
    return new AppError('groq_key_rejected', 'Groq rejected the API key (key rejected). Paste a valid key in Settings → Providers.', error);
  }
  if (error instanceof RateLimitError) {
    return new AppError('groq_rate_limited', 'Groq is rate-limiting this key. Wait a minute or switch to the local model.', error);
  }
  // No status: an error event inside the stream, i.e. the server failed mid-answer.
  if (error instanceof APIConnectionError || !(error instanceof APIError) || (error.status ?? 500) >= 500) {
    return new AppError('groq_unreachable', 'Groq could not be reached or dropped the connection.', error);
  }
  return new AppError('groq_failed', `Groq refused the request (HTTP ${error.status}). Try another Groq model.`, error);
}

/** Waits `seconds`, announcing the time left once per second; rejects when the signal aborts. */
async function countDown(seconds: number, signal: AbortSignal, onEvent: (event: ProviderEvent) => void): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (let left = Math.ceil(seconds); left > 0; left = Math.ceil((end - Date.now()) / 1000)) {
    onEvent({ type: 'notice', kind: 'rate_limited', message: `Groq is rate-limiting requests; retrying in ${left} s.`, secondsLeft: left });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, Math.min(1000, end - Date.now()));
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(new AppError('cancelled', 'Cancelled.'))), { once: true });
    });
  }
}

type GroqUsage = {
  prompt_tokens?: number;
  completion_tokens?: number;
  queue_time?: number;
  prompt_time?: number;
  completion_time?: number;
  total_time?: number;
};

export function groqMeters(started: number, firstToken: number | null, end: number, chunksWithText: number, usage: GroqUsage | null): GroqMeters {
  const completionTokens = usage?.completion_tokens ?? (chunksWithText || null);
  const streamingSeconds = firstToken === null ? 0 : (end - firstToken) / 1000;
  return {
    provider: 'groq',
    ttftMs: firstToken === null ? null : firstToken - started,
    tokensPerSecond: completionTokens && streamingSeconds > 0 ? completionTokens / streamingSeconds : null,
    promptTokens: usage?.prompt_tokens ?? null,
    completionTokens,
    queueTime: usage?.queue_time ?? null,
    promptTime: usage?.prompt_time ?? null,
    completionTime: usage?.completion_time ?? null,
    totalTime: usage?.total_time ?? null,
  };
}

export class GroqProvider implements ChatProvider {
  readonly id = 'groq';
  readonly model: string;
  readonly contextTokens: number;
  private readonly client: Groq;

  constructor(options: GroqOptions) {
    this.model = options.model;
    this.contextTokens = options.contextTokens ?? 8192;
    this.client = createGroqClient(options.apiKey, options.baseURL);
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    for (let waits = 0; ; waits++) {
      try {
        return await this.streamOnce(request, onEvent);
      } catch (error) {
        const seconds = error instanceof RateLimitError ? retryAfterSeconds(error.headers) : null;
        if (seconds === null || waits >= MAX_RATE_LIMIT_WAITS || seconds > MAX_RETRY_AFTER_SECONDS) throw groqError(error);
        await countDown(seconds, request.signal, onEvent);
      }
    }
  }

  private async streamOnce(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const started = Date.now();
    const stream = await this.client.chat.completions.create(
      {
        model: this.model,
        messages: request.messages,
        max_completion_tokens: request.maxTokens,
        temperature: request.temperature ?? 0.2,
        stream: true,
      },
      { signal: request.signal },
    );
    let text = '';
    let firstToken: number | null = null;
    let chunksWithText = 0;
    let usage: GroqUsage | null = null;
    let finish: string | null = null;
    let lastMeterAt = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = (chunk.x_groq?.usage as GroqUsage | undefined) ?? (chunk as { usage?: GroqUsage }).usage ?? usage;
      if (!delta) continue;
      firstToken ??= Date.now();
      chunksWithText++;
      text += delta;
      onEvent({ type: 'delta', text: delta });
      // Live meters at most 4 times a second: TTFT and the running tokens/s.
      if (Date.now() - lastMeterAt > 250) {
        lastMeterAt = Date.now();
        onEvent({ type: 'meters', meters: groqMeters(started, firstToken, Date.now(), chunksWithText, null) });
      }
    }
    if (request.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    const meters = groqMeters(started, firstToken, Date.now(), chunksWithText, usage);
    onEvent({ type: 'meters', meters });
    return { text, stopReason: finish === 'length' ? 'length' : 'stop', meters };
  }
}
