import { segmentForIndex } from '../text/segment';

// Turns what a user typed into a safe FTS5 MATCH expression: every term quoted, terms OR-ed, no raw syntax passed through.

/** Lucene's English stop words (what Anserini's BM25 baselines drop); they only add noise to an OR query. */
export const STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);

/** A query longer than this many distinct terms is cut: FTS5 cost grows with every OR branch. */
const MAX_TERMS = 64;

/** The query's distinct terms as the index tokenizes them (unicode61 splits on anything but letters and digits). */
export function queryTerms(query: string, limit = MAX_TERMS): string[] {
  const words = segmentForIndex(query.normalize('NFKC')).toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const distinct = [...new Set(words)];
  const content = distinct.filter((word) => !STOP_WORDS.has(word));
  return (content.length > 0 ? content : distinct).slice(0, limit);
}

/** `"term1" OR "term2" …`, or null when the query has no searchable word. */
export function matchExpression(query: string): string | null {
  const terms = queryTerms(query);
  if (terms.length === 0) return null;
  // Terms hold only letters, digits and marks, so quoting cannot be broken out of; doubling quotes is belt and braces.
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
