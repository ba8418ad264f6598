import { z } from 'zod';
import { openAiBaseURL } from '../openai-servers';
import { call, stream } from './define';
import { searchNoticeReason } from './search';

// Domains `chat` (asking, streamed answers), `threads` (history) and `providers` (Groq key and models, OpenAI-compatible servers).
// One answer streams as: started → sources → (reasoning | delta | meters | notice)* → done.

const id = z.number().int().positive();
export const providerId = z.enum(['lpu', 'groq', 'openai']);
export const answerMode = z.enum(['documents', 'chat']);

/** One numbered source handed to the model; [n] in the answer text refers to `ordinal` n. */
export const answerSource = z.object({
  ordinal: z.number().int().positive(),
  chunkId: z.number().int().nullable(),
  documentId: z.number().int().nullable(),
  documentTitle: z.string(),
  documentPath: z.string(),
  pageStart: z.number().int(),
  pageEnd: z.number().int(),
  /** The printed page or slide label ("iv", "Slide 3") when it differs from the number. */
  label: z.string().nullable(),
  /** The exact passage the model saw. */
  passage: z.string(),
  /** True when the answer text cites this source. */
  cited: z.boolean(),
  /** Set when the passage's pages were read by OCR from a scan: its text may hold recognition errors. */
  ocr: z.boolean().optional(),
});
export type AnswerSource = z.infer<typeof answerSource>;

/** Measured on the emulator: per-token cycles and the emulated (900 MHz) versus wall clock. */
export const lpuMeters = z.object({
  provider: z.literal('lpu'),
  promptTokens: z.number().int(),
  cachedPromptTokens: z.number().int(),
  completionTokens: z.number().int(),
  cycles: z.object({ prefill: z.number(), decode: z.number(), total: z.number(), perDecodeToken: z.number() }),
  emulatedMs: z.object({ ttft: z.number(), total: z.number() }),
  wallMs: z.object({ ttft: z.number(), total: z.number() }),
  emulatedTokensPerSecond: z.number(),
  wallTokensPerSecond: z.number(),
  utilisation: z.record(z.string(), z.number()),
  chips: z.number().int(),
  /** Planned SRAM bytes in use on each emulated chip, and each chip's capacity (absent in answers saved before they were reported). */
  sramBytesPerChip: z.array(z.number()).optional(),
  sramCapacityPerChip: z.number().optional(),
  /** Wall TTFT as the user feels it, in parts: waiting for the model, retrieval, prompt evaluation, first token (absent in older answers). */
  ttftSplitMs: z.object({ queue: z.number(), retrieval: z.number(), prefill: z.number(), firstDecode: z.number() }).optional(),
  /** The kernel set that ran the steps, e.g. 'native-avx512-vnni' or 'wasm-simd'. */
  kernels: z.string().optional(),
  /** Each chip's busy fraction per functional unit (MXM, VXM, SXM, MEM, C2C) over a decode step, from the schedule. */
  utilisationPerChip: z.array(z.record(z.string(), z.number())).optional(),
});

/** Measured TTFT and tokens/s on this machine plus Groq's own x_groq.usage timings (seconds). */
export const groqMeters = z.object({
  provider: z.literal('groq'),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  queueTime: z.number().nullable(),
  promptTime: z.number().nullable(),
  completionTime: z.number().nullable(),
  totalTime: z.number().nullable(),
  /** Reasoning models: ms to the first reasoning token (ttftMs is then the first answer token), and the thinking figures. */
  firstReasoningMs: z.number().nullable().optional(),
  reasoningMs: z.number().nullable().optional(),
  reasoningTokens: z.number().int().nullable().optional(),
  /** Prompt tokens Groq served from its prompt cache. */
  cachedPromptTokens: z.number().int().nullable().optional(),
  serviceTier: z.string().nullable().optional(),
  /** From the x-ratelimit-*-tokens headers: this key's tokens per minute and what was left of them. */
  tokenLimit: z.number().int().nullable().optional(),
  tokensRemaining: z.number().int().nullable().optional(),
});

/**
 * An OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM): TTFT and tokens/s measured here, the usage the
 * server reported (stream_options.include_usage) and, from llama.cpp, its own prompt and generation timings.
 */
export const openAiMeters = z.object({
  provider: z.literal('openai'),
  /** host:port of the server that answered. */
  server: z.string(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  firstReasoningMs: z.number().nullable(),
  reasoningMs: z.number().nullable(),
  reasoningTokens: z.number().int().nullable(),
  cachedPromptTokens: z.number().int().nullable(),
  /** llama.cpp's `timings`: prompt evaluation and generation as the server measured them. */
  serverTimings: z
    .object({ promptMs: z.number(), promptPerSecond: z.number().nullable(), predictedMs: z.number(), predictedPerSecond: z.number().nullable(), cachedTokens: z.number().int().nullable() })
    .nullable(),
});

/** The no-model answer: sentences picked from the passages. */
export const extractiveMeters = z.object({ provider: z.literal('extractive'), wallMs: z.number() });

export const answerMeters = z.discriminatedUnion('provider', [lpuMeters, groqMeters, openAiMeters, extractiveMeters]);
export type AnswerMeters = z.infer<typeof answerMeters>;
export type LpuMeters = z.infer<typeof lpuMeters>;
export type GroqMeters = z.infer<typeof groqMeters>;
export type OpenAiMeters = z.infer<typeof openAiMeters>;

/** The steps of the degradation chain, fastest first: a cloud provider, the LPU on all its workers, on one worker, sentences. */
export const answerChannel = z.enum(['groq', 'openai', 'lpu', 'lpu_single', 'extractive']);
export type AnswerChannel = z.infer<typeof answerChannel>;

export const noticeKind = z.enum([
  'fallback', // Groq or the OpenAI-compatible server unreachable: continuing on the local emulator (resetText: drop what streamed so far)
  'rate_limited', // Groq said 429: waiting secondsLeft before retrying (one event per second)
  'not_found', // documents mode found nothing relevant
  'extractive', // no chat model and Groq off: answering with cited sentences; message says how to get a model
  'keyword_only', // no embedder installed: retrieval ran on keywords alone
  'context_trimmed', // fewer sources fit the model's context window than were retrieved
  'follow_up', // the question was rewritten against the thread (message shows the rewritten query)
  'model_replaced', // the Groq model is gone: answering with `model` instead of `previousModel` (saved as the new choice)
  'request_too_large', // Groq said 413: retrying with `used` of `total` passages to fit `limit` tokens per minute
  'length_limit', // the answer stopped at the `limit`-token answer limit: the user can ask it to continue
  'degraded', // the degradation chain stands below the chosen provider: message says which channel answers and why
  'cached', // the answer comes from the answer cache (same question, same documents); Regenerate asks the model again
]);

/** A notice kept with its answer: the event's sentence and facts, without the live-only countdown and text reset. */
export const storedNotice = z.object({
  kind: noticeKind,
  /** The sentence in English; the fields below let the UI say the same in its own language. */
  message: z.string(),
  /** fallback: what answers instead of Groq or the server, and which of the two failed (absent: Groq). */
  fallbackTo: z.enum(['lpu', 'extractive']).optional(),
  fallbackFrom: z.enum(['groq', 'openai']).optional(),
  /** degraded and fallback: the step of the degradation chain that answers now. */
  channel: answerChannel.optional(),
  /** context_trimmed: how many passages (or pages) fit the model's window out of how many. */
  used: z.number().int().optional(),
  total: z.number().int().optional(),
  model: z.string().optional(),
  /** model_replaced: the model that is gone. */
  previousModel: z.string().optional(),
  /** request_too_large: the key's tokens-per-minute limit. */
  limit: z.number().int().optional(),
  /** follow_up: the query actually searched. */
  query: z.string().optional(),
  /** keyword_only: why search ran on keywords alone (or on the previous index), so the UI says the matching sentence. */
  reason: searchNoticeReason.optional(),
});
export type StoredNotice = z.infer<typeof storedNotice>;

/** How an answer was served beyond its provider: the channel of the degradation chain and why, or the answer cache. */
export const answerServing = z.object({
  channel: answerChannel.optional(),
  /** Why the chain stood below the chosen channel, e.g. "token-interval p95 exceeded 120 ms" (absent when it did not). */
  reason: z.string().optional(),
  /** Set when the answer came from the answer cache: when it was first answered (ms since the epoch). */
  cachedAt: z.number().optional(),
  /** Set when the answer stopped at the answer limit of this many tokens: its notice and Continue survive a reload. */
  lengthLimit: z.number().int().positive().optional(),
  /** The notices the answer carried while it streamed, so a reload shows the same ones (absent on answers stored before). */
  notices: z.array(storedNotice).optional(),
});
export type AnswerServing = z.infer<typeof answerServing>;

export const messageRecord = z.object({
  id,
  threadId: id,
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: z.enum(['streaming', 'complete', 'cancelled', 'error']),
  /** 'lpu' | 'groq' | 'openai' | 'extractive' for answers; null for questions. */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  meters: answerMeters.nullable(),
  error: z.string().nullable(),
  sources: z.array(answerSource),
  /** What a reasoning model thought before answering; never part of `content`, never cited. */
  reasoning: z.string().optional(),
  /** The degradation channel that answered and why, or the cache it came from (absent for ordinary answers). */
  served: answerServing.optional(),
  /** An assistant answer with sources whose text cites none of them. */
  uncited: z.boolean(),
  createdAt: z.number(),
});
export type MessageRecord = z.infer<typeof messageRecord>;

export const threadSummary = z.object({
  id,
  workspaceId: id,
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  messageCount: z.number().int(),
});
export type ThreadSummary = z.infer<typeof threadSummary>;

export const chatEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    threadId: id,
    userMessageId: id,
    assistantMessageId: id,
    provider: z.enum(['lpu', 'groq', 'openai', 'extractive']),
    model: z.string(),
    /** The query actually searched (after follow-up rewriting). */
    query: z.string(),
  }),
  z.object({ type: z.literal('sources'), routing: z.enum(['retrieval', 'whole_documents', 'none']), sources: z.array(answerSource) }),
  /** Text to append; `token` carries the emulator's per-token meter when the LPU produced it. */
  z.object({
    type: z.literal('delta'),
    text: z.string(),
    token: z.object({ index: z.number().int(), cycles: z.number(), emulatedUs: z.number(), wallUs: z.number() }).optional(),
  }),
  /** Reasoning text to append to the Thinking section (never to the answer). */
  z.object({ type: z.literal('reasoning'), text: z.string() }),
  /** Running meters (Groq: TTFT and tokens/s while streaming; final usage at the end). */
  z.object({ type: z.literal('meters'), meters: answerMeters }),
  /** A notice; `secondsLeft` (rate_limited countdown) and `resetText` (drop what streamed so far) are live-only. */
  storedNotice.extend({ type: z.literal('notice'), secondsLeft: z.number().optional(), resetText: z.boolean().optional() }),
  /** The persisted answer, with sources marked cited or not. */
  z.object({ type: z.literal('done'), message: messageRecord }),
]);
export type ChatEvent = z.infer<typeof chatEvent>;

export const askRequest = z.object({
  question: z.string().trim().min(1, 'Type a question first.').max(8000, 'Keep questions under 8,000 characters.'),
  /** Omit to start a new thread. */
  threadId: id.optional(),
  workspaceId: id.optional(),
  /** Restrict to these documents; when they fit the context window their full text is used. */
  documentIds: z.array(id).max(200).optional(),
  mode: answerMode.optional(),
  provider: providerId.optional(),
  model: z.string().min(1).max(500).optional(),
});
export type AskRequest = z.infer<typeof askRequest>;

export const quickAction = z.enum(['summarize', 'key_points', 'translate']);
export type QuickAction = z.infer<typeof quickAction>;

export const chat = {
  /** Ask a question; cancel the stream to stop generation (the partial answer is kept as cancelled). */
  ask: stream(askRequest, chatEvent),
  /** Answer the same question again as a new assistant message (the old one is removed). */
  regenerate: stream(
    z.object({ messageId: id, mode: answerMode.optional(), provider: providerId.optional(), model: z.string().min(1).max(500).optional() }),
    chatEvent,
  ),
  /** Summarize, list key points or translate (English ↔ Chinese) one document with fixed, prefix-cached templates. */
  quickAction: stream(
    z.object({ action: quickAction, documentId: id, threadId: id.optional(), provider: providerId.optional() }),
    chatEvent,
  ),
  /** A workspace was opened: when it is hot, load the local model with the quick actions' prompt prefixes cached. */
  warmQuickActions: call(
    z.object({ workspaceId: id }),
    z.object({ warmed: z.boolean(), tokens: z.number().int().optional(), reason: z.enum(['cold_workspace', 'degraded_to_extractive', 'no_local_model']).optional() }),
  ),
};

/** A conversation matching a search: its title (messageId null) or one of its messages, with the text around the match. */
export const conversationHit = z.object({
  threadId: id,
  threadTitle: z.string(),
  messageId: id.nullable(),
  role: z.enum(['user', 'assistant']).nullable(),
  snippet: z.string(),
  createdAt: z.number(),
});
export type ConversationHit = z.infer<typeof conversationHit>;

export const threads = {
  list: call(z.object({ workspaceId: id.optional() }), z.array(threadSummary)),
  /** Full-text search over thread titles and message text, newest first. */
  search: call(z.object({ query: z.string().trim().min(1, 'Type something to search for.').max(200), workspaceId: id.optional() }), z.array(conversationHit)),
  get: call(z.object({ id }), z.object({ thread: threadSummary, messages: z.array(messageRecord) })),
  rename: call(z.object({ id, title: z.string().trim().min(1, 'Give the thread a title.').max(200) }), threadSummary),
  remove: call(z.object({ id }), z.object({ removed: z.boolean() })),
  /** Markdown with footnoted citations ([^n] → document, page, passage). */
  exportMarkdown: call(z.object({ id }), z.object({ fileName: z.string(), markdown: z.string() })),
};

export const reasoningEffort = z.enum(['none', 'default', 'low', 'medium', 'high']);
export const groqModel = z.object({
  id: z.string(),
  ownedBy: z.string().nullable(),
  contextWindow: z.number().int().nullable(),
  /** True for models that think before answering (gpt-oss, qwen3, …). */
  reasoning: z.boolean().optional(),
  /** The reasoning_effort values the model accepts; empty when it takes none. */
  reasoningEfforts: z.array(reasoningEffort).optional(),
  /** False for speech, TTS and guard models, which cannot answer questions. */
  chat: z.boolean().optional(),
});

/** A server as the UI sees it: never its key, only whether one is saved. */
export const openAiServerInfo = z.object({ id: z.string(), name: z.string(), baseURL: z.string(), model: z.string(), contextTokens: z.number().int().nullable(), hasKey: z.boolean() });
export type OpenAiServerInfo = z.infer<typeof openAiServerInfo>;
export const openAiModel = z.object({ id: z.string(), ownedBy: z.string().nullable(), contextWindow: z.number().int().nullable() });
export type OpenAiModel = z.infer<typeof openAiModel>;
const serverId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'No such server.');
const serverKey = z.string().trim().max(400).optional();

export const providers = {
  /** Never returns the key itself: only whether one is saved. */
  status: call(
    z.object({}),
    z.object({ groq: z.object({ hasKey: z.boolean(), model: z.string() }), lpu: z.object({ modelId: z.string().nullable(), available: z.boolean() }) }),
  ),
  setGroqKey: call(z.object({ apiKey: z.string().trim().min(8, 'That does not look like a Groq API key.').max(400) }), z.object({ hasKey: z.literal(true) })),
  clearGroqKey: call(z.object({}), z.object({ hasKey: z.literal(false) })),
  /** Checks the saved key against Groq by listing models. */
  testGroqKey: call(z.object({}), z.object({ ok: z.boolean(), message: z.string() })),
  /** The OpenAI-compatible local API (toggle with the localApiEnabled setting): where it listens and its bearer token. */
  localApi: call(z.object({}), z.object({ enabled: z.boolean(), url: z.string().nullable(), token: z.string() })),
  /** Models listed by the Groq API (cached for an hour; refresh forces a new listing). */
  groqModels: call(z.object({ refresh: z.boolean().optional() }), z.array(groqModel)),
  /** The OpenAI-compatible servers the user added, and the one that answers when the provider is 'openai'. */
  openAiServers: call(z.object({}), z.object({ servers: z.array(openAiServerInfo), activeId: z.string() })),
  /** GET <baseURL>/models: of a saved server (with its saved key), or of one being added (with the key typed). */
  openAiModels: call(z.union([z.object({ serverId }), z.object({ baseURL: openAiBaseURL, apiKey: serverKey })]), z.array(openAiModel)),
  /** Saves a server (its key encrypted with the other secrets) and makes it the active one. */
  addOpenAiServer: call(
    z.object({ name: z.string().trim().min(1, 'Give the server a name.').max(100), baseURL: openAiBaseURL, apiKey: serverKey, model: z.string().min(1, 'Pick a model.').max(500) }),
    openAiServerInfo,
  ),
  /** Another model of the same server, or makes the server the active one. */
  updateOpenAiServer: call(z.object({ id: serverId, model: z.string().min(1).max(500).optional(), active: z.literal(true).optional() }), openAiServerInfo),
  removeOpenAiServer: call(z.object({ id: serverId }), z.object({ removed: z.boolean() })),
  /** The health check: lists the server's models with its saved key and says whether the chosen model is among them. */
  testOpenAiServer: call(z.object({ id: serverId }), z.object({ ok: z.boolean(), message: z.string() })),
};
