import { contentTerms, words } from './terms';

// Deterministic follow-up rewriting (no model call, so it works with the toy and extractive paths too):
// a question that leans on the previous turn — it has a pronoun or opener such as "it", "they", "that",
// "what about", "and", "它", "这" — and at most three meaningful words of its own is searched together with
// the key terms (up to 6 content words) of the previous question. The user's wording is kept for the prompt.

const REFERRING = new Set(['it', 'its', 'they', 'them', 'their', 'this', 'that', 'these', 'those', 'he', 'she', 'him', 'her', 'his', 'there', 'one', 'ones']);
const OPENERS = [/^(and|also|so|but)\b/i, /^what about\b/i, /^how about\b/i, /^and what\b/i, /^why( not)?\??$/i, /^how( so)?\??$/i];
const CJK_REFERRING = /[它他她这那其該该此]/u;
const MAX_OWN_TERMS = 3;
const CARRIED_TERMS = 6;

export interface RewrittenQuery {
  /** What retrieval searches for. */
  query: string;
  /** True when terms from the previous question were added. */
  rewritten: boolean;
}

export function rewriteFollowUp(question: string, previousQuestions: string[]): RewrittenQuery {
  if (previousQuestions.length === 0) return { query: question, rewritten: false };
  const tokens = words(question);
  const cjk = CJK_REFERRING.test(question);
  const leansOnContext = cjk || tokens.some((w) => REFERRING.has(w)) || OPENERS.some((opener) => opener.test(question.trim()));
  const own = new Set(contentTerms(question));
  // CJK words are counted as character pairs, so a short CJK question is judged by its length instead.
  const short = own.size <= MAX_OWN_TERMS || (cjk && [...question].length <= 12);
  if (!leansOnContext || !short) return { query: question, rewritten: false };
  // The latest earlier question that has terms of its own (a chain of "and that?" reaches back to the topic).
  for (const previous of [...previousQuestions].reverse()) {
    const carried = [...new Set(contentTerms(previous))].filter((term) => !own.has(term)).slice(0, CARRIED_TERMS);
    if (carried.length > 0) return { query: `${carried.join(' ')} ${question}`, rewritten: true };
  }
  return { query: question, rewritten: false };
}
