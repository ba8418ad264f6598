import type { AskRequest, MessageRecord } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { ChatProvider, ChatTurn } from '../providers/provider';
import type { ProviderChoice } from '../providers/resolve';
import { extractiveAnswer } from './extractive';
import { runQuickAction } from './quick-answer';
import { rewriteFollowUp } from './follow-up';
import type { Passage } from './passages';
import { answerBudget, buildPrompt, promptLimit } from './prompt';
import { NOT_FOUND, type AnswerDeps, type AnswerPlan, type Emit } from './respond';
import { respondThroughCache } from './respond-cached';
import { threadTitle } from './threads';

// Questions: follow-up rewriting against the thread → retrieval (or the selected documents whole, when they
// fit the window) → a prompt with numbered sources → respond() streams, cites and persists.

const HISTORY_MESSAGES = 6;

interface Question {
  threadId: number;
  userMessageId: number;
  question: string;
  mode: 'documents' | 'chat';
  workspaceId: number;
  documentIds?: number[];
  provider: ChatProvider | null;
}

function priorTurns(deps: AnswerDeps, threadId: number, beforeMessageId: number) {
  const messages = deps.threads.messages(threadId).filter((m) => m.id < beforeMessageId && m.status === 'complete');
  return {
    questions: messages.filter((m) => m.role === 'user').map((m) => m.content),
    history: messages.slice(-HISTORY_MESSAGES).map((m): ChatTurn => ({ role: m.role, content: m.content })),
  };
}

function questionPlan(deps: AnswerDeps, q: Question): AnswerPlan {
  const prior = priorTurns(deps, q.threadId, q.userMessageId);
  const { query, rewritten } = rewriteFollowUp(q.question, prior.questions);
  let searched: Passage[] = [];
  return {
    threadId: q.threadId,
    userMessageId: q.userMessageId,
    provider: q.provider,
    query,
    workspaceId: q.workspaceId,
    async prepare(emit: Emit) {
      // Free chat talks to the model alone: nothing is searched, so nothing can be cited.
      if (q.mode === 'chat') return true;
      if (rewritten) emit({ type: 'notice', kind: 'follow_up', message: `Searched for: ${query}`, query });
      const { topK } = deps.settings.get();
      const result = await deps.passages.search({ query, k: topK, workspaceId: q.workspaceId, documentIds: q.documentIds });
      searched = result.passages;
      if (result.notice) emit({ type: 'notice', kind: 'keyword_only', message: result.notice, ...(result.noticeReason ? { reason: result.noticeReason } : {}) });
      const wholeDocumentsAvailable = (q.documentIds?.length ?? 0) > 0;
      return searched.length > 0 || wholeDocumentsAvailable;
    },
    compose(provider) {
      const countTokens = (t: string) => provider.countTokens(t);
      // The user's answer limit, kept below half the window so the question and its sources still fit.
      const { maxAnswerTokens } = deps.settings.get();
      const answerTokens = maxAnswerTokens === null ? provider.answerTokens : Math.min(maxAnswerTokens, Math.floor(provider.contextTokens / 2));
      // Selected documents that fit the window go in whole, in reading order; otherwise the search results do.
      const budget = provider.contextTokens - (answerTokens ?? answerBudget(provider.contextTokens)) - 256;
      const whole = q.mode === 'documents' && q.documentIds?.length ? deps.passages.wholeDocuments(q.documentIds, budget, countTokens) : null;
      const candidates = whole ?? searched;
      const prompt = buildPrompt({ mode: q.mode, question: q.question, passages: candidates, history: prior.history, contextTokens: provider.contextTokens, countTokens, turnOverheadTokens: provider.turnOverheadTokens, answerTokens });
      const limit = promptLimit(provider);
      return {
        messages: prompt.messages,
        used: prompt.used,
        maxTokens: prompt.maxTokens,
        routing: whole ? 'whole_documents' : prompt.used.length ? 'retrieval' : 'none',
        trimmedNotice: prompt.trimmed
          ? { message: `${prompt.used.length} of ${candidates.length} passages fit ${limit.phrase}.`, used: prompt.used.length, total: candidates.length, limit: limit.limit }
          : undefined,
      };
    },
    extractive() {
      const body = extractiveAnswer(query, searched);
      // How to get a model travels as the 'extractive' notice, which the UI translates and the CLI prints.
      const text = body ?? (q.mode === 'documents' ? NOT_FOUND : 'There is no chat model to answer with.');
      return { text, used: searched };
    },
  };
}

/** No selection means the whole workspace. */
const nonEmpty = (ids: number[]) => (ids.length ? ids : undefined);

export async function ask(deps: AnswerDeps, request: AskRequest, emit: Emit, signal: AbortSignal): Promise<MessageRecord> {
  const provider = await deps.providers.choose({ provider: request.provider, model: request.model });
  const thread = request.threadId ? deps.threads.thread(request.threadId) : deps.threads.create(request.workspaceId ?? 1, threadTitle(request.question));
  const mode = request.mode ?? deps.settings.get().answerMode;
  const documentIds = deps.threads.documentsInWorkspace(request.documentIds ?? [], thread.workspaceId);
  const userMessageId = deps.threads.addMessage(thread.id, { role: 'user', content: request.question, scope: { kind: 'question', mode, documentIds } });
  const plan = questionPlan(deps, { threadId: thread.id, userMessageId, question: request.question, mode, workspaceId: thread.workspaceId, documentIds: nonEmpty(documentIds), provider });
  return respondThroughCache(deps, plan, { workspaceId: thread.workspaceId, mode, documentIds }, emit, signal);
}

/** Answers the question before an assistant message again, replacing that message. */
export async function regenerate(deps: AnswerDeps, request: { messageId: number; mode?: 'documents' | 'chat' } & ProviderChoice, emit: Emit, signal: AbortSignal): Promise<MessageRecord> {
  const answer = deps.threads.message(request.messageId);
  if (answer.role !== 'assistant') throw new AppError('not_an_answer', 'Only answers can be regenerated: pick the answer, not the question.');
  const question = deps.threads
    .messages(answer.threadId)
    .filter((m) => m.role === 'user' && m.id < answer.id)
    .at(-1);
  if (!question) throw new AppError('message_not_found', 'The question for this answer no longer exists.');
  const thread = deps.threads.thread(answer.threadId);
  // Ask exactly what was asked: the same quick action, or the same mode over the same selected documents.
  const scope = deps.threads.scope(question.id);
  if (scope?.kind === 'quick_action') {
    return runQuickAction(deps, { action: scope.action, documentId: scope.documentId, provider: request.provider, model: request.model }, emit, signal, {
      threadId: thread.id,
      userMessageId: question.id,
      replaceMessageId: answer.id,
    });
  }
  const provider = await deps.providers.choose({ provider: request.provider, model: request.model });
  const mode = request.mode ?? scope?.mode ?? deps.settings.get().answerMode;
  const documentIds = scope ? nonEmpty(deps.threads.documentsInWorkspace(scope.documentIds, thread.workspaceId)) : undefined;
  const plan = questionPlan(deps, { threadId: thread.id, userMessageId: question.id, question: question.content, mode, workspaceId: thread.workspaceId, documentIds, provider });
  // Regenerating (replaceMessageId) asks the model again whatever the cache holds; the new answer replaces the stored one.
  return respondThroughCache(deps, { ...plan, replaceMessageId: answer.id }, { workspaceId: thread.workspaceId, mode, documentIds }, emit, signal);
}
