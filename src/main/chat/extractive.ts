import type { Passage } from './passages';
import { contentTerms, sentences } from './terms';

export const GET_A_MODEL =
  'No chat model is installed and Groq is off, so this answer is made of the most relevant sentences from your documents. ' +
  'For written answers, download a chat model in Settings → Models, or add a Groq API key in Settings → Providers.';

// A sentence that starts as a list item ("• ", "- ", "1. ") would show a second bullet inside the answer's own list.
const LIST_MARKER = /^(?:[•·▪◦‣●○■□➢►*–—-]|\(?\d{1,2}[.)])\s+/u;
// A Markdown table row read as a sentence would show raw pipes: matching rows are shown as a table instead (extractiveTable).
const TABLE_ROW = /^\|.*\|.*\|$|^\|?\s*:?-{3,}/;

/** The sentence as it reads inside the answer's list: leading list markers removed (repeatedly: "• • text"). */
export function withoutListMarker(text: string): string {
  let out = text;
  while (LIST_MARKER.test(out)) out = out.replace(LIST_MARKER, '');
  return out;
}

interface ScoredSentence {
  text: string;
  ordinal: number;
  score: number;
  order: number;
}

/**
 * The no-model answer: sentences of the retrieved passages ranked by the query terms they contain, each
 * term weighted by how rare it is among the candidate sentences (an IDF), with a small bonus for earlier
 * passages (retrieval already ranked them). Each sentence keeps the number of the passage it came from.
 */
export function extractiveSentences(query: string, passages: Passage[], limit = 4): ScoredSentence[] {
  const queryTerms = new Set(contentTerms(query));
  const candidates = passages.flatMap((passage, index) =>
    sentences(passage.text).map((sentence, position) => ({
      text: withoutListMarker(sentence.text),
      ordinal: index + 1,
      terms: new Set(contentTerms(sentence.text)),
      order: index * 10_000 + position,
    })),
  );
  const documentFrequency = new Map<string, number>();
  for (const candidate of candidates) for (const term of candidate.terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const idf = (term: string) => Math.log(1 + candidates.length / (documentFrequency.get(term) ?? 1));

  const scored: ScoredSentence[] = [];
  const seenText = new Set<string>();
  for (const candidate of candidates) {
    let score = 0;
    for (const term of queryTerms) if (candidate.terms.has(term)) score += idf(term);
    const key = candidate.text.toLowerCase();
    // Headings and fragments (under 4 words) say little on their own.
    if (score <= 0 || seenText.has(key) || candidate.text.split(/\s+/).length < 4 || TABLE_ROW.test(candidate.text)) continue;
    seenText.add(key);
    // Very long "sentences" are usually tables or run-on extraction: rank them a little lower.
    const lengthPenalty = candidate.text.length > 400 ? 0.8 : 1;
    scored.push({ text: candidate.text, ordinal: candidate.ordinal, score: (score * lengthPenalty) / (1 + 0.05 * (candidate.ordinal - 1)), order: candidate.order });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, limit);
}

const SEPARATOR_ROW = /^\|(?:\s*:?-{3,}:?\s*\|)+\s*$/;

/**
 * The rows of one passage's Markdown table that share the most question terms, under that table's header, as a table
 * of their own (the answer renders it as one); each row's first cell carries the passage's citation. Null when no row matches.
 */
export function extractiveTable(query: string, passages: Passage[], limit = 3): string | null {
  const queryTerms = new Set(contentTerms(query));
  let best: { score: number; header: string[]; rows: string[] } | null = null;
  for (const [index, passage] of passages.entries()) {
    const lines = passage.text.split('\n');
    for (let i = 1; i < lines.length; i++) {
      if (!SEPARATOR_ROW.test(lines[i]!) || !lines[i - 1]!.trimStart().startsWith('|')) continue;
      const matched: { line: string; score: number; order: number }[] = [];
      for (let j = i + 1; j < lines.length && lines[j]!.trimStart().startsWith('|'); j++) {
        const terms = new Set(contentTerms(lines[j]!));
        const score = [...queryTerms].filter((term) => terms.has(term)).length;
        if (score > 0) matched.push({ line: lines[j]!, score, order: j });
      }
      const picked = matched.sort((a, b) => b.score - a.score || a.order - b.order).slice(0, limit);
      const score = picked.reduce((sum, row) => sum + row.score, 0);
      if (score <= (best?.score ?? 0)) continue;
      const cite = (line: string) => line.replace(/^\s*\|\s*((?:[^|\\]|\\.)*?)\s*\|/u, (_, first: string) => `| ${first ? `${first} ` : ''}[${index + 1}] |`);
      best = { score, header: [lines[i - 1]!, lines[i]!], rows: picked.sort((a, b) => a.order - b.order).map((row) => cite(row.line)) };
    }
  }
  return best ? [...best.header, ...best.rows].join('\n') : null;
}

/**
 * The answer text: the best sentences in reading order, each followed by its citation, then the table rows that answer
 * the question, as a table (never as bullets of pipes).
 */
export function extractiveAnswer(query: string, passages: Passage[]): string | null {
  const picked = extractiveSentences(query, passages).sort((a, b) => a.order - b.order);
  const table = extractiveTable(query, passages);
  if (picked.length === 0 && !table) return null;
  const bullets = picked.map((s) => `- ${s.text.length > 600 ? s.text.slice(0, 600) + ' …' : s.text} [${s.ordinal}]`).join('\n');
  return [bullets, table].filter(Boolean).join('\n\n');
}
