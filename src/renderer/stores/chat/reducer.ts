import type { AnswerServing, AnswerSource, ChatEvent, MessageRecord } from '../../../shared/contract/chat';

// Folds one answer's stream events into the message the chat shows. Pure: the store owns ids and side effects.

/** A notice as the server sent it: its English sentence plus the facts that let the UI say it in another language. */
export type Notice = { kind: string; message: string } & Partial<
  Pick<Extract<ChatEvent, { type: 'notice' }>, 'secondsLeft' | 'fallbackTo' | 'fallbackFrom' | 'channel' | 'used' | 'total' | 'model' | 'query' | 'previousModel' | 'limit' | 'reason'>
>;

/** A reasoning model's thinking: shown apart from the answer with its token count and duration. */
export interface Thinking {
  text: string;
  tokens: number | null;
  ms: number | null;
}

export interface ChatMessage {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  status: MessageRecord['status'];
  provider: string | null;
  model: string | null;
  sources: AnswerSource[];
  uncited: boolean;
  error: string | null;
  /** The AppError code of a failed answer, so the UI can offer the fix (e.g. groq_no_key → provider settings). */
  errorCode: string | null;
  notices: Notice[];
  /** The query actually searched when follow-up rewriting changed it. */
  query: string | null;
  /** Null for answers from models that do not reason. */
  thinking: Thinking | null;
  /** From the answer cache, or from a lower step of the degradation chain and why (null for most answers). */
  served: AnswerServing | null;
}

function thinkingOf(reasoning: string | undefined, meters: MessageRecord['meters']): Thinking | null {
  if (!reasoning) return null;
  const remote = meters?.provider === 'groq' || meters?.provider === 'openai' ? meters : null;
  return { text: reasoning, tokens: remote?.reasoningTokens ?? null, ms: remote?.reasoningMs ?? null };
}

/**
 * The notices an answer carried, as stored with it. Answers stored before notices were kept rebuild the two that
 * matter most: made of extracted sentences (and how to get a model), and cut at the answer limit (with Continue).
 */
function storedNotices(record: MessageRecord): Notice[] {
  if (record.served?.notices) return record.served.notices;
  return [
    ...(record.provider === 'extractive' ? [{ kind: 'extractive', message: '' }] : []),
    ...(record.served?.lengthLimit ? [{ kind: 'length_limit', message: '', limit: record.served.lengthLimit }] : []),
  ];
}

export function fromRecord(record: MessageRecord): ChatMessage {
  return {
    id: record.id,
    role: record.role,
    content: record.content,
    status: record.status,
    provider: record.provider,
    model: record.model,
    sources: record.sources,
    uncited: record.uncited,
    error: record.error,
    errorCode: null,
    notices: storedNotices(record),
    query: null,
    thinking: thinkingOf(record.reasoning, record.meters),
    served: record.served ?? null,
  };
}

export function draftMessage(id: number, role: ChatMessage['role'], content = ''): ChatMessage {
  return { id, role, content, status: role === 'user' ? 'complete' : 'streaming', provider: null, model: null, sources: [], uncited: false, error: null, errorCode: null, notices: [], query: null, thinking: null, served: null };
}

export function foldChatEvent(message: ChatMessage, event: ChatEvent): ChatMessage {
  switch (event.type) {
    case 'started':
      return { ...message, id: event.assistantMessageId, provider: event.provider, model: event.model, query: event.query };
    case 'sources':
      return { ...message, sources: event.sources };
    case 'delta':
      return { ...message, content: message.content + event.text };
    case 'reasoning': {
      const thinking = message.thinking ?? { text: '', tokens: null, ms: null };
      return { ...message, thinking: { ...thinking, text: thinking.text + event.text } };
    }
    case 'notice': {
      // A countdown replaces its previous tick instead of stacking one notice per second.
      const notices = message.notices.filter((n) => n.kind !== event.kind);
      const content = event.resetText ? '' : message.content;
      const thinking = event.resetText ? null : message.thinking;
      const { type: _type, resetText: _resetText, ...notice } = event;
      return { ...message, content, thinking, notices: [...notices, notice] };
    }
    case 'done':
      return { ...fromRecord(event.message), notices: message.notices.filter((n) => n.kind !== 'rate_limited'), query: message.query };
    case 'meters': {
      // Live thinking figures ride on Groq's (or the server's) running meters.
      const meters = event.meters.provider === 'groq' || event.meters.provider === 'openai' ? event.meters : null;
      if (!message.thinking || !meters) return message;
      return { ...message, thinking: { ...message.thinking, tokens: meters.reasoningTokens ?? message.thinking.tokens, ms: meters.reasoningMs ?? message.thinking.ms } };
    }
  }
}

/** Splits answer text so each [n] that names a known source becomes a citation; code spans are left alone. */
export function linkCitations(markdown: string, ordinals: ReadonlySet<number>): string {
  return markdown
    .split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?!\()/g, (match, list: string) => citationLinks(match, list, ordinals))))
    .join('');
}

function citationLinks(match: string, list: string, ordinals: ReadonlySet<number>): string {
  const numbers = list.split(/\s*,\s*/).map(Number);
  return numbers.every((n) => ordinals.has(n)) ? numbers.map((n) => `[${n}](#cite-${n})`).join('') : match;
}
