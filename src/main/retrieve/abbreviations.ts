import type { Db } from '../store/types';
import { queryTerms } from './keyword-query';

// A library's own abbreviations, mined from definitions in its text ("property, plant and equipment (PP&E)",
// "earnings per share ("EPS")"), expand a query that uses the short form, so it also matches pages that spell it out.

export interface Abbreviation {
  /** The short form as a lookup key: letters and digits only, lowercase ("PP&E" → "ppe"). */
  short: string;
  /** The long form as defined ("property, plant and equipment"). */
  expansion: string;
}

export const abbreviationKey = (short: string) => short.normalize('NFKC').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();

// A parenthesised short form of 2–10 characters with at least two capitals, optionally quoted; "or" / "the" may lead.
const DEFINITION = /\(\s*(?:the\s+|or\s+)?["“']?([A-Za-z][A-Za-z0-9&.\-/]{1,9})["”']?\s*\)/g;
const SMALL_WORDS = new Set(['and', 'of', 'the', 'for', 'in', 'on', 'to', 'a', 'an', '&']);

/**
 * The long form ending just before a definition: the shortest run of preceding words whose initials spell the short
 * form's capitals in order (Schwartz & Hearst 2003, simplified to initials), small words allowed in between.
 */
function longFormBefore(words: string[], letters: string): string | null {
  for (let take = 1; take <= Math.min(words.length, letters.length * 2 + 2); take++) {
    const run = words.slice(words.length - take);
    const first = run[0].replace(/^[^\p{L}]+/u, '');
    if (!first || SMALL_WORDS.has(first.toLowerCase())) continue;
    const bare = run.map((word) => word.replace(/^[^\p{L}\p{N}]+/u, '')).filter(Boolean);
    const initials = (words: string[]) => words.map((word) => word[0].toLowerCase()).join('');
    // Small words may or may not count ("cost of goods sold" is COGS, "property, plant and equipment" is PP&E).
    if (initials(bare.filter((word) => !SMALL_WORDS.has(word.toLowerCase()))) === letters || initials(bare) === letters) return run.join(' ').replace(/[,;:]+$/, '');
  }
  return null;
}

/** Definitions found in a text; each short form appears once, with its first long form. */
export function mineAbbreviations(text: string): Abbreviation[] {
  const found = new Map<string, string>();
  for (const match of text.matchAll(DEFINITION)) {
    const short = match[1];
    if ((short.match(/\p{Lu}/gu)?.length ?? 0) < 2) continue;
    const key = abbreviationKey(short);
    // Letters the long form's initials must spell: the capitals ("PP&E" → "ppe", "EPS" → "eps").
    const letters = (short.match(/\p{Lu}/gu) ?? []).join('').toLowerCase();
    if (key.length < 2 || found.has(key)) continue;
    const before = text.slice(Math.max(0, match.index - 160), match.index).replace(/\s+/g, ' ').trim().split(' ');
    const expansion = longFormBefore(before, letters);
    if (expansion && expansion.length > short.length) found.set(key, expansion);
  }
  return [...found].map(([short, expansion]) => ({ short, expansion }));
}

/** Long forms of the short forms a query uses that passages never spell as one word, from every document's definitions (most often defined first). */
export function expansionsFor(db: Db, query: string, limitPerShort = 2): string[] {
  const words = query.match(/[\p{L}\p{N}][\p{L}\p{N}&.\-/]*[\p{L}\p{N}]/gu) ?? [];
  // Only words written as short forms (two capitals: "PP&E", "EPS"): "all" is a word even where ALL is defined.
  const spellings = new Map<string, string>();
  for (const word of words) if (/\p{Lu}.*\p{Lu}/u.test(word) && abbreviationKey(word).length >= 2) spellings.set(abbreviationKey(word), word);
  const candidates = [...spellings.keys()];
  if (candidates.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT short, expansion, COUNT(*) AS n FROM abbreviations WHERE short IN (SELECT value FROM json_each(?))
       GROUP BY short, lower(expansion) ORDER BY short, n DESC`,
    )
    .all(JSON.stringify(candidates)) as { short: string; expansion: string }[];
  // A short form the passages spell ("TNF", "IL-6", "PP&E") already matches itself; expanding it only dilutes the query.
  const found = db.prepare('SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1');
  const spelled = (key: string) => {
    const phrase = queryTerms(spellings.get(key)!, Infinity).join(' ');
    return found.get(`"${key}"`) !== undefined || (phrase !== '' && found.get(`"${phrase}"`) !== undefined);
  };
  const needsExpansion = new Map<string, boolean>();
  const perShort = new Map<string, string[]>();
  for (const row of rows) {
    if (!needsExpansion.has(row.short)) needsExpansion.set(row.short, !spelled(row.short));
    if (!needsExpansion.get(row.short)) continue;
    const list = perShort.get(row.short) ?? [];
    if (list.length < limitPerShort) list.push(row.expansion);
    perShort.set(row.short, list);
  }
  return [...perShort.values()].flat();
}
