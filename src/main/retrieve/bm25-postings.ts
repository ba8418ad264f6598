import type { Db } from '../store/db';

// FTS5's bm25() ranking of OR-ed terms, computed from posting lists held in memory instead of by FTS5 itself. FTS5
// scores every row a query matches with a docsize lookup and a walk of its instances (~1 µs a row, most of a search at
// 100k chunks); here each term's postings (read once through fts5vocab) and every row's length (chunks_fts_docsize)
// stay resident and the same formula runs over typed arrays. It is FTS5's formula step for step (fts5_aux.c: k1 1.2,
// b 0.75, IDF floored at 1e-6, a phrase's frequency summed instance by instance with its column's weight, a row's length
// over all columns, the average from the index's own totals), and ties go to the lower rowid as SQLite's sorter leaves
// them, so the top k is the one `ORDER BY bm25(…) LIMIT k` returns. Everything is keyed by the FTS5 averages and
// structure records, which change with every committed write: stale postings are never served.

export interface Bm25Hit {
  chunkId: number;
  /** bm25() negated: higher is better. */
  score: number;
}

const K1 = 1.2;
const B = 0.75;
/** The FTS5 table this ranks, and the rows of its %_data table holding the averages and the segment structure. */
const FTS_TABLE = 'chunks_fts';
const AVERAGES_ROWID = 1;
const STRUCTURE_ROWID = 10;
/** Libraries up to this many rows read their row lengths on the spot (~0.1 s); larger ones in background slices. */
export const SYNC_LENGTHS_ROWS = 250_000;
/** Longest a background slice of the row-length load runs before yielding to the event loop. */
const SLICE_MS = 12;
const LENGTH_PAGE_ROWS = 4096;
/** Memory the resident posting lists may take (10 bytes a posting); the least recently used term goes first. */
export const POSTINGS_BUDGET_BYTES = 128 * 2 ** 20;

/** One term's rows in rowid order, with its occurrences per column (tf[i * columns + c]). */
interface TermPostings {
  rows: Int32Array;
  tf: Uint16Array;
  bytes: number;
  /** A count too large for 16 bits: FTS5 ranks queries with this term. */
  overflow: boolean;
}

interface Lengths {
  version: string;
  rowCount: number;
  /** bm25's length normalisation of each row, by rowid: k1 · (1 − b + b · length / avgdl). */
  norm: Float64Array;
  /** The score accumulator and a per-query mark of the rows touched, by rowid. */
  scores: Float64Array;
  marks: Uint32Array;
}

interface IndexState {
  columns: string[];
  lengths?: Lengths;
  loading?: { version: string; promise: Promise<void> };
  postings: Map<string, TermPostings>;
  postingBytes: number;
  /** Bumped per query so marks need no clearing. */
  epoch: number;
  instances: { all(term: string): unknown[] };
  stemmer: Stemmer;
}

const states = new WeakMap<Db, IndexState | null>();

/** The FTS5 averages and structure records as one string: it changes with every committed write to the index. */
export function keywordIndexVersion(db: Db): string {
  const rows = db.prepare(`SELECT id, hex(block) AS h FROM ${FTS_TABLE}_data WHERE id IN (?, ?) ORDER BY id`).all(AVERAGES_ROWID, STRUCTURE_ROWID) as {
    h: string;
  }[];
  return rows.map((row) => row.h).join(':');
}

/** SQLite's varint (big-endian 7-bit groups, the ninth byte whole), as FTS5 writes its sizes and totals. */
function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i];
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  return [value * 256 + bytes[at + 8], at + 9];
}

function sumOfVarints(bytes: Uint8Array): number {
  let total = 0;
  for (let at = 0; at < bytes.length; ) {
    const [value, next] = readVarint(bytes, at);
    total += value;
    at = next;
  }
  return total;
}

/** Rows in the index and its tokens over all columns, from the averages record bm25() reads (xRowCount, xColumnTotalSize). */
function indexTotals(db: Db): { rowCount: number; tokens: number } {
  const row = db.prepare(`SELECT block FROM ${FTS_TABLE}_data WHERE id = ?`).get(AVERAGES_ROWID) as { block: Uint8Array } | undefined;
  if (!row) return { rowCount: 0, tokens: 0 };
  const [rowCount, first] = readVarint(row.block, 0);
  return { rowCount, tokens: sumOfVarints(row.block.subarray(first)) };
}

function stateOf(db: Db): IndexState | null {
  let state = states.get(db);
  if (state !== undefined) return state;
  try {
    const tokenizer = tokenizerOf(db);
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.lockstep_chunk_terms USING fts5vocab(main, ${FTS_TABLE}, instance)`);
    state = {
      columns: db.prepare(`SELECT * FROM ${FTS_TABLE} LIMIT 0`).columns().map((column) => column.name),
      postings: new Map(),
      postingBytes: 0,
      epoch: 0,
      instances: db.prepare('SELECT doc, col FROM temp.lockstep_chunk_terms WHERE term = ?').raw(),
      stemmer: new Stemmer(db, tokenizer),
    };
  } catch {
    state = null; // a connection that cannot create temp tables ranks through FTS5 itself
  }
  states.set(db, state);
  return state;
}

/** The tokenize option of the FTS5 table, as its CREATE statement spells it. */
function tokenizerOf(db: Db): string {
  const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(FTS_TABLE) as { sql: string } | undefined)?.sql ?? '';
  return /tokenize\s*=\s*'((?:[^']|'')*)'/i.exec(sql)?.[1].replaceAll("''", "'") ?? 'unicode61';
}

/**
 * Query words as the index spells them (porter stems, folded case and diacritics), found by FTS5's own tokenizer in a
 * temp table, so nothing is re-implemented; a word that is not exactly one token (FTS5 would match it as a phrase) is null.
 */
class Stemmer {
  private readonly known = new Map<string, string | null>();
  private readonly insert;
  private readonly tokens;
  private readonly clear;

  constructor(
    private readonly db: Db,
    tokenizer: string,
  ) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.lockstep_stemmer USING fts5(word, tokenize = '${tokenizer.replaceAll("'", "''")}')`);
    db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.lockstep_stemmer_terms USING fts5vocab(temp, lockstep_stemmer, instance)');
    this.insert = db.prepare('INSERT INTO temp.lockstep_stemmer (rowid, word) VALUES (?, ?)');
    this.tokens = db.prepare('SELECT doc, term FROM temp.lockstep_stemmer_terms').raw();
    this.clear = db.prepare('DELETE FROM temp.lockstep_stemmer');
  }

  stems(words: string[]): (string | null)[] {
    const unknown = [...new Set(words.filter((word) => !this.known.has(word)))];
    if (unknown.length > 0) {
      if (this.known.size > 100_000) this.known.clear();
      const found = new Map<number, string[]>();
      this.db.transaction(() => {
        unknown.forEach((word, i) => this.insert.run(i + 1, word));
        for (const [doc, term] of this.tokens.all() as [number, string][]) found.set(doc, [...(found.get(doc) ?? []), term]);
        this.clear.run();
      })();
      unknown.forEach((word, i) => {
        const tokens = found.get(i + 1) ?? [];
        this.known.set(word, tokens.length === 1 ? tokens[0] : null);
      });
    }
    return words.map((word) => this.known.get(word) ?? null);
  }
}

/** Every row's length, read at once (small libraries) or page by page between event-loop turns. */
function readLengths(db: Db, version: string, pause?: () => Promise<void>): Promise<Lengths> | Lengths {
  const { rowCount, tokens } = indexTotals(db);
  const maxRow = (db.prepare(`SELECT MAX(id) AS n FROM ${FTS_TABLE}_docsize`).get() as { n: number | null }).n ?? 0;
  const byRow = new Uint32Array(maxRow + 1);
  const page = db.prepare(`SELECT id, sz FROM ${FTS_TABLE}_docsize WHERE id > ? ORDER BY id LIMIT ?`).raw();
  const readPage = (after: number): number => {
    const rows = page.all(after, LENGTH_PAGE_ROWS) as [number, Uint8Array][];
    for (const [id, sizes] of rows) byRow[id] = sumOfVarints(sizes);
    return rows.length === LENGTH_PAGE_ROWS ? rows[rows.length - 1][0] : -1;
  };
  const finish = (): Lengths => {
    const averageLength = tokens / rowCount;
    const norm = new Float64Array(maxRow + 1);
    for (let row = 0; row <= maxRow; row++) norm[row] = K1 * (1 - B + (B * byRow[row]) / averageLength);
    return { version, rowCount, norm, scores: new Float64Array(maxRow + 1), marks: new Uint32Array(maxRow + 1) };
  };
  if (!pause) {
    for (let after = 0; after >= 0; ) after = readPage(after);
    return finish();
  }
  return (async () => {
    for (let after = 0; after >= 0; ) {
      const started = performance.now();
      while (after >= 0 && performance.now() - started < SLICE_MS) after = readPage(after);
      await pause();
      if (!db.open || keywordIndexVersion(db) !== version) throw new Error('the keyword index changed while its row lengths were read');
    }
    return finish();
  })();
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Row lengths current with the index, or undefined while a large library's are still loading in the background (the
 * caller ranks through FTS5 meanwhile). A write drops the postings: any term's rows may have moved.
 */
function currentLengths(db: Db, state: IndexState, syncRows = SYNC_LENGTHS_ROWS): Lengths | undefined {
  const version = keywordIndexVersion(db);
  if (state.lengths?.version === version) return state.lengths;
  if (state.lengths) {
    state.lengths = undefined;
    state.postings.clear();
    state.postingBytes = 0;
  }
  const { rowCount } = indexTotals(db);
  if (rowCount === 0) return undefined;
  if (rowCount <= syncRows) return (state.lengths = readLengths(db, version) as Lengths);
  if (state.loading?.version !== version) loadInBackground(db, state, version);
  return undefined;
}

function loadInBackground(db: Db, state: IndexState, version: string): void {
  const loading: { version: string; promise: Promise<void> } = { version, promise: Promise.resolve() };
  state.loading = loading; // before the first slice runs: one that throws at once must still clear it
  loading.promise = (async () => {
    try {
      const lengths = await readLengths(db, version, nextTurn);
      if (state.loading === loading) state.lengths = lengths;
    } catch {
      // Closed or written meanwhile: the next search starts a load of the new version.
    } finally {
      if (state.loading === loading) state.loading = undefined;
    }
  })();
}

/** Loads the row lengths in background slices (at start, so the first searches rank from memory); resolves when current. */
export async function warmKeywordIndex(db: Db): Promise<void> {
  const state = stateOf(db);
  if (!state) return;
  for (let attempt = 0; attempt < 3 && db.open && !currentLengths(db, state, 0); attempt++) {
    if (!state.loading) return; // an empty index
    await state.loading.promise;
  }
}

function postingsOf(state: IndexState, stem: string): TermPostings {
  const cached = state.postings.get(stem);
  if (cached) {
    state.postings.delete(stem); // most recently used last
    state.postings.set(stem, cached);
    return cached;
  }
  const columns = state.columns.length;
  const instances = state.instances.all(stem) as [number, string][];
  const rows: number[] = [];
  const counts: number[] = [];
  for (const [row, column] of instances) {
    if (rows[rows.length - 1] !== row) {
      rows.push(row);
      for (let c = 0; c < columns; c++) counts.push(0);
    }
    counts[(rows.length - 1) * columns + state.columns.indexOf(column)]++;
  }
  const postings = {
    rows: Int32Array.from(rows),
    tf: Uint16Array.from(counts),
    bytes: rows.length * (4 + 2 * columns),
    overflow: counts.some((n) => n > 0xffff),
  };
  state.postings.set(stem, postings);
  state.postingBytes += postings.bytes;
  for (const [term, old] of state.postings) {
    if (state.postingBytes <= POSTINGS_BUDGET_BYTES) break;
    state.postings.delete(term);
    state.postingBytes -= old.bytes;
  }
  return postings;
}

/**
 * The k rows with the best `bm25(chunks_fts, …weights)` for the terms OR-ed (each a quoted phrase, in this order), as
 * FTS5 would rank them over the whole index; null when this cannot answer (row lengths still loading, a term that is
 * not one index token, no temp tables), and the caller asks FTS5.
 */
export function bm25TopK(db: Db, terms: string[], weights: number[], k: number, options: { syncRows?: number } = {}): Bm25Hit[] | null {
  const state = stateOf(db);
  if (!state || terms.length === 0) return null;
  const lengths = currentLengths(db, state, options.syncRows);
  if (!lengths) return null;
  const stems = state.stemmer.stems(terms);
  if (stems.some((stem) => stem === null)) return null;
  const lists = stems.map((stem) => postingsOf(state, stem!));
  if (lists.some((list) => list.overflow)) return null;

  const { scores, marks, norm, rowCount } = lengths;
  const epoch = (state.epoch = (state.epoch % 0xffffffff) + 1);
  const columns = state.columns.length;
  const weightOf = state.columns.map((_, c) => weights[c] ?? 1.0);
  // With every weight 1 the instance-by-instance sum is the plain count, exactly.
  const unweighted = weightOf.every((w) => w === 1.0);
  const touched: number[] = [];
  for (const { rows, tf } of lists) {
    const hits = rows.length;
    let idf = Math.log((rowCount - hits + 0.5) / (hits + 0.5));
    if (idf <= 0.0) idf = 1e-6;
    for (let i = 0; i < hits; i++) {
      const row = rows[i];
      // The phrase frequency as fts5_aux.c adds it: one column weight per instance, columns in order.
      let frequency = 0;
      if (unweighted) for (let c = 0; c < columns; c++) frequency += tf[i * columns + c];
      else for (let c = 0; c < columns; c++) for (let n = tf[i * columns + c]; n > 0; n--) frequency += weightOf[c];
      const term = idf * ((frequency * (K1 + 1.0)) / (frequency + norm[row]));
      if (marks[row] !== epoch) {
        marks[row] = epoch;
        scores[row] = 0;
        touched.push(row);
      }
      scores[row] += term;
    }
  }
  return topRows(touched, scores, k).map((row) => ({ chunkId: row, score: scores[row] }));
}

/** The k best rows by score, ties to the lower rowid; a bounded min-heap, as k is usually far below the rows touched. */
function topRows(rows: number[], scores: Float64Array, k: number): number[] {
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  if (rows.length <= k) return rows.sort((a, b) => (better(a, b) ? -1 : 1));
  const heap: number[] = []; // heap[0] is the worst of the best k so far
  const siftDown = (at: number) => {
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let worst = at;
      if (left < heap.length && better(heap[worst], heap[left])) worst = left;
      if (right < heap.length && better(heap[worst], heap[right])) worst = right;
      if (worst === at) return;
      [heap[at], heap[worst]] = [heap[worst], heap[at]];
      at = worst;
    }
  };
  for (const row of rows) {
    if (heap.length < k) {
      heap.push(row);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!better(heap[parent], heap[at])) break;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
    } else if (better(row, heap[0])) {
      heap[0] = row;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1));
}
