import type { OpenAiMeters, OpenAiModel } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import { groqMeters, type GroqTimings, type GroqUsage } from './groq';
import { estimateTokens, type ChatProvider, type GenerationRequest, type GenerationResult, type ProviderEvent } from './provider';
import { SseParser } from './sse';
import { StreamedAnswer } from './streamed-answer';
import { ThinkTagSplitter } from './think-tags';

// Any server speaking OpenAI's chat completions (Ollama, LM Studio, llama.cpp's server, vLLM, Lockstep's own local
// API): GET <base>/models and POST <base>/chat/completions streamed as SSE, read here without an SDK so every
// server quirk (llama.cpp's `timings`, `reasoning_content` or `reasoning` deltas, no [DONE]) is handled in one place.
// Failures map to the codes respond() acts on: `openai_unreachable` falls back to the local model like Groq's.

/** Ollama's default context is 2048–4096 tokens and it silently drops the start of longer prompts: assume the smaller. */
const FALLBACK_CONTEXT_TOKENS = 4096;
/** Until the response headers and first event: a local server may be loading the model from disk first. */
const FIRST_EVENT_TIMEOUT_MS = 120_000;
/** Between events once the answer streams. */
const IDLE_TIMEOUT_MS = 60_000;
const LIST_TIMEOUT_MS = 10_000;

export interface OpenAiCompatibleOptions {
  /** e.g. http://127.0.0.1:11434/v1 (normalised: no trailing slash). */
  baseURL: string;
  model: string;
  apiKey?: string | null;
  contextTokens?: number | null;
  firstEventTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** host:port, how errors and meters name a server without its path or anything secret. */
export function serverLabel(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return baseURL;
  }
}

type ErrorBody = { error?: { message?: string; code?: string | number; type?: string } | string; message?: string } | null;

function bodyMessage(body: ErrorBody): string | undefined {
  if (!body) return undefined;
  if (typeof body.error === 'string') return body.error;
  return body.error?.message ?? body.message;
}

/** An HTTP refusal as a sentence the user can act on; 5xx (the server is failing) is `openai_unreachable`, so it falls back. */
export function openAiHttpError(status: number, body: ErrorBody, baseURL: string, model?: string): AppError {
  const server = serverLabel(baseURL);
  const detail = bodyMessage(body);
  if (status === 401 || status === 403) {
    return new AppError('openai_key_rejected', `The server at ${server} refused the API key (HTTP ${status}). Check the key for this server in Settings → Providers.`);
  }
  if (status === 404 && model) {
    return new AppError('openai_model_gone', `The server at ${server} does not serve the model ${model}${detail ? ` (${detail})` : ''}. Pick another model for it in Settings → Providers.`);
  }
  if (status >= 500 || status === 429) {
    return new AppError('openai_unreachable', `The server at ${server} failed (HTTP ${status}${detail ? `: ${detail}` : ''}).`);
  }
  return new AppError('openai_failed', `The server at ${server} refused the request (HTTP ${status}${detail ? `: ${detail}` : ''}). Check its address and model in Settings → Providers.`);
}

function unreachable(baseURL: string, cause: unknown): AppError {
  return new AppError('openai_unreachable', `Nothing answered at ${serverLabel(baseURL)}. Start the server (Ollama, LM Studio, llama.cpp) or check its address in Settings → Providers.`, cause);
}

/** The caller's signal plus our own timeout, which says why it fired. */
function timedSignal(outer: AbortSignal | undefined) {
  const controller = new AbortController();
  let timedOut: AppError | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => controller.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  if (outer?.aborted) controller.abort();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    /** (Re)starts the timer; when it fires the request is aborted with `error`. */
    arm(ms: number, error: () => AppError) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = error();
        controller.abort();
      }, ms);
    },
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

function headers(apiKey: string | null | undefined, accept: string): Record<string, string> {
  return { Accept: accept, 'Content-Type': 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) };
}

async function readErrorBody(response: Response): Promise<ErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as ErrorBody;
  } catch {
    return text ? { message: text.slice(0, 200) } : null;
  }
}

type ListedModel = { id?: unknown; owned_by?: unknown; meta?: { n_ctx_train?: unknown } | null; max_model_len?: unknown; context_length?: unknown; context_window?: unknown };

const positiveInt = (...values: unknown[]) => (values.find((v) => typeof v === 'number' && Number.isInteger(v) && v > 0) as number | undefined) ?? null;

/** GET <base>/models. Context windows come from whichever field the server uses (llama.cpp meta.n_ctx_train, vLLM max_model_len). */
export async function listOpenAiModels(baseURL: string, apiKey?: string | null, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<OpenAiModel[]> {
  const timing = timedSignal(options.signal);
  timing.arm(options.timeoutMs ?? LIST_TIMEOUT_MS, () => new AppError('openai_unreachable', `The server at ${serverLabel(baseURL)} did not list its models within ${Math.round((options.timeoutMs ?? LIST_TIMEOUT_MS) / 1000)} s.`));
  try {
    // Never follow a redirect: the key goes to the address the user typed and nowhere else.
    const response = await fetch(`${baseURL}/models`, { headers: headers(apiKey, 'application/json'), signal: timing.signal, redirect: 'error' });
    if (!response.ok) throw openAiHttpError(response.status, await readErrorBody(response), baseURL);
    const body = (await response.json()) as { data?: ListedModel[] };
    if (!Array.isArray(body?.data)) throw new AppError('openai_not_compatible', `The server at ${serverLabel(baseURL)} did not answer like an OpenAI-compatible server (no model list at ${baseURL}/models).`);
    return body.data
      .filter((m): m is ListedModel & { id: string } => typeof m?.id === 'string' && m.id.length > 0)
      .map((m) => ({
        id: m.id,
        ownedBy: typeof m.owned_by === 'string' ? m.owned_by : null,
        contextWindow: positiveInt(m.meta?.n_ctx_train, m.max_model_len, m.context_length, m.context_window),
      }));
  } catch (error) {
    if (timing.timedOut) throw timing.timedOut;
    if (options.signal?.aborted) throw new AppError('cancelled', 'Cancelled.', error);
    if (error instanceof AppError) throw error;
    if (error instanceof SyntaxError) throw new AppError('openai_not_compatible', `The server at ${serverLabel(baseURL)} sent a model list Lockstep could not read.`, error);
    throw unreachable(baseURL, error);
  } finally {
    timing.dispose();
  }
}

type Usage = GroqUsage & { total_tokens?: number };
/** llama.cpp's own measurements, sent with the last chunk. */
type LlamaCppTimings = { cache_n?: number; prompt_n?: number; prompt_ms?: number; prompt_per_second?: number; predicted_n?: number; predicted_ms?: number; predicted_per_second?: number };
type StreamChunk = {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }; finish_reason?: string | null }[];
  usage?: Usage | null;
  x_groq?: { usage?: Usage | null } | null;
  timings?: LlamaCppTimings | null;
  error?: { message?: string } | string;
};

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export function openAiMeters(timings: GroqTimings, usage: Usage | null, server: string, llamaCpp: LlamaCppTimings | null): OpenAiMeters {
  // The same reading of TTFT, answer tokens/s and reasoning as Groq's, which streams the same chunks.
  const common = groqMeters(timings, usage);
  return {
    provider: 'openai',
    server,
    ttftMs: common.ttftMs,
    tokensPerSecond: common.tokensPerSecond,
    promptTokens: common.promptTokens ?? (finite(llamaCpp?.prompt_n) ? llamaCpp.prompt_n + (llamaCpp.cache_n ?? 0) : null),
    completionTokens: common.completionTokens,
    firstReasoningMs: common.firstReasoningMs ?? null,
    reasoningMs: common.reasoningMs ?? null,
    reasoningTokens: common.reasoningTokens ?? null,
    cachedPromptTokens: common.cachedPromptTokens ?? (finite(llamaCpp?.cache_n) ? llamaCpp.cache_n : null),
    serverTimings:
      llamaCpp && finite(llamaCpp.prompt_ms) && finite(llamaCpp.predicted_ms)
        ? {
            promptMs: llamaCpp.prompt_ms,
            promptPerSecond: finite(llamaCpp.prompt_per_second) ? llamaCpp.prompt_per_second : null,
            predictedMs: llamaCpp.predicted_ms,
            predictedPerSecond: finite(llamaCpp.predicted_per_second) ? llamaCpp.predicted_per_second : null,
            cachedTokens: finite(llamaCpp.cache_n) ? llamaCpp.cache_n : null,
          }
        : null,
  };
}

export class OpenAiCompatibleProvider implements ChatProvider {
  readonly id = 'openai';
  readonly model: string;
  readonly contextTokens: number;
  readonly server: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.model = options.model;
    this.contextTokens = options.contextTokens ?? FALLBACK_CONTEXT_TOKENS;
    this.server = serverLabel(options.baseURL);
  }

  countTokens(text: string): number {
    return estimateTokens(text);
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const { baseURL, apiKey } = this.options;
    const firstEventMs = this.options.firstEventTimeoutMs ?? FIRST_EVENT_TIMEOUT_MS;
    const idleMs = this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    const timing = timedSignal(request.signal);
    const silent = (ms: number, what: string) => () =>
      new AppError('openai_unreachable', `The server at ${this.server} ${what} for ${Math.round(ms / 100) / 10} s, so Lockstep stopped waiting.`);
    timing.arm(firstEventMs, silent(firstEventMs, 'sent nothing'));
    const started = Date.now();
    try {
      const response = await fetch(`${baseURL}/chat/completions`, {
        method: 'POST',
        headers: headers(apiKey, 'text/event-stream'),
        redirect: 'error',
        signal: timing.signal,
        body: JSON.stringify({
          model: this.model,
          messages: request.messages,
          max_tokens: request.maxTokens,
          temperature: request.temperature ?? 0.2,
          stream: true,
          // The final chunk then carries the token counts (OpenAI, Ollama, llama.cpp, vLLM and LM Studio honour it).
          stream_options: { include_usage: true },
        }),
      });
      if (!response.ok) throw openAiHttpError(response.status, await readErrorBody(response), baseURL, this.model);
      if (!response.body) throw new AppError('openai_unreachable', `The server at ${this.server} sent an empty response.`);
      return await this.readStream(response.body, started, request.signal, () => timing.arm(idleMs, silent(idleMs, 'stopped sending the answer')), onEvent);
    } catch (error) {
      if (timing.timedOut) throw timing.timedOut;
      if (request.signal.aborted) throw new AppError('cancelled', 'Cancelled.', error);
      if (error instanceof AppError) throw error;
      throw unreachable(baseURL, error);
    } finally {
      timing.dispose();
    }
  }

  private async readStream(
    body: ReadableStream<Uint8Array>,
    started: number,
    signal: AbortSignal,
    heardFrom: () => void,
    onEvent: (event: ProviderEvent) => void,
  ): Promise<GenerationResult> {
    const timings: GroqTimings = { started, firstReasoning: null, firstToken: null, end: started, answerChunks: 0, reasoningChunks: 0 };
    const splitter = new ThinkTagSplitter();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let usage: Usage | null = null;
    let llamaCpp: LlamaCppTimings | null = null;
    let finish: string | null = null;
    let done = false;
    let lastMeterAt = 0;
    const streamed = new StreamedAnswer(timings, onEvent);
    const { think, answer } = streamed;
    const handle = (data: string) => {
      if (data.trim() === '[DONE]') return void (done = true);
      let chunk: StreamChunk;
      try {
        chunk = JSON.parse(data) as StreamChunk;
      } catch (cause) {
        throw new AppError('openai_unreachable', `The server at ${this.server} sent part of the answer in a form Lockstep could not read.`, cause);
      }
      if (chunk.error) {
        const message = typeof chunk.error === 'string' ? chunk.error : chunk.error.message;
        throw new AppError('openai_unreachable', `The server at ${this.server} stopped the answer${message ? `: ${message}` : '.'}`);
      }
      const choice = chunk.choices?.[0];
      finish = choice?.finish_reason ?? finish;
      usage = chunk.usage ?? chunk.x_groq?.usage ?? usage;
      llamaCpp = chunk.timings ?? llamaCpp;
      // llama.cpp, vLLM and DeepSeek send reasoning_content; Ollama and LM Studio `reasoning`; others inline <think>.
      const separate = choice?.delta?.reasoning_content ?? choice?.delta?.reasoning ?? '';
      think(separate);
      const split = splitter.push(choice?.delta?.content ?? '');
      think(split.reasoning);
      answer(split.content);
      if ((split.content || split.reasoning || separate) && Date.now() - lastMeterAt > 250) {
        lastMeterAt = Date.now();
        onEvent({ type: 'meters', meters: openAiMeters({ ...timings, end: Date.now() }, null, this.server, null) });
      }
    };
    const reader = body.getReader();
    try {
      while (!done) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        heardFrom();
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event === 'error') throw new AppError('openai_unreachable', `The server at ${this.server} stopped the answer: ${event.data.slice(0, 200)}`);
          handle(event.data);
          if (done) break;
        }
      }
    } finally {
      parser.end();
      await reader.cancel().catch(() => {});
    }
    if (signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    // Servers end with [DONE]; one that omits it has still finished when a finish_reason came. Neither: the connection dropped.
    if (!done && finish === null) {
      throw new AppError('openai_unreachable', `The server at ${this.server} closed the connection before the answer was complete.`);
    }
    const rest = splitter.flush();
    think(rest.reasoning);
    answer(rest.content);
    const meters = openAiMeters({ ...timings, end: Date.now() }, usage, this.server, llamaCpp);
    onEvent({ type: 'meters', meters });
    return { text: streamed.text, reasoning: streamed.reasoning || undefined, stopReason: finish === 'length' ? 'length' : 'stop', meters };
  }
}
