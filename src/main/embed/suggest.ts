import type { Db } from '../store/db';

// English-only embedders place other languages poorly; when most of the library is not English, the UI suggests the
// multilingual model. Text counts as English when it is in Latin script and uses many English function words.

export const MULTILINGUAL_EMBEDDER_ID = 'Xenova/multilingual-e5-small';
const ENGLISH_ONLY = new Set(['Xenova/all-MiniLM-L6-v2', 'Xenova/bge-small-en-v1.5']);

const FUNCTION_WORDS = new Set(
  'the of and to in is that for it with as was on be by are this from or at an which have not has were but their its also can been'.split(' '),
);
/** Documents sampled: enough for a majority vote, cheap on any library. */
const SAMPLE_DOCUMENTS = 200;

export function looksEnglish(text: string): boolean {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return true;
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  const latinLetters = text.match(/[a-zA-Z]/g)?.length ?? 0;
  if (latinLetters < letters * 0.8) return false;
  const found = words.filter((word) => FUNCTION_WORDS.has(word));
  // Long technical text (tables of contents, commands) has a low share but many different function words; other
  // Latin-script languages share a few of them ("in", "an") but not many.
  return new Set(found).size >= 8 || found.length >= words.length * 0.15;
}

/** The multilingual model's id when most sampled documents are not English and the model in use is English-only. */
export function suggestedEmbedder(db: Db, currentModelId: string | null): string | null {
  if (currentModelId !== null && !ENGLISH_ONLY.has(currentModelId)) return null;
  // The first few chunks of each recent document: enough prose to outweigh a title page or a table.
  const samples = db
    .prepare(
      `SELECT group_concat(text, ' ') AS text FROM chunks WHERE ordinal < 5 AND document_id IN (SELECT id FROM documents ORDER BY id DESC LIMIT ?)
       GROUP BY document_id`,
    )
    .all(SAMPLE_DOCUMENTS) as { text: string }[];
  if (samples.length === 0) return null;
  const english = samples.filter((sample) => looksEnglish(sample.text)).length;
  return english * 2 < samples.length ? MULTILINGUAL_EMBEDDER_ID : null;
}
