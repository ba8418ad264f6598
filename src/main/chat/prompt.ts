import type { ChatProvider, ChatTurn } from '../providers/provider';
import type { Passage } from './passages';

// The answering prompt. The system text is fixed per mode so the emulator's prefix cache can reuse it; the numbered
// sources follow it in the system turn (as many as fit the window after the answer budget), then the history, then
// the question as asked. A follow-up's prompt thus starts with the previous prompt and its answer when the sources
// are the same (and up to the first changed source otherwise), so a KV cache resumes instead of starting over.

export const SYSTEM_DOCUMENTS =
  'You answer questions using only the numbered sources provided. Cite every claim with the source number in square brackets, like [1] or [2][3]. ' +
  'If the sources do not contain the answer, reply exactly: "I could not find this in your documents." Do not use outside knowledge. ' +
  "Answer in the language of the question.";

export const SYSTEM_CHAT =
  'You are a helpful assistant. Numbered sources from the user\'s documents may be provided; when you use one, cite it in square brackets like [1]. ' +
  'When they are not relevant, answer from your own knowledge. Answer in the language of the question.';

export interface PromptInput {
  mode: 'documents' | 'chat';
  question: string;
  passages: Passage[];
  /** Earlier turns, oldest first; kept only as far as they fit after the sources. */
  history: ChatTurn[];
  contextTokens: number;
  countTokens(text: string): number;
  /** Tokens the chat template adds per turn (default 8). */
  turnOverheadTokens?: number;
  /** Tokens kept for the answer (default: answerBudget of the window). */
  answerTokens?: number;
}

export interface BuiltPrompt {
  messages: ChatTurn[];
  /** The passages that made it into the prompt, numbered from 1 in this order. */
  used: Passage[];
  maxTokens: number;
  trimmed: boolean;
}

/** Tokens kept for the answer: a quarter of the window, between 64 and 1024. */
export function answerBudget(contextTokens: number): number {
  return Math.max(64, Math.min(1024, Math.floor(contextTokens / 4)));
}

/** What limited the prompt, for the notice that says how many passages fit: the window or the key's token limit. */
export function promptLimit(provider: Pick<ChatProvider, 'model' | 'limitedBy' | 'contextTokens'>): { phrase: string; limit?: number } {
  return provider.limitedBy === 'token_limit'
    ? { phrase: `this Groq key's per-minute token limit on ${provider.model}`, limit: provider.contextTokens }
    : { phrase: `${provider.model}'s context window` };
}

export function pageText(passage: Pick<Passage, 'pageStart' | 'pageEnd' | 'label'>): string {
  if (passage.label) return passage.label.match(/^\d+$/) ? `p. ${passage.label}` : passage.label;
  return passage.pageStart === passage.pageEnd ? `p. ${passage.pageStart}` : `pp. ${passage.pageStart}–${passage.pageEnd}`;
}

export function formatSource(ordinal: number, passage: Passage): string {
  return `[${ordinal}] ${passage.documentTitle}, ${pageText(passage)}\n${passage.text.trim()}`;
}

/** Cuts text to roughly `tokens` tokens, at a word boundary. */
export function truncateToTokens(text: string, tokens: number, countTokens: (text: string) => number): string {
  if (countTokens(text) <= tokens) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countTokens(text.slice(0, mid)) <= tokens) low = mid;
    else high = mid - 1;
  }
  const cut = text.slice(0, low);
  const space = cut.lastIndexOf(' ');
  return (space > low * 0.8 ? cut.slice(0, space) : cut) + ' …';
}

export function buildPrompt(input: PromptInput): BuiltPrompt {
  const { countTokens } = input;
  const system = input.mode === 'documents' ? SYSTEM_DOCUMENTS : SYSTEM_CHAT;
  const maxTokens = input.answerTokens ?? answerBudget(input.contextTokens);
  const perTurn = input.turnOverheadTokens ?? 8;
  // The system and question turns; history turns pay their own framing when they fit.
  const framing = perTurn * 2;
  let budget = input.contextTokens - maxTokens - framing - countTokens(system) - countTokens(`Question: ${input.question}`) - 16;

  const used: Passage[] = [];
  const blocks: string[] = [];
  for (const passage of input.passages) {
    const block = formatSource(used.length + 1, passage);
    const cost = countTokens(block) + 2;
    if (cost <= budget) {
      used.push(passage);
      blocks.push(block);
      budget -= cost;
    } else if (used.length === 0 && budget > 48) {
      // The best passage alone is too long for a small window: keep its beginning rather than nothing.
      const header = `[1] ${passage.documentTitle}, ${pageText(passage)}\n`;
      const text = truncateToTokens(passage.text.trim(), budget - countTokens(header) - 4, countTokens);
      used.push({ ...passage, text });
      blocks.push(header + text);
      budget = 0;
    }
  }

  const history: ChatTurn[] = [];
  for (const turn of [...input.history].reverse()) {
    const cost = countTokens(turn.content) + perTurn;
    if (cost > budget) break;
    history.unshift(turn);
    budget -= cost;
  }

  const withSources = blocks.length ? `${system}\n\nSources:\n\n${blocks.join('\n\n')}` : system;
  return {
    // The question as asked: the thread stores it so, and the next prompt's history must repeat it token for token.
    messages: [{ role: 'system', content: withSources }, ...history, { role: 'user', content: input.question }],
    used,
    maxTokens,
    trimmed: used.length < input.passages.length,
  };
}
