import type { Db } from '../store/db';
import { asRuns, joinRuns, runsOverlap, type RowRuns } from './row-runs';

// Which keyword-index rows a workspace holds, as runs of rowids, so a search filtered to a workspace ranks from the
// resident BM25 postings over just those rows (keyword-search.ts, bm25-postings.ts). A workspace's runs are its
// documents' runs joined. A document's runs hold until its chunks change, and chunks are written with their keyword
// rows: a write this connection recorded (KeywordRowWriter) drops just the documents it touched, any other write to the
// index drops them all (its version moves). Which documents a workspace holds is read again whenever the workspace's
// content_version moves: migration 0010's triggers bump it when a document is added, removed or moved between workspaces.

interface WorkspaceRuns {
  contentVersion: number;
  runs: RowRuns;
}

interface State {
  /** The keyword index version the document runs below hold. */
  version: string;
  documentRuns: Map<number, RowRuns>;
  workspaces: Map<number, WorkspaceRuns>;
  /** Documents whose chunk rows were read (tests check that a recorded write reads only its own). */
  documentsRead: number;
  contentVersion: { get(workspaceId: number): unknown };
  documentsOf: { all(workspaceId: number): unknown[] };
  documentSpans: { all(documentIds: string): unknown[] };
  chunksOf: { all(documentId: number): unknown[] };
  documentsOfRows: { all(rows: string): unknown[] };
}

const states = new WeakMap<Db, State>();
/** Workspaces whose runs are remembered at once. */
const MAX_WORKSPACES = 1000;

function stateOf(db: Db): State {
  let state = states.get(db);
  if (!state) {
    state = {
      version: '',
      documentRuns: new Map(),
      workspaces: new Map(),
      documentsRead: 0,
      contentVersion: db.prepare('SELECT content_version FROM workspaces WHERE id = ?').pluck(),
      documentsOf: db.prepare('SELECT id FROM documents WHERE workspace_id = ?').pluck(),
      // Through the (document_id, ordinal) index: one row per document, without reading the chunks themselves.
      documentSpans: db
        .prepare('SELECT document_id, MIN(id), MAX(id), COUNT(*) FROM chunks WHERE document_id IN (SELECT value FROM json_each(?)) GROUP BY document_id')
        .raw(),
      chunksOf: db.prepare('SELECT id FROM chunks WHERE document_id = ? ORDER BY id').pluck(),
      documentsOfRows: db.prepare('SELECT DISTINCT document_id FROM chunks WHERE id IN (SELECT value FROM json_each(?))').pluck(),
    };
    states.set(db, state);
  }
  return state;
}

/** The chunk rows of a workspace's documents at keyword index `version` (keywordIndexVersion), as runs. */
export function workspaceRows(db: Db, workspaceId: number, version: string): RowRuns {
  const state = stateOf(db);
  if (state.version !== version) {
    state.version = version;
    state.documentRuns.clear();
    state.workspaces.clear();
  }
  const contentVersion = (state.contentVersion.get(workspaceId) as number | undefined) ?? -1;
  const cached = state.workspaces.get(workspaceId);
  if (cached?.contentVersion === contentVersion) return cached.runs;
  const documents = state.documentsOf.all(workspaceId) as number[];
  readDocumentRuns(state, documents.filter((document) => !state.documentRuns.has(document)));
  const runs = joinRuns(documents.map((document) => state.documentRuns.get(document)!));
  if (state.workspaces.size >= MAX_WORKSPACES) state.workspaces.clear(); // ids callers name, existing or not, stay bounded
  state.workspaces.set(workspaceId, { contentVersion, runs });
  return runs;
}

function readDocumentRuns(state: State, documents: number[]): void {
  if (documents.length === 0) return;
  state.documentsRead += documents.length;
  for (const document of documents) state.documentRuns.set(document, []);
  for (const [document, first, last, count] of state.documentSpans.all(JSON.stringify(documents)) as [number, number, number, number][]) {
    // A document's chunks are one run unless rowids were reused around them: then its rows are read one by one.
    state.documentRuns.set(document, count === last - first + 1 ? [[first, last]] : asRuns(state.chunksOf.all(document) as number[]));
  }
}

/**
 * Moves the document runs from keyword index version `before` to `after` after a committed write this connection
 * recorded, which changed `rows` (ascending): documents that held or now hold one of them are read again when next
 * asked for, the rest stay. Runs at any other version are left for the next search to find stale.
 */
export function applyWorkspaceRowsChange(db: Db, change: { before: string; after: string; rows: number[] }): void {
  const state = states.get(db);
  if (!state || state.version !== change.before) return;
  const changed = asRuns(change.rows);
  const written = new Set(state.documentsOfRows.all(JSON.stringify(change.rows)) as number[]);
  for (const [document, runs] of state.documentRuns) if (written.has(document) || runsOverlap(runs, changed)) state.documentRuns.delete(document);
  state.workspaces.clear();
  state.version = change.after;
}

/** Documents whose chunk rows this connection has read for workspace filters (tests and diagnostics). */
export function workspaceRowReads(db: Db): number {
  return states.get(db)?.documentsRead ?? 0;
}
