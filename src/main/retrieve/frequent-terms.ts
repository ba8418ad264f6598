import type { Db } from '../store/db';
import { segmentForIndex } from '../text/segment';

// Which index terms have the longest posting lists that searches still rank by, estimated from a sample of chunks
// tokenized by the keyword index's own tokenizer (a temporary FTS5 table): reading the true document frequency of
// every term would walk the whole index (seconds at 1M chunks), while a few thousand chunks name the frequent terms.

export interface FrequentTermOptions {
  /** Rows in the index (the estimate's scale). */
  rowCount: number;
  /** The keyword index's tokenize option (bm25-postings.ts keywordTokenizer). */
  tokenizer: string;
  /** Chunks read, evenly spaced by id. */
  sampleRows: number;
  /** Terms estimated in fewer rows than this are left out (their lists read in about a millisecond when asked for). */
  minRows: number;
  /** Terms estimated in more than this share of rows are left out (ranked queries leave them out too). */
  maxShare: number;
}

const SAMPLE_TABLE = 'temp.lockstep_term_sample';
const SAMPLE_ROWS_PER_STEP = 64;

/** A candidate term and the rows it is estimated to be in. */
export interface FrequentTerm {
  term: string;
  rows: number;
}

/** The candidate terms, most frequent first, as estimated; a generator that yields between pages of the sample. */
export function* frequentTerms(db: Db, options: FrequentTermOptions): Generator<void, FrequentTerm[]> {
  const { lo, hi } = db.prepare('SELECT (SELECT MIN(id) FROM chunks) AS lo, (SELECT MAX(id) FROM chunks) AS hi').get() as { lo: number | null; hi: number | null };
  if (lo === null || hi === null) return [];
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${SAMPLE_TABLE} USING fts5(body, heading, context, content = '', tokenize = '${options.tokenizer.replaceAll("'", "''")}');
    CREATE VIRTUAL TABLE IF NOT EXISTS temp.lockstep_term_sample_rows USING fts5vocab(temp, lockstep_term_sample, row);`);
  const clear = () => db.prepare(`INSERT INTO ${SAMPLE_TABLE} (lockstep_term_sample) VALUES ('delete-all')`).run();
  clear();
  try {
    const next = db.prepare('SELECT id, text, heading_path AS heading, context FROM chunks WHERE id >= ? ORDER BY id LIMIT 1');
    const insert = db.prepare(`INSERT INTO ${SAMPLE_TABLE} (rowid, body, heading, context) VALUES (?, ?, ?, ?)`);
    let sampled = 0;
    let last = -1;
    for (let i = 0; i < options.sampleRows; i++) {
      const row = next.get(Math.floor(lo + ((hi - lo + 1) * i) / options.sampleRows)) as { id: number; text: string; heading: string; context: string } | undefined;
      if (row && row.id !== last) {
        insert.run(row.id, segmentForIndex(row.text), segmentForIndex(row.heading ?? ''), segmentForIndex(row.context ?? ''));
        sampled++;
        last = row.id;
      }
      if (i % SAMPLE_ROWS_PER_STEP === SAMPLE_ROWS_PER_STEP - 1) yield;
    }
    const counts = db.prepare('SELECT term, doc FROM temp.lockstep_term_sample_rows').raw().all() as [string, number][];
    const scale = options.rowCount / Math.max(1, sampled);
    return counts
      .map(([term, doc]) => ({ term, rows: doc * scale }))
      .filter(({ rows }) => rows >= options.minRows && rows <= options.maxShare * options.rowCount)
      .sort((a, b) => b.rows - a.rows);
  } finally {
    if (db.open) clear();
  }
}
