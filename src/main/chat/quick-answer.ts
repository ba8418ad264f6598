import type { MessageRecord, QuickAction } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { ProviderChoice } from '../providers/resolve';
import { extractiveSentences } from './extractive';
import type { Passage } from './passages';
import { formatSource, promptLimit, truncateToTokens } from './prompt';
import { quickActionLabel, quickActionMessages, quickActionSystemPrompt, translationTarget } from './quick-actions';
import type { AnswerDeps, Emit } from './respond';
import { respondThroughCache } from './respond-cached';
import { threadTitle } from './threads';
import { contentTerms } from './terms';

/** The document's most frequent content words: the "query" that picks central sentences without a model. */
function centralTerms(pages: Passage[], count = 12): string {
  const frequency = new Map<string, number>();
  for (const page of pages) for (const term of contentTerms(page.text)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  return [...frequency.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([term]) => term)
    .join(' ');
}

export async function runQuickAction(
  deps: AnswerDeps,
  request: { action: QuickAction; documentId: number; threadId?: number } & ProviderChoice,
  emit: Emit,
  signal: AbortSignal,
  /** Regenerating: answer again under the existing question, over the existing answer, instead of asking anew. */
  existing?: { threadId: number; userMessageId: number; replaceMessageId: number },
): Promise<MessageRecord> {
  const document = deps.passages.document(request.documentId);
  if (!document) throw new AppError('document_not_found', 'That document is no longer in the library.');
  const { pages } = document;
  if (pages.length === 0) throw new AppError('document_empty', 'This document has no text yet: wait until it is indexed, or re-add it.');
  const title = pages[0].documentTitle;
  const target = translationTarget(pages.map((p) => p.text).join(' ').slice(0, 20_000));
  const label = quickActionLabel(request.action, title, target);
  const provider = await deps.providers.choose({ provider: request.provider, model: request.model });
  if (!provider && request.action === 'translate') {
    throw new AppError('no_chat_model', 'Translation needs a chat model: download one in Settings → Models, or add a Groq API key in Settings → Providers.');
  }
  const threadId = existing?.threadId ?? request.threadId;
  const thread = threadId ? deps.threads.thread(threadId) : deps.threads.create(document.workspaceId, threadTitle(label));
  const userMessageId =
    existing?.userMessageId ??
    deps.threads.addMessage(thread.id, { role: 'user', content: label, scope: { kind: 'quick_action', action: request.action, documentId: request.documentId } });

  // Through the answer cache like a question: the label names the action, the document and the translation target.
  return respondThroughCache(
    deps,
    {
      threadId: thread.id,
      userMessageId,
      replaceMessageId: existing?.replaceMessageId,
      provider,
      query: label,
      prepare: async () => true,
      compose(provider) {
        const countTokens = (t: string) => provider.countTokens(t);
        const overhead = countTokens(quickActionSystemPrompt(request.action)) + 2 * (provider.turnOverheadTokens ?? 8) + 48;
        const room = provider.contextTokens - overhead;
        // A translation is about as long as its source: split the window evenly; summaries need far less.
        const base = request.action === 'translate' ? Math.floor(room / 2) : Math.max(64, Math.min(768, Math.floor(room / 4)));
        // Reasoning models think before they write: give them their larger answer budget, up to half the room.
        const maxTokens = Math.min(Math.max(base, provider.answerTokens ?? 0), Math.max(base, Math.floor(room / 2)));
        let budget = room - maxTokens;
        const used: Passage[] = [];
        for (const page of pages) {
          const cost = countTokens(formatSource(used.length + 1, page)) + 2;
          if (cost > budget) break;
          used.push(page);
          budget -= cost;
        }
        if (used.length === 0) {
          // Not even the first page fits: keep as much of it as the window allows, measured in the model's tokens.
          const frame = countTokens(formatSource(1, { ...pages[0], text: '' })) + 2;
          used.push({ ...pages[0], text: truncateToTokens(pages[0].text, Math.max(16, budget - frame), countTokens) });
        }
        const numbered = used.map((page, i) => formatSource(i + 1, page)).join('\n\n');
        return {
          messages: quickActionMessages(request.action, numbered, target),
          used,
          maxTokens,
          routing: 'whole_documents',
          temperature: 0,
          trimmedNotice:
            used.length < pages.length
              ? { message: `The first ${used.length} of ${pages.length} pages fit ${promptLimit(provider).phrase}.`, used: used.length, total: pages.length, limit: promptLimit(provider).limit }
              : undefined,
        };
      },
      extractive() {
        // Reached without a model only after Groq failed mid-translation: sentences are no translation.
        if (request.action === 'translate') {
          throw new AppError('no_chat_model', 'Groq could not be reached and no local chat model is installed, so the document cannot be translated now.');
        }
        const picked = extractiveSentences(centralTerms(pages), pages, request.action === 'summarize' ? 5 : 8).sort((a, b) => a.order - b.order);
        const text = picked.map((s) => `${request.action === 'key_points' ? '- ' : ''}${s.text} [${s.ordinal}]`).join(request.action === 'key_points' ? '\n' : ' ');
        return { text: text || 'This document has too little text to summarize.', used: pages };
      },
    },
    { workspaceId: document.workspaceId, mode: 'quick_action', documentIds: [request.documentId] },
    emit,
    signal,
  );
}
