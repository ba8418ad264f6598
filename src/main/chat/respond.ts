import type { AnswerMeters, AnswerServing, ChatEvent, MessageRecord, StoredNotice } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import { log } from '../platform/log';
import { GroqRequestTooLarge } from '../providers/groq';
import type { ChatProvider, ChatTurn } from '../providers/provider';
import type { ProviderChoice } from '../providers/resolve';
import { mapCitations, toSource } from './citations';
import { GET_A_MODEL } from './extractive';
import type { Passage, PassageSource } from './passages';
import type { ThreadStore } from './threads';
import type { AnswerCache } from './answer-cache';
import { channelPhrase } from '../ops/degrade';
import { channelOf, type DegradationRouter, type LpuChannel, type RoutedProvider } from '../ops/degrade-route';

// Streams one assistant message: choose the provider, announce it, let the plan pick passages and compose the
// prompt, generate (falling back from an unreachable Groq to the emulator, or to extractive sentences), map the
// [n] citations and persist the message with its sources, provider, model, meters and (apart from the text) reasoning.
// Groq's own refusals are handled on the way: a model that is gone is replaced by the key's default, a prompt over
// the key's per-minute token limit (413) is composed again to fit it, once.

export const NOT_FOUND = 'I could not find this in your documents.';

export interface AnswerDeps {
  threads: ThreadStore;
  /** Repeated questions answered at once (absent: every question is answered by the model). */
  answerCache?: AnswerCache;
  /** The degradation chain: where answers go while a channel is in trouble, and where a failed answer goes next. */
  degradation?: DegradationRouter;
  /** Where a workspace's knowledge lives (hot in memory, cold on disk): a cold one answers on the CPU channel. */
  tierOf?(workspaceId: number): 'hot' | 'cold';
  passages: PassageSource;
  settings: { get(): Settings };
  providers: {
    choose(choice: ProviderChoice): Promise<ChatProvider | null>;
    /** The local model; `channel` 'lpu_single' runs it on one worker (the degradation chain's CPU channel). */
    local(model?: string, channel?: LpuChannel): Promise<ChatProvider | null>;
    /** A provider for the key's default Groq model, saved as the choice, when `gone` is no longer served. */
    replaceGroqModel?(gone: string): Promise<ChatProvider>;
  };
  /** Watches the answer's events to record its metrics and health history (ops/answer-tap.ts). */
  answerTap?: (emit: Emit) => { emit: Emit; failed(error: unknown): void };
}

export type Emit = (event: ChatEvent) => void;

export interface ComposedPrompt {
  messages: ChatTurn[];
  used: Passage[];
  maxTokens: number;
  routing: 'retrieval' | 'whole_documents' | 'none';
  /** Set when fewer passages fit the window than were found. */
  trimmedNotice?: { message: string; used: number; total: number; limit?: number };
  temperature?: number;
}

/** What differs between a question and a quick action. */
export interface AnswerPlan {
  threadId: number;
  userMessageId: number;
  /** Chosen before anything is written, so a missing key or model leaves the thread untouched. */
  provider: ChatProvider | null;
  /** The query retrieval ran with, shown to the user. */
  query: string;
  /** The workspace asked over, when the plan has one. */
  workspaceId?: number;
  /** Retrieval; runs after `started` so its notices follow it. Returns false when documents mode found nothing. */
  prepare(emit: Emit): Promise<boolean>;
  compose(provider: ChatProvider): ComposedPrompt;
  /** The answer without a model: cited sentences, or an AppError when the task needs a model. */
  extractive(): { text: string; used: Passage[] };
  /** Regenerating: the answer to write over, in its place in the thread. */
  replaceMessageId?: number;
}

export async function respond(deps: AnswerDeps, plan: AnswerPlan, emitEvent: Emit, signal: AbortSignal): Promise<MessageRecord> {
  const tap = deps.answerTap?.(emitEvent);
  const tapped = tap?.emit ?? emitEvent;
  // The notices go with the answer so a reload shows what the stream showed; a countdown is live-only.
  const notices: StoredNotice[] = [];
  const emit: Emit = (event) => {
    if (event.type === 'notice' && event.kind !== 'rate_limited') {
      const { type: _type, secondsLeft: _secondsLeft, resetText: _resetText, ...notice } = event;
      // The same kind replaces its earlier notice, as the chat view folds them.
      const earlier = notices.findIndex((n) => n.kind === notice.kind);
      if (earlier >= 0) notices.splice(earlier, 1);
      notices.push(notice);
    }
    tapped(event);
  };
  // The degradation chain may stand below the chosen channel: the answer goes where it says, and says why.
  const cold = plan.workspaceId !== undefined && deps.tierOf?.(plan.workspaceId) === 'cold';
  const atLeast = cold ? { channel: 'lpu_single' as const, reason: 'this workspace is cold (its knowledge is kept on disk, not in memory)' } : undefined;
  const routed = await deps.degradation?.route(plan.provider, deps.providers, atLeast);
  let provider = routed ? routed.provider : plan.provider;
  let served: AnswerServing | undefined = routed?.served;
  const by = { provider: provider?.id ?? 'extractive', model: provider?.model ?? 'extractive' };
  const assistantMessageId =
    plan.replaceMessageId !== undefined
      ? deps.threads.resetAnswer(plan.replaceMessageId, by)
      : deps.threads.addMessage(plan.threadId, { role: 'assistant', content: '', status: 'streaming', ...by });
  emit({
    type: 'started',
    threadId: plan.threadId,
    userMessageId: plan.userMessageId,
    assistantMessageId,
    provider: provider?.id ?? 'extractive',
    model: provider?.model ?? 'extractive',
    query: plan.query,
  });
  const switched = (from: string, to: string, resetText: boolean) =>
    emit({
      type: 'notice',
      kind: 'model_replaced',
      previousModel: from,
      model: to,
      resetText,
      message: `Groq no longer offers ${from}, so ${to} is answering instead. It is now your Groq model.`,
    });
  if (provider?.switchedFrom) switched(provider.switchedFrom, provider.model, false);
  if (served?.channel) emit({ type: 'notice', kind: 'degraded', channel: served.channel, message: `Answering on ${channelPhrase(served.channel)} because ${served.reason ?? 'the health thresholds were crossed'}.` });

  let text = '';
  let reasoning = '';
  let used: Passage[] = [];
  let meters: AnswerMeters | null = null;
  const finish = (status: MessageRecord['status'], error?: string) =>
    deps.threads.finishAnswer(assistantMessageId, {
      content: text,
      status,
      provider: provider?.id ?? 'extractive',
      model: provider?.model ?? 'extractive',
      meters,
      error,
      sources: mapCitations(text, used).sources,
      reasoning,
      served: notices.length ? { ...served, notices } : served,
    });

  const extractively = () => {
    const started = performance.now();
    const answer = plan.extractive();
    used = answer.used;
    emit({ type: 'sources', routing: used.length ? 'retrieval' : 'none', sources: used.map((p, i) => toSource(p, i + 1, false)) });
    // Sentences because the chain stepped down are explained by its own notice, not by "get a model".
    if (served?.channel !== 'extractive') emit({ type: 'notice', kind: 'extractive', message: GET_A_MODEL });
    emit({ type: 'delta', text: answer.text });
    return { text: answer.text, meters: { provider: 'extractive', wallMs: performance.now() - started } satisfies AnswerMeters };
  };

  let retrievalMs = 0;
  /** The local model's TTFT split gains the retrieval and prompt building that ran before it. */
  const withRetrieval = (m: AnswerMeters): AnswerMeters =>
    m.provider === 'lpu' && m.ttftSplitMs ? { ...m, ttftSplitMs: { ...m.ttftSplitMs, retrieval: retrievalMs } } : m;

  const generate = async (chosen: ChatProvider) => {
    const composing = performance.now();
    const prompt = plan.compose(chosen);
    retrievalMs += performance.now() - composing;
    used = prompt.used;
    emit({ type: 'sources', routing: prompt.routing, sources: used.map((p, i) => toSource(p, i + 1, false)) });
    if (prompt.trimmedNotice) emit({ type: 'notice', kind: 'context_trimmed', ...prompt.trimmedNotice, model: chosen.model });
    let streamed = '';
    text = '';
    reasoning = '';
    const generation = { messages: prompt.messages, maxTokens: prompt.maxTokens, signal, temperature: prompt.temperature, thread: String(plan.threadId) };
    const watch = deps.degradation?.watch(chosen);
    const result = await chosen.generate(generation, (event) => {
      if (event.type === 'delta' && (event.text || event.token)) watch?.token();
      if (event.type === 'delta') {
        streamed += event.text;
        text = streamed;
      }
      if (event.type === 'reasoning') reasoning += event.text;
      // The latest running figures are kept, so an answer stopped midway still has its meters.
      if (event.type === 'meters') meters = withRetrieval(event.meters);
      emit(event.type === 'meters' ? { ...event, meters: withRetrieval(event.meters) } : event);
    });
    if (result.stopReason === 'length') {
      served = { ...served, lengthLimit: prompt.maxTokens };
      emit({ type: 'notice', kind: 'length_limit', limit: prompt.maxTokens, message: `Stopped at the ${prompt.maxTokens}-token answer limit. Ask it to continue, or raise the limit in Settings → Answers.` });
    }
    watch?.succeeded();
    return { text: result.text || streamed, meters: withRetrieval(result.meters) };
  };

  /** generate() through Groq's refusals that have a fix: a retired model, a prompt over the key's token limit. */
  const answerWith = async (chosen: ChatProvider, retries = { tooLarge: 1, replaced: 1 }): Promise<{ text: string; meters: AnswerMeters }> => {
    try {
      return await generate(chosen);
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof GroqRequestTooLarge && error.limit !== null && chosen.fitTokenLimit && retries.tooLarge > 0) {
        chosen.fitTokenLimit(error.limit);
        emit({
          type: 'notice',
          kind: 'request_too_large',
          resetText: true,
          limit: error.limit,
          model: chosen.model,
          message: `The question with its passages was over this Groq key's limit of ${error.limit} tokens per minute on ${chosen.model}; asking again with fewer passages.`,
        });
        return answerWith(chosen, { ...retries, tooLarge: retries.tooLarge - 1 });
      }
      // One replacement: a listing that offers a model the key is then refused must not send us round in circles.
      if (error instanceof AppError && error.code === 'groq_model_gone' && chosen.id === 'groq' && deps.providers.replaceGroqModel && retries.replaced > 0) {
        provider = await deps.providers.replaceGroqModel(chosen.model);
        switched(chosen.model, provider.model, true);
        return answerWith(provider, { ...retries, replaced: retries.replaced - 1 });
      }
      throw error;
    }
  };

  /** Where an answer goes after `failed` failed it: down the degradation chain, or (without one) from the cloud to the local model. */
  const fallbackAfter = async (failed: ChatProvider, error: unknown): Promise<RoutedProvider | null> => {
    if (deps.degradation) return deps.degradation.fallback(failed, error, deps.providers);
    const code = error instanceof AppError ? error.code : undefined;
    if (code !== 'groq_unreachable' && code !== 'openai_unreachable') return null;
    const local = await deps.providers.local();
    return { provider: local, channel: local ? 'lpu' : 'extractive' };
  };

  /** The notice of a fallback: the cloud's unreachable, or a local channel failed, and who answers now. */
  const fallbackNotice = (failed: ChatProvider, next: RoutedProvider, error: unknown): ChatEvent => {
    const from = failed.id === 'groq' || failed.id === 'openai' ? failed.id : null;
    const fallbackTo = next.provider ? 'lpu' : 'extractive';
    if (from) {
      // The same policy for Groq and an OpenAI-compatible server: unreachable, failing or a broken stream → local.
      const who = from === 'groq' ? 'Groq' : `The server at ${failed.server ?? 'its address'}`;
      log.warn(`${from === 'groq' ? 'Groq' : 'The OpenAI-compatible server'} is unreachable; falling back to the local model`, (error as AppError).message);
      const message = next.provider
        ? `${who} could not be reached, so the local LPU emulator is answering instead.`
        : `${who} could not be reached and no local chat model is installed, so this answer is made of sentences from your documents.`;
      return { type: 'notice', kind: 'fallback', resetText: true, fallbackTo, fallbackFrom: from, channel: next.channel, model: next.provider?.model ?? 'extractive', message };
    }
    log.warn(`${channelPhrase(channelOf(failed))} failed; answering on ${channelPhrase(next.channel)}`, (error as AppError).message);
    const message = `${next.served?.reason ?? 'The local model failed'}, so ${channelPhrase(next.channel)} is answering instead.`;
    return { type: 'notice', kind: 'fallback', resetText: true, fallbackTo, channel: next.channel, model: next.provider?.model ?? 'extractive', message: message[0]!.toUpperCase() + message.slice(1) };
  };

  /** answerWith() down the chain: a channel that fails hands the same answer to the next, so none is lost. */
  const answerOnChain = async (first: ChatProvider): Promise<{ text: string; meters: AnswerMeters }> => {
    for (let current = first; ; ) {
      try {
        return await answerWith(current);
      } catch (error) {
        if (signal.aborted) throw error;
        deps.degradation?.watch(current).failed(error);
        const next = await fallbackAfter(current, error);
        if (!next) throw error;
        provider = next.provider;
        served = next.served;
        text = '';
        reasoning = '';
        meters = null;
        emit(fallbackNotice(current, next, error));
        if (!next.provider) return extractively();
        current = next.provider;
      }
    }
  };

  try {
    const preparing = performance.now();
    const found = await plan.prepare(emit);
    retrievalMs = performance.now() - preparing;
    if (!found) {
      text = NOT_FOUND;
      emit({ type: 'sources', routing: 'none', sources: [] });
      emit({ type: 'notice', kind: 'not_found', message: 'Nothing in your documents matches this question.' });
      emit({ type: 'delta', text });
    } else if (!provider) {
      ({ text, meters } = extractively());
    } else {
      ({ text, meters } = await answerOnChain(provider));
    }
  } catch (error) {
    if (signal.aborted || (error instanceof AppError && error.code === 'cancelled')) {
      const record = finish('cancelled');
      emit({ type: 'done', message: record });
      return record;
    }
    finish('error', error instanceof AppError ? error.message : 'Something went wrong inside Lockstep. The details are in the log.');
    tap?.failed(error);
    throw error;
  }
  const record = finish('complete');
  emit({ type: 'done', message: record });
  return record;
}
