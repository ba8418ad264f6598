import { log } from '../platform/log';
import type { Db } from '../store/db';
import { applyKeywordChange, keywordIndexVersion, keywordTokenizer, residentKeywordVersion } from './bm25-postings';
import { applyWorkspaceRowsChange } from './workspace-rows';

// Writes to the keyword index (chunks_fts) that keep this connection's resident BM25 postings current. chunks_fts is
// contentless, so the rows written cannot be read back; each row is also written to a temporary FTS5 table with the
// same columns and tokenizer, whose vocabulary gives the new rows' terms exactly as the index holds them, and the rows
// written and deleted are listed. Both are temporary tables of the same connection, so a rolled-back transaction takes them with it.
// After the commit, committed() moves the resident state (postings, workspaces' rows) from the version the write began
// on to the one it left.

const FTS_TABLE = 'chunks_fts';
const ADDED = 'temp.lockstep_keyword_added';
const ADDED_TERMS = 'temp.lockstep_keyword_added_terms';
/** Rows written or deleted in the transaction. */
const CHANGED = 'temp.lockstep_keyword_changed';
const CLEAR = `INSERT INTO ${ADDED} (lockstep_keyword_added) VALUES ('delete-all'); DELETE FROM ${CHANGED};`;

interface Tracking {
  before: string;
  deletesRows: boolean;
  /** PRAGMA data_version inside the transaction: it moves only when another connection commits. */
  dataVersion: number;
  insert: { run(...params: unknown[]): unknown };
  forgetAdded: { run(...params: unknown[]): unknown };
  changed: { run(...params: unknown[]): unknown };
}

/** One transaction's writes to chunks_fts; call committed() once the transaction has committed. */
export class KeywordRowWriter {
  private readonly insertRow;
  private readonly deleteRow;
  /** Undefined until the first write; null when nothing resident needs moving along. */
  private tracking: Tracking | null | undefined;

  constructor(private readonly db: Db) {
    this.insertRow = db.prepare(`INSERT INTO ${FTS_TABLE} (rowid, body, heading, context) VALUES (?, ?, ?, ?)`);
    this.deleteRow = db.prepare(`DELETE FROM ${FTS_TABLE} WHERE rowid = ?`);
  }

  insert(rowid: number, body: string, heading: string, context: string): void {
    const tracking = this.track();
    this.insertRow.run(rowid, body, heading, context);
    tracking?.insert.run(rowid, body, heading, context);
    tracking?.changed.run(rowid);
  }

  delete(rowid: number): void {
    const tracking = this.track();
    this.deleteRow.run(rowid);
    if (tracking) tracking.deletesRows = true;
    tracking?.forgetAdded.run(rowid);
    tracking?.changed.run(rowid);
  }

  /** Applies the committed write to the resident postings; a failure there drops them (logged), never the write. */
  committed(): void {
    const tracking = this.tracking;
    this.tracking = undefined;
    if (!tracking) return;
    try {
      // Another connection's commit since the write began would be missing from the change: leave it to a reload.
      if (dataVersion(this.db) === tracking.dataVersion) {
        const after = keywordIndexVersion(this.db);
        const rows = this.db.prepare(`SELECT row_id FROM ${CHANGED} ORDER BY row_id`).pluck().all() as number[];
        // One row per instance, in the vocabulary's own term and row order, which applyKeywordChange adds up.
        const terms = this.db.prepare(`SELECT term, doc, col, 1 FROM ${ADDED_TERMS}`).raw();
        const instances = () => terms.iterate() as IterableIterator<[string, number, string, number]>;
        applyKeywordChange(this.db, { before: tracking.before, after, rows, deletesRows: tracking.deletesRows, instances });
        applyWorkspaceRowsChange(this.db, { before: tracking.before, after, rows });
      }
    } catch (error) {
      log.warn('the keyword index postings could not follow a write; they are read again on the next search', error);
    } finally {
      this.db.exec(CLEAR);
    }
  }

  /** Starts recording at the first write, when this connection holds resident postings of the version it begins on. */
  private track(): Tracking | null {
    if (this.tracking !== undefined) return this.tracking;
    const resident = residentKeywordVersion(this.db);
    const before = resident === undefined ? undefined : keywordIndexVersion(this.db);
    if (before === undefined || before !== resident) return (this.tracking = null);
    createRecordTables(this.db);
    this.db.exec(CLEAR); // what a committed() that failed may have left
    return (this.tracking = {
      before,
      deletesRows: false,
      dataVersion: dataVersion(this.db),
      insert: this.db.prepare(`INSERT INTO ${ADDED} (rowid, body, heading, context) VALUES (?, ?, ?, ?)`),
      forgetAdded: this.db.prepare(`DELETE FROM ${ADDED} WHERE rowid = ?`),
      changed: this.db.prepare(`INSERT OR IGNORE INTO ${CHANGED} (row_id) VALUES (?)`),
    });
  }
}

const dataVersion = (db: Db) => db.pragma('data_version', { simple: true }) as number;

function createRecordTables(db: Db): void {
  const tokenize = keywordTokenizer(db).replaceAll("'", "''");
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${ADDED} USING fts5(body, heading, context, content = '', contentless_delete = 1, tokenize = '${tokenize}');
    CREATE VIRTUAL TABLE IF NOT EXISTS ${ADDED_TERMS} USING fts5vocab(temp, lockstep_keyword_added, instance);
    CREATE TABLE IF NOT EXISTS ${CHANGED} (row_id INTEGER PRIMARY KEY);`);
}
