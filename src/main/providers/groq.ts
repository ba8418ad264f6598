import Groq, { APIConnectionError, APIError, APIUserAbortError, AuthenticationError, RateLimitError } from 'groq-sdk';
import type { ChatCompletionCreateParamsStreaming } from 'groq-sdk/resources/chat/completions';
import type { GroqMeters } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import { log } from '../platform/log';
import { groqModelTraits, type ReasoningEffort } from './groq-traits';
import { estimateTokens, type ChatProvider, type GenerationRequest, type GenerationResult, type ProviderEvent } from './provider';
import { StreamedAnswer } from './streamed-answer';
import { ThinkTagSplitter } from './think-tags';

export const GROQ_BASE_URL = 'https://api.groq.com';
/** 429s we sit out before giving up, and the longest retry-after we are willing to wait. */
const MAX_RATE_LIMIT_WAITS = 3;
const MAX_RETRY_AFTER_SECONDS = 120;
/** Used when the model listing could not be read. */
const FALLBACK_CONTEXT_TOKENS = 8192;
/** Our token count is an estimate and Groq counts prompt + max_completion_tokens against the per-minute limit: keep a margin. */
const TOKEN_LIMIT_SHARE = 0.85;
/** Reasoning models spend completion tokens on thinking before the answer: give them room for both. */
const REASONING_ANSWER_TOKENS = 4096;

export interface GroqOptions {
  apiKey: string;
  model: string;
  baseURL?: string;
  /** The model's context window from the listing, when known. */
  contextTokens?: number;
  /** The key's tokens-per-minute limit on this model, when an earlier response reported it. */
  tokenLimit?: number;
  reasoningEffort?: ReasoningEffort;
  serviceTier?: 'auto' | 'on_demand' | 'flex';
  /** Called with x-ratelimit-limit-tokens so the next prompt is sized before it is sent. */
  onTokenLimit?: (limit: number) => void;
  /** The saved model this one replaces because Groq no longer offers it. */
  switchedFrom?: string;
}

/** groq-sdk with its own retries off: Lockstep waits out 429s itself so the user sees the countdown. */
export function createGroqClient(apiKey: string, baseURL = GROQ_BASE_URL): Groq {
  // The SDK's own logger would print unparseable chunks to the console; ours redacts and honours LOCKSTEP_LOG.
  const logger = { error: (message: string) => log.warn(`groq-sdk: ${message}`), warn: () => {}, info: () => {}, debug: () => {} };
  return new Groq({ apiKey, baseURL, maxRetries: 0, timeout: 60_000, logger, logLevel: 'error' });
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

/** x-ratelimit-limit-tokens and x-ratelimit-remaining-tokens: the key's tokens per minute on this model. */
export function tokenLimitHeaders(headers: Headers | undefined): { limit: number | null; remaining: number | null } {
  const read = (name: string) => {
    const value = Number.parseInt(headers?.get(name) ?? '', 10);
    return Number.isFinite(value) ? value : null;
  };
  return { limit: read('x-ratelimit-limit-tokens'), remaining: read('x-ratelimit-remaining-tokens') };
}

type GroqErrorBody = { message?: string; type?: string; code?: string } | undefined;

/** A 413 (Groq's "Request too large … on tokens per minute (TPM): Limit 6000, Requested 9011"): the limit and the request. */
export class GroqRequestTooLarge extends AppError {
  constructor(
    readonly model: string,
    readonly limit: number | null,
    readonly requested: number | null,
    cause: unknown,
  ) {
    super(
      'groq_request_too_large',
      limit
        ? `This question with its passages needs ${requested ? `about ${requested}` : 'more'} tokens, but this Groq key allows ${limit} tokens per minute on ${model}. Ask about fewer documents, pick a model with a higher limit, or answer with the local model.`
        : `Groq says this request is too large for ${model}. Ask about fewer documents, pick a model with a larger limit, or answer with the local model.`,
      cause,
    );
  }
}

/** Maps groq-sdk failures to sentences a user can act on; `groq_unreachable` is what triggers the local fallback. */
export function groqError(error: unknown, model?: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof APIUserAbortError) return new AppError('cancelled', 'Cancelled.', error);
  if (error instanceof AuthenticationError) {
    return new AppError('groq_key_rejected', 'Groq rejected the API key (key rejected). Paste a valid key in Settings → Providers.', error);
  }
  // groq-sdk keeps the whole response body: Groq's details sit under its `error` key.
  const raw = error instanceof APIError ? (error.error as { error?: GroqErrorBody } & GroqErrorBody) : undefined;
  const body: GroqErrorBody = raw?.error ?? raw;
  if (error instanceof APIError && error.status === 413) {
    const numbers = body?.message?.match(/Limit (\d+), Requested (\d+)/);
    return new GroqRequestTooLarge(model ?? 'this model', numbers ? Number(numbers[1]) : null, numbers ? Number(numbers[2]) : null, error);
  }
  if (error instanceof RateLimitError) {
    return new AppError('groq_rate_limited', 'Groq is rate-limiting this key. Wait a minute or switch to the local model.', error);
  }
  if (error instanceof APIError && (body?.code === 'model_not_found' || body?.code === 'model_decommissioned')) {
    const which = model ? `The Groq model ${model}` : 'This Groq model';
    return new AppError('groq_model_gone', `${which} is no longer available${body.code === 'model_decommissioned' ? ' (Groq retired it)' : ' to this key'}. Pick another model in Settings → Providers.`, error);
  }
  if (error instanceof SyntaxError) {
    return new AppError('groq_unreachable', 'Groq sent part of the answer in a form Lockstep could not read.', error);
  }
  // No status: an error event inside the stream, i.e. the server failed mid-answer.
  if (error instanceof APIConnectionError || !(error instanceof APIError) || (error.status ?? 500) >= 500) {
    return new AppError('groq_unreachable', 'Groq could not be reached or dropped the connection.', error);
  }
  return new AppError('groq_failed', `Groq refused the request (HTTP ${error.status}${body?.message ? `: ${body.message}` : ''}). Try another Groq model.`, error);
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

export type GroqUsage = {
  prompt_tokens?: number;
  completion_tokens?: number;
  queue_time?: number;
  prompt_time?: number;
  completion_time?: number;
  total_time?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
};

/** What one streamed answer measured on this machine, besides Groq's own usage. */
export interface GroqTimings {
  started: number;
  firstReasoning: number | null;
  /** The first answer token. */
  firstToken: number | null;
  end: number;
  answerChunks: number;
  reasoningChunks: number;
}

export function groqMeters(
  timings: GroqTimings,
  usage: GroqUsage | null,
  extra: { serviceTier?: string | null; tokenLimit?: number | null; tokensRemaining?: number | null } = {},
): GroqMeters {
  const { started, firstReasoning, firstToken, end } = timings;
  const reasoningTokens = usage?.completion_tokens_details?.reasoning_tokens ?? (timings.reasoningChunks || null);
  // Answer tokens per second of answer streaming: thinking tokens are not part of the answer's rate.
  const completionTokens = usage?.completion_tokens ?? (timings.answerChunks + timings.reasoningChunks || null);
  const answerTokens = completionTokens === null ? null : Math.max(0, completionTokens - (firstReasoning === null ? 0 : (reasoningTokens ?? 0)));
  const streamingSeconds = firstToken === null ? 0 : (end - firstToken) / 1000;
  return {
    provider: 'groq',
    ttftMs: firstToken === null ? null : firstToken - started,
    tokensPerSecond: answerTokens && streamingSeconds > 0 ? answerTokens / streamingSeconds : null,
    promptTokens: usage?.prompt_tokens ?? null,
    completionTokens,
    queueTime: usage?.queue_time ?? null,
    promptTime: usage?.prompt_time ?? null,
    completionTime: usage?.completion_time ?? null,
    totalTime: usage?.total_time ?? null,
    firstReasoningMs: firstReasoning === null ? null : firstReasoning - started,
    reasoningMs: firstReasoning === null ? null : (firstToken ?? end) - firstReasoning,
    reasoningTokens: firstReasoning === null && !usage?.completion_tokens_details?.reasoning_tokens ? null : reasoningTokens,
    cachedPromptTokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
    serviceTier: extra.serviceTier ?? null,
    tokenLimit: extra.tokenLimit ?? null,
    tokensRemaining: extra.tokensRemaining ?? null,
  };
}

type StreamChunk = {
  choices: { delta?: { content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[];
  x_groq?: { usage?: GroqUsage | null; error?: string | null } | null;
  usage?: GroqUsage | null;
  service_tier?: string | null;
};

export class GroqProvider implements ChatProvider {
  readonly id = 'groq';
  readonly model: string;
  readonly switchedFrom?: string;
  private readonly client: Groq;
  private readonly contextWindow: number;
  private tokenLimit: number | null;

  constructor(private readonly options: GroqOptions) {
    this.model = options.model;
    this.switchedFrom = options.switchedFrom;
    this.contextWindow = options.contextTokens ?? FALLBACK_CONTEXT_TOKENS;
    this.tokenLimit = options.tokenLimit ?? null;
    this.client = createGroqClient(options.apiKey, options.baseURL);
  }

  /** The prompt + answer budget: the smaller of the context window and the key's tokens per minute (with a margin). */
  get contextTokens(): number {
    return this.tokenLimit === null ? this.contextWindow : Math.min(this.contextWindow, Math.floor(this.tokenLimit * TOKEN_LIMIT_SHARE));
  }

  /** Which of the two budgets is the smaller one. */
  get limitedBy(): 'context_window' | 'token_limit' {
    return this.contextTokens < this.contextWindow ? 'token_limit' : 'context_window';
  }

  get answerTokens(): number | undefined {
    return groqModelTraits(this.model).reasoning ? Math.min(REASONING_ANSWER_TOKENS, Math.floor(this.contextTokens / 3)) : undefined;
  }

  /** After a 413: size the next prompt to the limit Groq stated. */
  fitTokenLimit(limit: number): void {
    this.tokenLimit = this.tokenLimit === null ? limit : Math.min(this.tokenLimit, limit);
    this.options.onTokenLimit?.(this.tokenLimit);
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    for (let waits = 0; ; waits++) {
      try {
        return await this.streamOnce(request, onEvent);
      } catch (error) {
        const seconds = error instanceof RateLimitError && error.status === 429 ? retryAfterSeconds(error.headers) : null;
        if (seconds === null || waits >= MAX_RATE_LIMIT_WAITS || seconds > MAX_RETRY_AFTER_SECONDS) throw groqError(error, this.model);
        await countDown(seconds, request.signal, onEvent);
      }
    }
  }

  private requestBody(request: GenerationRequest): ChatCompletionCreateParamsStreaming {
    const traits = groqModelTraits(this.model);
    const effort = this.options.reasoningEffort;
    return {
      model: this.model,
      messages: request.messages,
      max_completion_tokens: request.maxTokens,
      temperature: request.temperature ?? (traits.reasoning ? 0.6 : 0.2),
      stream: true,
      // Thinking arrives in delta.reasoning, apart from the answer; raw <think> text is still split out below.
      ...(traits.reasoning === 'include_reasoning' ? { include_reasoning: true } : {}),
      ...(traits.reasoning === 'reasoning_format' ? { reasoning_format: 'parsed' as const } : {}),
      ...(effort && effort !== 'default' && traits.efforts.includes(effort) ? { reasoning_effort: effort } : {}),
      ...(this.options.serviceTier ? { service_tier: this.options.serviceTier } : {}),
    };
  }

  private async streamOnce(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const started = Date.now();
    const { data: stream, response } = await this.client.chat.completions.create(this.requestBody(request), { signal: request.signal }).withResponse();
    const limits = tokenLimitHeaders(response.headers);
    if (limits.limit !== null) {
      this.tokenLimit = limits.limit;
      this.options.onTokenLimit?.(limits.limit);
    }
    const timings: GroqTimings = { started, firstReasoning: null, firstToken: null, end: started, answerChunks: 0, reasoningChunks: 0 };
    const splitter = new ThinkTagSplitter();
    let usage: GroqUsage | null = null;
    let serviceTier: string | null = null;
    let finish: string | null = null;
    let lastMeterAt = 0;
    const meters = (final: boolean) =>
      groqMeters({ ...timings, end: Date.now() }, final ? usage : null, { serviceTier, tokenLimit: limits.limit, tokensRemaining: limits.remaining });
    const streamed = new StreamedAnswer(timings, onEvent);
    const { think, answer } = streamed;
    for await (const raw of stream) {
      const chunk = raw as unknown as StreamChunk;
      // Groq reports a failure after the stream started in x_groq.error: the answer is cut, as with a dropped connection.
      if (chunk.x_groq?.error) throw new AppError('groq_unreachable', `Groq stopped the answer: ${chunk.x_groq.error}`);
      const choice = chunk.choices[0];
      finish = choice?.finish_reason ?? finish;
      usage = chunk.x_groq?.usage ?? chunk.usage ?? usage;
      serviceTier = chunk.service_tier ?? serviceTier;
      think(choice?.delta?.reasoning ?? '');
      const split = splitter.push(choice?.delta?.content ?? '');
      think(split.reasoning);
      answer(split.content);
      // Live meters at most 4 times a second: time to first reasoning and answer token, the running tokens/s.
      if ((split.content || split.reasoning || choice?.delta?.reasoning) && Date.now() - lastMeterAt > 250) {
        lastMeterAt = Date.now();
        onEvent({ type: 'meters', meters: meters(false) });
      }
    }
    const rest = splitter.flush();
    think(rest.reasoning);
    answer(rest.content);
    if (request.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    const final = meters(true);
    onEvent({ type: 'meters', meters: final });
    return { text: streamed.text, reasoning: streamed.reasoning || undefined, stopReason: finish === 'length' ? 'length' : 'stop', meters: final };
  }
}
