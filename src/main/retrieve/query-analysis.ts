import { queryTerms } from './keyword-query';

// What a question's words are worth to a keyword search. Questions carry words about the answer's form ("in USD
// millions", "round to two decimal places", "answer in percents") that name nothing in the documents; ranked by IDF
// they are rare in filings and pull in bond definitions and rounding notes. They are folded out, periods are written
// the way documents are profiled ("FY21", "fiscal 2021" → fy2021), and bare small numbers are dropped.

/** Units, number words and formatting words: they describe the answer, not where it is. */
const UNIT_WORDS = new Set(
  'usd dollar dollars eur euro euros gbp million millions billion billions thousand thousands mn bn percent percents decimal decimals places round rounded rounding nearest'.split(' '),
);

/** Words that ask for the answer rather than say what it is about (the part of a question a search should not match). */
const INSTRUCTION_WORDS = new Set(
  ('what how much many which who whom whose when where why does did do has have had can could should would ' +
    'please help us we you your our me i answer answers respond response question questions calculate compute computing ' +
    'calculation approximate approximation reasonable exact possible provide provided give given utilize utilizing ' +
    'basing primarily mainly plainly outlined shown stated details define defined assume assuming approach judgment judgments ' +
    'resource resources extract extracting following best abilities ability roughly approximately explain explaining whether here'
  ).split(' '),
);

/** Bare numbers up to this many digits carry nothing a page can be found by ("3 year", "365 *"); years are kept. */
const SMALL_NUMBER = /^\d{1,3}$/;

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
  const raw = queryTerms(query, Infinity);
  const kept = raw.filter((term) => !UNIT_WORDS.has(term) && !INSTRUCTION_WORDS.has(term) && !SMALL_NUMBER.test(term) && !/^fy\d{2}$/.test(term));
  const terms = [...new Set([...(kept.length > 0 ? kept : raw), ...periods])];
  return { terms, periods };
}
