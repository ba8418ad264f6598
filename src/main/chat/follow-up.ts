import { contentTerms, words } from './terms';

// Deterministic follow-up rewriting (no model call, so it works with the toy and extractive paths too):
// a question that leans on the previous turn — it has a pronoun or opener such as "it", "they", "that",
// "what about", "and", "它", "这" — and at most two meaningful words of its own is searched together with
// the key terms (up to 6 content words) of the previous question. The user's wording is kept for the prompt.

const REFERRING = new Set(['it', 'its', 'they', 'them', 'their', 'this', 'that', 'these', 'those', 'he', 'she', 'him', 'her', 'his', 'there', 'one', 'ones']);
const OPENERS = [/^(and|also|so|but)\b/i, /^what about\b/i, /^how about\b/i, /^and what\b/i, /^why( not)?\??$/i, /^how( so)?\??$/i];
const CJK_REFERRING = /[它他她这那其該该此]/u;
const MAX_OWN_TERMS = 2;
const CARRIED_TERMS = 6;

export interface RewrittenQuery {
  /** What retrieval searches for. */
  query: string;
  /** True when terms from the previous question were added. */
  rewritten: boolean;
}

export function rewriteFollowUp(question: string, previousQuestions: string[]): RewrittenQuery {
  const previous = previousQuestions.at(-1);
  if (!previous) return { query: question, rewritten: false };
  const tokens = words(question);
  const leansOnContext =
    tokens.some((w) => REFERRING.has(w)) || OPENERS.some((opener) => opener.test(question.trim())) || CJK_REFERRING.test(question);
  const own = new Set(contentTerms(question));
  if (!leansOnContext || own.size > MAX_OWN_TERMS) return { query: question, rewritten: false };
  const carried = [...new Set(contentTerms(previous))].filter((term) => !own.has(term)).slice(0, CARRIED_TERMS);
  if (carried.length === 0) return { query: question, rewritten: false };
  return { query: `${carried.join(' ')} ${question}`, rewritten: true };
}
