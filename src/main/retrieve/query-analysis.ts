import { queryTerms } from './keyword-query';

// What a question's words are worth to a keyword search. Questions carry phrases about the answer's form ("in USD
// millions", "round to two decimal places", "answer in percents") that name nothing in the documents; ranked by IDF
// they are rare in filings and pull in bond definitions and rounding notes. They are folded out, and periods are
// written the way documents are profiled ("FY21", "fiscal 2021" → fy2021).

/**
 * Phrases that say in what form to answer ("in USD millions", "in units of percents", "round to two decimal places",
 * "to the nearest tenth"): removed before the query is split into terms. Only the phrases go, so "million" or
 * "percent" in a question about them still count (measured on SciFact: folding the words everywhere cost 0.001 nDCG@10).
 */
const ANSWER_FORM = [
  /\b(?:in|as|into)\s+(?:units\s+of\s+)?(?:(?:usd|us\$|\$|eur|euros?|gbp|dollars?)\s+)?(?:thousands|millions|billions|trillions|percents?|percentages?|percentage\s+points|basis\s+points|dollars)\b/gi,
  /\b(?:usd|us\$|eur|gbp)\s+(?:thousands|millions|billions)\b/gi,
  /\bround(?:ed|ing)?\b[^.?!;]{0,40}?\b(?:decimal\s+places?|decimals?|digits?|places?|nearest\s+\w+)/gi,
  /\bto\s+the\s+nearest\s+(?:whole\s+)?\w+/gi,
  /\b(?:one|two|three|four|\d)\s+decimal\s+places?\b/gi,
];

/** Words that ask for the answer rather than say what it is about (the part of a question a search should not match). */
const INSTRUCTION_WORDS = new Set(
  ('what how much many which who whom whose when where why does did do has have had can could should would ' +
    'please help us we you your our me i answer answers respond response question questions calculate compute computing ' +
    'calculation approximate approximation reasonable exact possible provide provided give given utilize utilizing ' +
    'basing primarily mainly plainly outlined shown stated details define defined assume assuming approach judgment judgments ' +
    'resource resources extract extracting following best abilities ability roughly approximately explain explaining whether here'
  ).split(' '),
);

export interface AnalysedQuery {
  /** Terms to rank by, as the index tokenizes them. */
  terms: string[];
  /** Period terms found ("fy2021", "q2"), also among terms: they route to documents profiled with that period. */
  periods: string[];
}

/** Two-digit fiscal years are read as 20xx (a library of 1990s filings is rare enough to accept the miss). */
const fiscalYear = (digits: string) => (digits.length === 2 ? `20${digits}` : digits);

/** Period words as documents are profiled: "FY21" / "FY 2021" / "fiscal 2021" / "fiscal year 2021" → fy2021, "Q2" → q2. */
export function periodTermsOf(query: string): string[] {
  const periods = new Set<string>();
  for (const m of query.matchAll(/\b(?:FY|fiscal(?:\s+year)?)\s*'?(\d{4}|\d{2})\b/gi)) periods.add(`fy${fiscalYear(m[1])}`);
  for (const m of query.matchAll(/\bQ([1-4])\b/gi)) periods.add(`q${m[1]}`);
  for (const m of query.matchAll(/\b(first|second|third|fourth)[- ]quarter\b/gi)) periods.add(`q${['first', 'second', 'third', 'fourth'].indexOf(m[1].toLowerCase()) + 1}`);
  return [...periods];
}

/** The query's terms with answer-form words folded out and periods normalised. */
export function analyseQuery(query: string): AnalysedQuery {
  const periods = periodTermsOf(query);
  // A possessive's "s" ("Pfizer's") is a term of its own to the tokenizer, found in half of all passages.
  const stripped = ANSWER_FORM.reduce((text, phrase) => text.replace(phrase, ' '), query).replace(/(\p{L})['’]s\b/gu, '$1');
  const raw = queryTerms(stripped, Infinity);
  const kept = raw.filter((term) => !INSTRUCTION_WORDS.has(term) && !/^fy\d{2}$/.test(term));
  const terms = [...new Set([...(kept.length > 0 ? kept : raw), ...periods])];
  return { terms, periods };
}
