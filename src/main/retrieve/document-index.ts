import path from 'node:path';
import { OPENING_PAGES, periodTerms, profileDocument, profileLabel } from '../ingest/document-profile';
import type { Db } from '../store/types';
import { segmentForIndex } from '../text/segment';
import { mineAbbreviations } from './abbreviations';

// The document-level index that routes a question to the right documents: one row per document in documents_fts with
// what names it (its organisation, ticker, title, file name), its period (form, fiscal year, quarter) and its outline
// (its headings). A question naming an organisation and "FY2021" scores that document's row highest.

/** Headings kept in a document's outline row: enough to describe it without letting long documents dominate. */
const OUTLINE_HEADINGS = 400;

export interface DocumentFacts {
  documentId: number;
  title: string;
  filePath: string;
  /** Stored page texts in page order, read once: a long document's may come a batch at a time. */
  pageTexts: Iterable<string>;
  /** Chunk heading paths (joined with " › "), in reading order. */
  headingPaths: string[];
}

/** Replaces the document's row in documents_fts and its mined abbreviations; returns the label shown for it. */
export function indexDocument(db: Db, facts: DocumentFacts): string {
  unindexDocument(db, facts.documentId);
  // One pass over the pages: abbreviations page by page, and only the opening pages the profile reads are kept.
  const opening: string[] = [];
  const insert = db.prepare('INSERT OR IGNORE INTO abbreviations (document_id, short, expansion) VALUES (?, ?, ?)');
  for (const text of facts.pageTexts) {
    if (opening.length < OPENING_PAGES) opening.push(text);
    for (const a of mineAbbreviations(text)) insert.run(facts.documentId, a.short, a.expansion);
  }
  const profile = profileDocument(opening, path.basename(facts.filePath));
  // The title goes to the outline: measured on SciFact, routing by titles only repeats what passage ranking already knows.
  const name = [profile.entity, profile.ticker, profile.fileWords].filter(Boolean).join(' \n ');
  const period = [profile.form, periodTerms(profile)].filter(Boolean).join(' ');
  const headings = [...new Set([facts.title, ...facts.headingPaths.flatMap((p) => p.split(' › '))].filter(Boolean))].slice(0, OUTLINE_HEADINGS);
  db.prepare('INSERT INTO documents_fts (rowid, name, period, outline) VALUES (?, ?, ?, ?)').run(
    facts.documentId,
    segmentForIndex(name),
    period,
    segmentForIndex(headings.join('\n')),
  );
  return profileLabel(profile);
}

export function unindexDocument(db: Db, documentId: number): void {
  db.prepare('DELETE FROM documents_fts WHERE rowid = ?').run(documentId);
  db.prepare('DELETE FROM abbreviations WHERE document_id = ?').run(documentId);
}

/** Document scores for the query's terms (higher is better), over the documents the search is limited to. */
export function routeDocuments(db: Db, terms: string[], filter: { workspaceId?: number; documentIds?: number[] } = {}): Map<number, number> {
  if (terms.length === 0) return new Map();
  const where = ['documents_fts MATCH ?'];
  // Only what names the document and its period routes; its outline is kept for display and later use.
  const params: unknown[] = [`{name period} : (${terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ')})`];
  if (filter.workspaceId !== undefined) {
    where.push('f.rowid IN (SELECT id FROM documents WHERE workspace_id = ?)');
    params.push(filter.workspaceId);
  }
  if (filter.documentIds) {
    where.push('f.rowid IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.documentIds));
  }
  const rows = db
    .prepare(`SELECT f.rowid AS id, -bm25(documents_fts, 1.0, 1.0, 0.0) AS score FROM documents_fts f WHERE ${where.join(' AND ')} ORDER BY score DESC LIMIT 50`)
    .all(...params) as { id: number; score: number }[];
  return new Map(rows.filter((row) => row.score > 0).map((row) => [row.id, row.score]));
}

/** Beyond this many documents a question does not pin its filing, and the whole library is searched. */
export const MAX_PINNED_DOCUMENTS = 4;

/** Words that end organisation names everywhere ("… Company", "… Inc."): a question's "company" names none of them. */
const LEGAL_FORM_WORDS = new Set('inc incorporated corp corporation company companies co ltd limited plc llc lp group holdings holding the'.split(' '));

/**
 * The documents a question pins down by naming both who they are from and their period ("Corning … FY2021"): their
 * name row matches one of the terms and their period row one of the periods. A question spanning several fiscal
 * years pins the latest year's filings first, since they report the earlier years as comparatives. Null when none or
 * too many documents are pinned.
 */
export function pinnedDocuments(db: Db, terms: string[], periods: string[], filter: { workspaceId?: number; documentIds?: number[] } = {}): number[] | null {
  const names = terms.filter((term) => !periods.includes(term) && !LEGAL_FORM_WORDS.has(term));
  const years = periods.filter((period) => period.startsWith('fy')).sort();
  const others = periods.filter((period) => !period.startsWith('fy'));
  if (names.length === 0 || periods.length === 0) return null;
  // The latest year alone first; then every period named, if no document has the latest.
  const attempts = years.length > 1 ? [[years.at(-1)!, ...others], periods] : [periods];
  for (const attempt of attempts) {
    const pinned = pinnedFor(db, names, attempt, filter);
    if (pinned) return pinned;
  }
  return null;
}

function pinnedFor(db: Db, names: string[], periods: string[], filter: { workspaceId?: number; documentIds?: number[] }): number[] | null {
  const quoted = (list: string[]) => list.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
  const where = ['documents_fts MATCH ?'];
  const params: unknown[] = [`name : (${quoted(names)}) AND period : (${quoted(periods)})`];
  if (filter.workspaceId !== undefined) {
    where.push('f.rowid IN (SELECT id FROM documents WHERE workspace_id = ?)');
    params.push(filter.workspaceId);
  }
  if (filter.documentIds) {
    where.push('f.rowid IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.documentIds));
  }
  const rows = db.prepare(`SELECT f.rowid AS id FROM documents_fts f WHERE ${where.join(' AND ')} LIMIT ?`).all(...params, MAX_PINNED_DOCUMENTS + 1) as { id: number }[];
  return rows.length > 0 && rows.length <= MAX_PINNED_DOCUMENTS ? rows.map((row) => row.id) : null;
}
