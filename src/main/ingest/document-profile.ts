import { BLOCK_SEPARATOR } from './pages';

// What a document is about, read from its own opening pages: the organisation it belongs to, the form it is (10-K,
// 10-Q, 8-K, an earnings release) and the period it covers. Search routes a question that names an organisation and
// a fiscal year to the documents whose profile says so. Only generic cover-page wording is matched, never names.

export interface DocumentProfile {
  /** The organisation the document is from ("General Mills, Inc."), when its opening pages say so. */
  entity: string | null;
  /** Ticker symbol, when a cover or release gives one ("NYSE: JNJ"). */
  ticker: string | null;
  /** The form, normalised ("10-K", "10-Q", "8-K", "earnings release"). */
  form: string | null;
  /** Fiscal year covered (the year its period ends in) and, for quarterly documents, the quarter. */
  fiscalYear: number | null;
  quarter: number | null;
  /** Words of the file name ("JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf" → "johnson johnson 2023 q2 earnings"). */
  fileWords: string;
}

/** Pages read for the profile: cover pages and, for releases, the first paragraphs. */
export const OPENING_PAGES = 3;
const ORDINALS: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4 };
const STATEMENT_FORMS = /\bFORM\s+(10-K|10-Q|8-K|20-F|40-F|6-K)\b/i;
const PERIOD_ENDED = /\bfor\s+the\s+(fiscal\s+year|quarterly\s+period|year)\s+ended\s+([A-Za-z]+)\.?\s+(\d{1,2})\s*,?\s*(\d{4})/i;
const REPORT_DATE = /\bDate of Report[^:]*:\s*[A-Z][a-z]+\.?\s+\d{1,2}\s*,?\s*(\d{4})/i;
const QUARTER = /(?:\b(\d{4})\s+)?\b(first|second|third|fourth)[- ]quarter(?:\s+(?:of\s+)?(?:fiscal\s+)?(\d{4}))?/i;
const EXCHANGE_LISTING = /([A-Z][\w&.,' -]{1,60}?)\s*\((?:NYSE|NASDAQ|Nasdaq|NYSE American|LSE|TSX)\s*:\s*([A-Z.]{1,6})\)/;
// The cover's table of registered securities: "Common Stock, Par Value $1.00 JNJ New York Stock Exchange".
const LISTED_STOCK = /\bCommon\s+(?:Stock|Shares)\b[^\n]{0,80}?\s([A-Z]{1,5})\s+(?:New\s+York\s+Stock\s+Exchange|NYSE|The\s+Nasdaq|Nasdaq|NASDAQ)/;
const REGISTRANT = /\(\s*Exact name of (?:the\s+)?registrant as specified in its charter\s*\)/i;

/** Splits a file name into lowercase words at separators, case changes and letter/digit boundaries. */
export function fileNameWords(fileName: string): string {
  const stem = fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return stem
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/(\d{4})([A-Za-z])/g, '$1 $2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

/** The registrant's name: the block just before "(Exact name of registrant as specified in its charter)". */
function registrantName(pageTexts: string[]): string | null {
  for (const text of pageTexts) {
    const blocks = text.split(BLOCK_SEPARATOR);
    const index = blocks.findIndex((block) => REGISTRANT.test(block));
    if (index < 0) continue;
    const own = blocks[index].split(REGISTRANT)[0].trim();
    const candidate = own || blocks[index - 1]?.trim() || '';
    const name = candidate.split('\n').at(-1)!.replace(/^[_\s]+|[_\s]+$/g, '');
    if (isName(name)) return name;
  }
  return null;
}

/** Cover furniture that sits where a name would ("Commission File Number 001-02217", a form title). */
const isName = (line: string) =>
  line.length >= 2 && line.length <= 80 && /\p{L}/u.test(line) && !/commission|file\s+number|securities|washington|\bform\b|\d{3}-\d{4,}/i.test(line);

/** A cover without the registrant caption: the short capitalised line just above "FORM 10-K" ("3M COMPANY"). */
function nameAboveForm(pageTexts: string[]): string | null {
  for (const text of pageTexts) {
    const blocks = text.split(BLOCK_SEPARATOR).map((block) => block.trim());
    const index = blocks.findIndex((block) => /^FORM\s+(10-K|10-Q|8-K|20-F)\b/i.test(block));
    const above = blocks[index - 1];
    if (index > 0 && above && above === above.toUpperCase() && above.length <= 60 && isName(above)) return above;
  }
  return null;
}

/** Profiles a document from its pages' stored text (blocks joined by blank lines), first pages first. */
export function profileDocument(pageTexts: string[], fileName: string): DocumentProfile {
  const opening = pageTexts.slice(0, OPENING_PAGES);
  const text = opening.join(BLOCK_SEPARATOR);
  const listing = EXCHANGE_LISTING.exec(text);
  let entity = registrantName(opening) ?? nameAboveForm(opening) ?? listing?.[1].trim() ?? null;
  if (entity) entity = titleCase(entity);

  let form = STATEMENT_FORMS.exec(text)?.[1].toUpperCase() ?? null;
  let fiscalYear: number | null = null;
  let quarter: number | null = null;
  const ended = PERIOD_ENDED.exec(text);
  // A 52/53-week year that ends in the first days of January is named after the year before (it ended "January 1, 2023").
  if (ended) fiscalYear = Number(ended[4]) - (/^jan/i.test(ended[2]) && Number(ended[3]) <= 7 ? 1 : 0);
  if (ended && /quarterly/i.test(ended[1])) form ??= '10-Q';
  const quarterly = QUARTER.exec(text.slice(0, 3000));
  // A results announcement by a listed organisation ("Contoso (NYSE: CHC) today announced results for …").
  if (!form && listing && /\b(announced|reported|reports)\b[^.]{0,200}\bresults\b/i.test(text.slice(0, 3000))) form = 'earnings release';
  if (quarterly && (form === '10-Q' || form === '8-K' || form === 'earnings release')) {
    quarter = ORDINALS[quarterly[2].toLowerCase()];
    const year = quarterly[1] ?? quarterly[3];
    if (year) fiscalYear ??= Number(year);
  }
  fiscalYear ??= Number(REPORT_DATE.exec(text)?.[1]) || null;
  const ticker = listing?.[2] ?? LISTED_STOCK.exec(text)?.[1] ?? null;
  return { entity, ticker, form, fiscalYear, quarter, fileWords: fileNameWords(fileName) };
}

/** "GENERAL MILLS, INC." → "General Mills, Inc."; names already in mixed case are kept. */
function titleCase(name: string): string {
  // Small capitals come out of PDFs letter-spaced ("MGM R ESORTS I NTERNATIONAL"): rejoin the first letter.
  const joined = name.replace(/\b(\p{Lu}) (\p{Lu}{2,})\b/gu, '$1$2');
  if (joined !== joined.toUpperCase()) return joined;
  // Words without vowels are acronyms ("CVS", "MGM") and stay capitals.
  return joined.replace(/\p{L}+/gu, (word) => (/[AEIOUY]/.test(word) ? word[0] + word.slice(1).toLowerCase() : word));
}

/** One line naming the document for people ("General Mills, Inc. · 10-K · FY2022"), empty when nothing was found. */
export function profileLabel(profile: DocumentProfile): string {
  const period = profile.fiscalYear ? `${profile.quarter ? `Q${profile.quarter} ` : ''}FY${profile.fiscalYear}` : null;
  return [profile.entity, profile.ticker, profile.form, period].filter(Boolean).join(' · ');
}

/** Index words for the period: "fy2022", plus "q2" for quarterly documents. Queries are normalised to the same form. */
export function periodTerms(profile: DocumentProfile): string {
  if (!profile.fiscalYear) return '';
  return [`fy${profile.fiscalYear}`, profile.quarter ? `q${profile.quarter}` : ''].filter(Boolean).join(' ');
}
