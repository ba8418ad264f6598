import { log } from '../platform/log';
import type { Db } from '../store/db';
import { frequentTerms } from './frequent-terms';
import { asRuns, forEachSpanWithin, lowerBound, type RowRuns } from './row-runs';

// FTS5's bm25() ranking of OR-ed terms, computed from posting lists held in memory instead of by FTS5 itself. FTS5
// scores every row a query matches with a docsize lookup and a walk of its instances (~1 µs a row, most of a search at
// 100k chunks); here each term's postings (read once through fts5vocab) and every row's length (chunks_fts_docsize)
// stay resident and the same formula runs over typed arrays. It is FTS5's formula step for step (fts5_aux.c: k1 1.2,
// b 0.75, IDF floored at 1e-6, a phrase's frequency summed instance by instance with its column's weight, a row's length
// over all columns, the average from the index's own totals), and ties go to the lower rowid as SQLite's sorter leaves
// them, so the top k is the one `ORDER BY bm25(…) LIMIT k` returns. Everything is keyed by the FTS5 averages and
// structure records, which change with every committed write: stale postings are never served. A write this connection
// made and recorded (bm25-writes.ts) moves them along instead (applyKeywordChange): its rows' old postings and lengths
// go, the new ones come in, and the key becomes the version that commit left.

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
/**
 * What the warm-up may fill with the lists of the library's most frequent ranked terms, of POSTINGS_BUDGET_BYTES:
 * 32 MB is ~3.3M postings, e.g. the 33 longest lists at 1M chunks (100k rows each) or a few hundred of 10k rows.
 */
export const WARM_BUDGET_BYTES = 32 * 2 ** 20;
/** How the warm-up picks its terms (frequent-terms.ts): a sample of chunks, lists worth reading ahead, rankable terms. */
const WARM_SAMPLE_ROWS = 2000;
const WARM_MIN_ROWS = 2000;
/** keyword-search's DEFAULT_MAX_TERM_SHARE: terms in more rows are left out of ranked queries, so not read ahead. */
const WARM_MAX_SHARE = 0.1;
/** How far a sampled estimate may fall short of a list's length: a term estimated above the budget left by more is skipped. */
const WARM_ESTIMATE_SLACK = 1.5;

/** One term's rows in rowid order, with its occurrences per column (tf[i * columns + c]); the first `count` are used. */
interface TermPostings {
  rows: Int32Array;
  tf: Uint16Array;
  count: number;
  bytes: number;
  /** A count too large for 16 bits: FTS5 ranks queries with this term. */
  overflow: boolean;
}

interface Lengths {
  version: string;
  rowCount: number;
  /** Tokens of each row over all columns, by rowid (0 where there is no row); `rows` are in use, the rest is room to grow. */
  length: Uint32Array;
  rows: number;
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
  /** Rows each counted term (by stem) matches at lengths.version, for terms without a resident list. */
  frequencies: Map<string, number>;
  /** Bumped per query so marks need no clearing. */
  epoch: number;
  instances: { all(term: string): unknown[] };
  stemmer: Stemmer;
  idf: InverseFrequency;
  counts: KeywordIndexCounts;
}

/**
 * FTS5's IDF, log((N − n + 0.5) / (n + 0.5)) floored at 1e-6, through SQLite's own ln(): the C library's log, which
 * fts5_aux.c calls. JavaScript's Math.log differs from it in the last bit for ~7% of arguments, and a last-bit
 * difference reorders rows whose scores are that close.
 */
class InverseFrequency {
  private readonly known = new Map<string, number>();
  private readonly ln: { get(...params: unknown[]): unknown } | null;

  constructor(db: Db) {
    let ln: { get(...params: unknown[]): unknown } | null = null;
    try {
      ln = db.prepare('SELECT ln((? - ? + 0.5) / (? + 0.5))').pluck();
    } catch {
      // A SQLite built without its math functions: Math.log, exact but for the last bit.
    }
    this.ln = ln;
  }

  of(rowCount: number, hits: number): number {
    const key = `${rowCount}:${hits}`;
    let idf = this.known.get(key);
    if (idf === undefined) {
      idf = this.ln ? (this.ln.get(rowCount, hits, hits) as number) : Math.log((rowCount - hits + 0.5) / (hits + 0.5));
      if (idf <= 0.0) idf = 1e-6;
      if (this.known.size > 10_000) this.known.clear();
      this.known.set(key, idf);
    }
    return idf;
  }
}

/** Work this connection's resident index has done: what tests and the bench read. */
export interface KeywordIndexCounts {
  /** Every row's length read from the index (at start, or after a write that could not be applied). */
  lengthLoads: number;
  /** Posting lists read from the index (a term's first query, or one dropped by a write or the budget). */
  listReads: number;
  /** Committed writes applied to the resident state in place. */
  changesApplied: number;
  /** Lists the warm-up read ahead of any query, and their bytes. */
  warmedLists: number;
  warmedBytes: number;
}

export function keywordIndexCounts(db: Db): KeywordIndexCounts {
  const counts = states.get(db)?.counts;
  return counts ? { ...counts } : { lengthLoads: 0, listReads: 0, changesApplied: 0, warmedLists: 0, warmedBytes: 0 };
}

const states = new WeakMap<Db, IndexState | null>();
const versionStatements = new WeakMap<Db, { all(...params: unknown[]): unknown[] }>();

/** The FTS5 averages and structure records as one string: it changes with every committed write to the index. */
export function keywordIndexVersion(db: Db): string {
  let statement = versionStatements.get(db);
  if (!statement) {
    statement = db.prepare(`SELECT hex(block) AS h FROM ${FTS_TABLE}_data WHERE id IN (?, ?) ORDER BY id`).pluck();
    versionStatements.set(db, statement);
  }
  return (statement.all(AVERAGES_ROWID, STRUCTURE_ROWID) as string[]).join(':');
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
    const tokenizer = keywordTokenizer(db);
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.lockstep_chunk_terms USING fts5vocab(main, ${FTS_TABLE}, instance)`);
    state = {
      columns: db.prepare(`SELECT * FROM ${FTS_TABLE} LIMIT 0`).columns().map((column) => column.name),
      postings: new Map(),
      postingBytes: 0,
      frequencies: new Map(),
      epoch: 0,
      instances: db.prepare('SELECT doc, col FROM temp.lockstep_chunk_terms WHERE term = ?').raw(),
      stemmer: new Stemmer(db, tokenizer),
      idf: new InverseFrequency(db),
      counts: { lengthLoads: 0, listReads: 0, changesApplied: 0, warmedLists: 0, warmedBytes: 0 },
    };
  } catch {
    state = null; // a connection that cannot create temp tables ranks through FTS5 itself
  }
  states.set(db, state);
  return state;
}

/** The tokenize option of the keyword index, as its CREATE statement spells it. */
export function keywordTokenizer(db: Db): string {
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
    const lengths = { version, rowCount, length: byRow, rows: maxRow + 1, norm: new Float64Array(maxRow + 1) };
    normalise(lengths, tokens);
    return { ...lengths, scores: new Float64Array(maxRow + 1), marks: new Uint32Array(maxRow + 1) };
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

/** Each row's length normalisation against the index's average row length (its total tokens over its rows). */
function normalise(lengths: Pick<Lengths, 'rowCount' | 'length' | 'rows' | 'norm'>, tokens: number): void {
  const averageLength = tokens / lengths.rowCount;
  const { length, norm } = lengths;
  for (let row = 0; row < lengths.rows; row++) norm[row] = K1 * (1 - B + (B * length[row]) / averageLength);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Row lengths current with the index, or undefined while a large library's are still loading in the background (the
 * caller ranks through FTS5 meanwhile). A write drops the postings: any term's rows may have moved.
 */
function currentLengths(db: Db, state: IndexState, syncRows = SYNC_LENGTHS_ROWS, version = keywordIndexVersion(db)): Lengths | undefined {
  if (state.lengths?.version === version) return state.lengths;
  if (state.lengths) {
    state.lengths = undefined;
    state.postings.clear();
    state.postingBytes = 0;
    state.frequencies.clear();
  }
  const { rowCount } = indexTotals(db);
  if (rowCount === 0) return undefined;
  if (rowCount <= syncRows) {
    state.counts.lengthLoads++;
    return (state.lengths = readLengths(db, version) as Lengths);
  }
  if (state.loading?.version !== version) loadInBackground(db, state, version);
  return undefined;
}

function loadInBackground(db: Db, state: IndexState, version: string): void {
  const loading: { version: string; promise: Promise<void> } = { version, promise: Promise.resolve() };
  state.loading = loading; // before the first slice runs: one that throws at once must still clear it
  loading.promise = (async () => {
    try {
      const lengths = await readLengths(db, version, nextTurn);
      if (state.loading === loading) {
        state.lengths = lengths;
        state.counts.lengthLoads++;
      }
    } catch {
      // Closed or written meanwhile: the next search starts a load of the new version.
    } finally {
      if (state.loading === loading) state.loading = undefined;
    }
  })();
}

/** Drops every resident posting list (the row lengths stay): benchmarks time first queries with it. */
export function clearKeywordPostings(db: Db): void {
  const state = states.get(db);
  state?.postings.clear();
  if (state) state.postingBytes = 0;
}

export interface WarmOptions {
  /** Bytes of lists to read ahead (default WARM_BUDGET_BYTES); 0 reads only the row lengths. */
  budgetBytes?: number;
  minRows?: number;
  maxShare?: number;
}

/**
 * Loads the row lengths in background slices (at start, so the first searches rank from memory), then reads ahead the
 * posting lists of the most frequent terms ranked queries keep, up to budgetBytes, one list per event-loop turn (so a
 * common term's first query does not pay for its list); resolves when done, or when the library closes or is written.
 */
export async function warmKeywordIndex(db: Db, options: WarmOptions = {}): Promise<void> {
  const state = stateOf(db);
  if (!state) return;
  let lengths: Lengths | undefined;
  for (let attempt = 0; attempt < 3 && db.open && !(lengths = currentLengths(db, state, 0)); attempt++) {
    if (!state.loading) return; // an empty index
    await state.loading.promise;
  }
  if (lengths) await warmFrequentLists(db, state, lengths, options);
}

async function warmFrequentLists(db: Db, state: IndexState, lengths: Lengths, options: WarmOptions): Promise<void> {
  const budget = Math.min(options.budgetBytes ?? WARM_BUDGET_BYTES, POSTINGS_BUDGET_BYTES);
  if (budget <= 0) return;
  const version = lengths.version;
  const current = () => db.open && state.lengths === lengths && lengths.version === version && keywordIndexVersion(db) === version;
  try {
    const picking = frequentTerms(db, {
      rowCount: lengths.rowCount,
      tokenizer: keywordTokenizer(db),
      sampleRows: WARM_SAMPLE_ROWS,
      minRows: options.minRows ?? WARM_MIN_ROWS,
      maxShare: options.maxShare ?? WARM_MAX_SHARE,
    });
    let step = picking.next();
    for (; !step.done; step = picking.next()) {
      await nextTurn();
      if (!current()) return void picking.return([]);
    }
    let warmed = 0;
    const bytesPerRow = 4 + 2 * state.columns.length;
    for (const { term, rows } of step.value) {
      if (budget - warmed < (options.minRows ?? WARM_MIN_ROWS) * bytesPerRow) return;
      // A list estimated well past what is left is not read only to be given back (at 1M rows that is ~50 ms a list).
      if (rows * bytesPerRow > WARM_ESTIMATE_SLACK * (budget - warmed)) continue;
      await nextTurn();
      if (!current()) return; // a write or a close: what the next queries need is read then
      if (state.postings.has(term)) continue;
      const list = postingsOf(state, term);
      if (warmed + list.bytes > budget) {
        // Larger than the estimate and over budget: give it back; a shorter list further on may still fit.
        state.postings.delete(term);
        state.postingBytes -= list.bytes;
        continue;
      }
      warmed += list.bytes;
      state.counts.warmedLists++;
      state.counts.warmedBytes += list.bytes;
    }
  } catch (error) {
    // Closed mid-warm-up ends quietly; anything else only costs the first queries their list reads.
    if (db.open) log.warn("reading ahead the keyword index's frequent terms failed; their lists are read on first use", error);
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
  state.counts.listReads++;
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
    count: rows.length,
    bytes: rows.length * (4 + 2 * columns),
    overflow: counts.some((n) => n > 0xffff),
  };
  state.postings.set(stem, postings);
  state.postingBytes += postings.bytes;
  keepWithinBudget(state);
  return postings;
}

/** Drops the least recently used lists until the resident ones fit POSTINGS_BUDGET_BYTES. */
function keepWithinBudget(state: IndexState): void {
  for (const [term, old] of state.postings) {
    if (state.postingBytes <= POSTINGS_BUDGET_BYTES) break;
    state.postings.delete(term);
    state.postingBytes -= old.bytes;
  }
}

/**
 * The k rows with the best `bm25(chunks_fts, …weights)` for the terms OR-ed (each a quoted phrase, in this order), as
 * FTS5 would rank them over the whole index; null when this cannot answer (row lengths still loading, a term that is
 * not one index token, no temp tables), and the caller asks FTS5.
 */
export function bm25TopK(
  db: Db,
  terms: string[],
  weights: number[],
  k: number,
  options: {
    syncRows?: number;
    version?: string;
    /** Only these rows, as a filtered FTS5 query ranks them; asked for only once the postings can answer. */
    within?: () => RowRuns;
  } = {},
): Bm25Hit[] | null {
  const state = stateOf(db);
  if (!state || terms.length === 0) return null;
  const lengths = currentLengths(db, state, options.syncRows, options.version);
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
  // IDF and the average length stay the whole index's under a filter, as in FTS5; only the rows scored narrow.
  const within = options.within?.();
  for (const { rows, tf, count: hits } of lists) {
    const idf = state.idf.of(rowCount, hits);
    const scoreSpan = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
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
    };
    if (within) forEachSpanWithin(rows, hits, within, scoreSpan);
    else scoreSpan(0, hits);
  }
  return topRows(touched, scores, k).map((row) => ({ chunkId: row, score: scores[row] }));
}

/** The version this connection's resident row lengths hold, or undefined when none are resident (nothing to move along). */
export function residentKeywordVersion(db: Db): string | undefined {
  const state = states.get(db);
  return state && !state.loading ? state.lengths?.version : undefined;
}

/** The index terms whose posting lists are resident, least recently used first (tests and diagnostics). */
export function residentLists(db: Db): string[] {
  return [...(states.get(db)?.postings.keys() ?? [])];
}

/** Rows in the index, when this connection's resident state is at `version`. */
export function residentRowCount(db: Db, version: string): number | undefined {
  const lengths = states.get(db)?.lengths;
  return lengths?.version === version ? lengths.rowCount : undefined;
}

/**
 * The rows a term's phrase matches when the resident state is at `version`: its resident list's length, else a count
 * remembered by stem (kept current through recorded writes that only add rows), else `count()` once. Undefined when no
 * resident state is at `version` or the term is not one index token (the caller counts).
 */
export function documentFrequency(db: Db, term: string, version: string, count: () => number): number | undefined {
  const state = states.get(db);
  if (!state || state.lengths?.version !== version) return undefined;
  const [stem] = state.stemmer.stems([term]);
  if (stem === null) return undefined;
  const postings = state.postings.get(stem);
  if (postings) return postings.count;
  let rows = state.frequencies.get(stem);
  if (rows === undefined) {
    if (state.frequencies.size > 100_000) state.frequencies.clear();
    state.frequencies.set(stem, (rows = count()));
  }
  return rows;
}

/** A committed write to the index, as its writer recorded it (bm25-writes.ts). */
export interface KeywordRowChange {
  /** The index version the write began on, and the one its commit left. */
  before: string;
  after: string;
  /** Rows deleted or written, ascending and distinct: their earlier postings and lengths go. */
  rows: number[];
  /** Whether the write deleted rows (whose terms are unknown: remembered counts are dropped) or only added new ones. */
  deletesRows: boolean;
  /** The written rows' index terms: [term, row, column, occurrences], in term then row order (read only when applied). */
  instances: () => Iterable<[term: string, row: number, column: string, count: number]>;
}

/**
 * Moves the resident postings and row lengths from `change.before` to `change.after` in place, so the next query
 * ranks from memory instead of reading every row length and list again. Resident state at any other version is left
 * alone (the next query finds it stale and reloads). Returns whether it applied.
 */
export function applyKeywordChange(db: Db, change: KeywordRowChange): boolean {
  const state = states.get(db);
  const lengths = state?.lengths;
  if (!state || !lengths || state.loading || lengths.version !== change.before) return false;
  try {
    const columns = state.columns.length;
    const written = rowLengths(db, change.rows); // the changed rows still there after the commit
    const added = new Map<string, { rows: number[]; tf: number[] }>();
    if (change.deletesRows) state.frequencies.clear();
    let previous: [string, number] | undefined;
    for (const [term, row, column, count] of change.instances()) {
      if (!written.has(row)) continue;
      // A counted term is in one more row: instances come term by term, row by row.
      if ((previous?.[0] !== term || previous[1] !== row) && state.frequencies.has(term)) state.frequencies.set(term, state.frequencies.get(term)! + 1);
      previous = [term, row];
      // Lists not resident are read whole, and current, when first asked for.
      if (!state.postings.has(term)) continue;
      let entries = added.get(term);
      if (!entries) added.set(term, (entries = { rows: [], tf: [] }));
      if (entries.rows[entries.rows.length - 1] !== row) {
        entries.rows.push(row);
        for (let c = 0; c < columns; c++) entries.tf.push(0);
      }
      entries.tf[(entries.rows.length - 1) * columns + state.columns.indexOf(column)] += count;
    }
    const ranges = asRuns(change.rows);
    for (const [term, postings] of state.postings) {
      const next = withRowsReplaced(postings, ranges, added.get(term), columns);
      if (next === postings) continue;
      state.postingBytes += next.bytes - postings.bytes;
      state.postings.set(term, next); // an existing key keeps its place in the recency order
    }
    keepWithinBudget(state);
    updateLengths(db, lengths, change.rows, written);
    lengths.version = change.after;
    state.counts.changesApplied++;
    return true;
  } catch (error) {
    // Half-moved state must never be served: drop it, and the next query reloads.
    state.lengths = undefined;
    state.postings.clear();
    state.postingBytes = 0;
    state.frequencies.clear();
    throw error;
  }
}

/** A list without its entries in `ranges`, with `added` merged in by rowid; the same object when nothing changes. */
function withRowsReplaced(postings: TermPostings, ranges: RowRuns, added: { rows: number[]; tf: number[] } | undefined, columns: number): TermPostings {
  const { rows, tf, count } = postings;
  const removed = ranges.some(([first, last]) => {
    const at = lowerBound(rows, count, first);
    return at < count && rows[at] <= last;
  });
  if (!removed && !added) return postings;
  const extra = added?.rows.length ?? 0;
  // Appending past the last row (new chunks get new rowids) grows the arrays in place, with room for the next write.
  if (!removed && added && (count === 0 || added.rows[0] > rows[count - 1])) {
    let next = postings;
    if (count + extra > rows.length) {
      const capacity = Math.max(count + extra, Math.ceil(rows.length * 1.25));
      next = { ...postings, rows: new Int32Array(capacity), tf: new Uint16Array(capacity * columns), bytes: capacity * (4 + 2 * columns) };
      next.rows.set(rows.subarray(0, count));
      next.tf.set(tf.subarray(0, count * columns));
    }
    next.rows.set(added.rows, count);
    next.tf.set(added.tf, count * columns);
    return { ...next, count: count + extra, overflow: postings.overflow || added.tf.some((n) => n > 0xffff) };
  }
  const keptRows: number[] = [];
  const keptTf: number[] = [];
  let range = 0;
  let a = 0;
  const take = (row: number, from: ArrayLike<number>, at: number) => {
    keptRows.push(row);
    for (let c = 0; c < columns; c++) keptTf.push(from[at * columns + c]);
  };
  for (let i = 0; i < count; i++) {
    const row = rows[i];
    while (range < ranges.length && ranges[range][1] < row) range++;
    if (range < ranges.length && ranges[range][0] <= row) continue; // deleted or rewritten
    while (a < extra && added!.rows[a] < row) take(added!.rows[a], added!.tf, a++);
    take(row, tf, i);
  }
  while (a < extra) take(added!.rows[a], added!.tf, a++);
  return {
    rows: Int32Array.from(keptRows),
    tf: Uint16Array.from(keptTf),
    count: keptRows.length,
    bytes: keptRows.length * (4 + 2 * columns),
    overflow: keptTf.some((n) => n > 0xffff),
  };
}

/** The rows' lengths over all columns, by rowid; a row not in the index is absent. */
function rowLengths(db: Db, rows: number[]): Map<number, number> {
  const sizes = db.prepare(`SELECT id, sz FROM ${FTS_TABLE}_docsize WHERE id IN (SELECT value FROM json_each(?))`).raw().all(JSON.stringify(rows)) as [number, Uint8Array][];
  return new Map(sizes.map(([id, columnSizes]) => [id, sumOfVarints(columnSizes)]));
}

/** Sets the changed rows' lengths (0 for a row now gone) and renormalises every row against the new average. */
function updateLengths(db: Db, lengths: Lengths, rows: number[], written: Map<number, number>): void {
  const { rowCount, tokens } = indexTotals(db);
  const needed = Math.max(lengths.rows, (rows[rows.length - 1] ?? -1) + 1);
  if (needed > lengths.length.length) {
    const capacity = Math.max(needed, Math.ceil(lengths.length.length * 1.25));
    const length = new Uint32Array(capacity);
    length.set(lengths.length);
    lengths.length = length;
    lengths.norm = new Float64Array(capacity);
    lengths.scores = new Float64Array(capacity);
    lengths.marks = new Uint32Array(capacity);
  }
  lengths.rows = needed;
  for (const row of rows) lengths.length[row] = written.get(row) ?? 0;
  lengths.rowCount = rowCount;
  if (rowCount > 0) normalise(lengths, tokens);
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
