import { z } from 'zod';
import type { MessageRecord } from '../../shared/contract/chat';
import type { SearchRequest, SearchResult } from '../../shared/contract/search';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { decodeCursor, encodeCursor, resultTokens, sliceText } from './budget';
import { documentNotFound, type McpScope } from './scope';

// The four tools: what they take, what they return (zod, published as JSON Schema) and how each result is kept
// within the token budget. Every id a caller names passes through the scope first.

/** What the tools need from the rest of Lockstep: the store, hybrid search and answering (wired in services.ts). */
export interface McpBackends {
  db: Db;
  search(request: SearchRequest, signal: AbortSignal): Promise<SearchResult>;
  /** A cited answer over one workspace from the configured provider, leaving no conversation behind. */
  answer(request: { question: string; workspaceId: number }, signal: AbortSignal): Promise<MessageRecord>;
}

export interface ToolContext {
  backends: McpBackends;
  scope: McpScope;
  budgetTokens: number;
  signal: AbortSignal;
  /** Documents this call returned content from, for the call log. */
  touch(documentIds: Iterable<number>): void;
}

/** The stable address of a page, usable as a resource URI (see the page resource template). */
export const citationUri = (documentId: number, page: number) => `lockstep://document/${documentId}#page=${page}`;

const documentRef = z.object({ id: z.number().int(), name: z.string() });
const workspaceArg = z.string().trim().min(1).max(200).describe('Workspace name or id; omit for every workspace shared with other apps');
const cursorArg = z.string().max(512).describe('nextCursor from the previous result, to continue it');
const budgetNote = (budget: number) => `Results stay within about ${budget} tokens; nextCursor continues them.`;

/** Cuts a list so its serialised result fits the budget (at least one item, so every call makes progress). */
function fitItems<T>(items: T[], base: object, budgetTokens: number): number {
  let used = resultTokens(base) + 16;
  for (let i = 0; i < items.length; i++) {
    used += resultTokens(items[i]);
    if (used > budgetTokens) return Math.max(1, i);
  }
  return items.length;
}

const compactText = (text: string) => text.replace(/[ \t\f\v]+/g, ' ').replace(/\n\s*\n\s*/g, '\n\n').trim();

// ── search_documents ─────────────────────────────────────────────────────────────────────────────────────────────

export const searchInput = {
  query: z.string().trim().min(1).max(2000).describe('What to look for, in words or as a question'),
  k: z.number().int().min(1).max(50).optional().describe('Passages to return (default 8)'),
  workspace: workspaceArg.optional(),
  documents: z.array(z.number().int().positive()).min(1).max(100).optional().describe('Search only these document ids'),
  cursor: cursorArg.optional(),
};

const passage = z.object({
  document: documentRef,
  page: z.number().int().describe('1-based page (slide, sheet) index where the passage starts'),
  pageEnd: z.number().int(),
  pageLabel: z.string().nullable().describe('The page number printed on the page, when the document has one'),
  score: z.number().describe('Fused relevance; higher is better, comparable within one result'),
  uri: z.string().describe('Citation URI: lockstep://document/<id>#page=<n>, readable as a resource'),
  text: z.string(),
});

export const searchOutput = {
  passages: z.array(passage),
  mode: z.enum(['bm25', 'vector', 'hybrid']).describe('bm25 when no embedding model is installed'),
  notice: z.string().nullable(),
  nextCursor: z.string().optional(),
};

type SearchArgs = { query: string; k?: number; workspace?: string; documents?: number[]; cursor?: string };

/** Where a search may look: one workspace, named documents, or every visible workspace; null when nothing is shared. */
function searchFilter(ctx: ToolContext, args: SearchArgs): Pick<SearchRequest, 'workspaceId' | 'documentIds'> | null {
  const workspace = args.workspace === undefined ? undefined : ctx.scope.workspace(args.workspace);
  if (args.documents) {
    const documents = args.documents.map((id) => ctx.scope.document(id));
    const outside = documents.find((d) => workspace && d.workspaceId !== workspace.id);
    if (outside) throw documentNotFound(outside.id);
    return { workspaceId: workspace?.id, documentIds: documents.map((d) => d.id) };
  }
  if (workspace) return { workspaceId: workspace.id };
  const visible = ctx.scope.workspaces();
  if (visible.length === 0) return null;
  if (visible.length === 1) return { workspaceId: visible[0]!.id };
  // Several shared workspaces (but never all of them by default): search names their documents explicitly.
  const ids = (
    ctx.backends.db.prepare('SELECT id FROM documents WHERE workspace_id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(visible.map((w) => w.id))) as { id: number }[]
  ).map((row) => row.id);
  if (ids.length === 0) return null;
  if (ids.length > 10_000) throw new AppError('too_many_documents', 'More than 10,000 documents are shared across several workspaces. Name one with the workspace argument.');
  return { documentIds: ids };
}

export const NOTHING_SHARED = 'No workspace is available to other apps yet. Share one in Lockstep under Settings → Connections.';

export async function searchDocuments(ctx: ToolContext, args: SearchArgs) {
  const offset = decodeCursor('search_documents', args);
  const filter = searchFilter(ctx, args);
  if (!filter) return { passages: [], mode: 'bm25' as const, notice: NOTHING_SHARED };
  const k = args.k ?? 8;
  const result = await ctx.backends.search({ query: args.query, k, mode: 'hybrid', ...filter }, ctx.signal);
  // Belt and braces: a hit from a workspace outside the scope never leaves, whatever the filter did.
  const visible = new Set(ctx.scope.workspaces().map((w) => w.id));
  const passages = result.hits
    .filter((hit) => visible.has(hit.document.workspaceId))
    .slice(offset)
    .map((hit) => ({
      document: { id: hit.document.id, name: hit.document.title },
      page: hit.pages.start,
      pageEnd: hit.pages.end,
      pageLabel: hit.pages.labelStart,
      score: Number(hit.score.toFixed(5)),
      uri: citationUri(hit.document.id, hit.pages.start),
      text: compactText(hit.text),
    }));
  const base = { mode: result.mode, notice: result.notice, nextCursor: 'x'.repeat(40) };
  const fits = fitItems(passages, base, ctx.budgetTokens);
  const shown = passages.slice(0, fits);
  // One passage larger than the whole budget is shortened rather than refused.
  if (fits === 1 && resultTokens({ ...base, passages: shown }) > ctx.budgetTokens) {
    shown[0] = { ...shown[0]!, text: sliceText(shown[0]!.text, 0, Math.max(200, (ctx.budgetTokens - resultTokens(base) - 100) * 3)).text };
  }
  ctx.touch(shown.map((p) => p.document.id));
  return {
    passages: shown,
    mode: result.mode,
    notice: result.notice,
    ...(fits < passages.length ? { nextCursor: encodeCursor('search_documents', args, offset + fits) } : {}),
  };
}

// ── read_page ────────────────────────────────────────────────────────────────────────────────────────────────────

export const readPageInput = {
  document: z.number().int().positive().describe('Document id, from search_documents or list_documents'),
  page: z.number().int().positive().describe('1-based page index (the page of a search hit)'),
  cursor: cursorArg.optional(),
};

export const readPageOutput = {
  document: documentRef,
  page: z.number().int(),
  pageLabel: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  uri: z.string(),
  text: z.string(),
  nextCursor: z.string().optional(),
};

type ReadPageArgs = { document: number; page: number; cursor?: string };

/** One page's stored text and label, for a document already known to be visible. */
export function pageRow(db: Db, document: { id: number; title: string; status: string; pageCount: number | null }, page: number): { label: string | null; text: string } {
  const row = db.prepare('SELECT label, text FROM pages WHERE document_id = ? AND page_number = ?').get(document.id, page) as { label: string | null; text: string } | undefined;
  if (row) return row;
  throw new AppError(
    'page_not_found',
    document.pageCount ? `"${document.title}" has ${document.pageCount} pages; there is no page ${page}.` : `"${document.title}" has no readable pages yet (it is ${document.status.replace('_', ' ')}).`,
  );
}

export function readPage(ctx: ToolContext, args: ReadPageArgs) {
  const start = decodeCursor('read_page', args);
  const document = ctx.scope.document(args.document);
  const row = pageRow(ctx.backends.db, document, args.page);
  const base = {
    document: { id: document.id, name: document.title },
    page: args.page,
    pageLabel: row.label,
    pageCount: document.pageCount,
    uri: citationUri(document.id, args.page),
  };
  // Escaping can make JSON longer than the text, so the slice shrinks until the whole result fits.
  let room = Math.max(400, (ctx.budgetTokens - resultTokens(base) - 40) * 4);
  let slice = sliceText(row.text, start, room);
  while (room > 400 && resultTokens({ ...base, text: slice.text, nextCursor: 'x'.repeat(40) }) > ctx.budgetTokens) {
    room = Math.floor(room * 0.9);
    slice = sliceText(row.text, start, room);
  }
  ctx.touch([document.id]);
  return { ...base, text: slice.text, ...(slice.end < row.text.length ? { nextCursor: encodeCursor('read_page', args, slice.end) } : {}) };
}

// ── list_documents ───────────────────────────────────────────────────────────────────────────────────────────────

export const listInput = { workspace: workspaceArg.optional(), cursor: cursorArg.optional() };

const listedDocument = z.object({
  id: z.number().int(),
  name: z.string(),
  format: z.string(),
  pages: z.number().int().nullable(),
  status: z.string().describe('indexed, or why not: queued, processing, needs_password, needs_ocr, failed, cancelled'),
  workspace: z.string(),
});

export const listOutput = {
  documents: z.array(listedDocument),
  total: z.number().int().describe('Documents in the listed workspaces'),
  nextCursor: z.string().optional(),
};

const PAGE_ROWS = 100;

export function listDocuments(ctx: ToolContext, args: { workspace?: string; cursor?: string }) {
  const afterId = decodeCursor('list_documents', args);
  const workspaceIds = args.workspace === undefined ? ctx.scope.workspaces().map((w) => w.id) : [ctx.scope.workspace(args.workspace).id];
  const within = JSON.stringify(workspaceIds);
  const rows = ctx.backends.db
    .prepare(
      `SELECT d.id, d.title AS name, d.type AS format, d.page_count AS pages, d.status, w.name AS workspace
       FROM documents d JOIN workspaces w ON w.id = d.workspace_id
       WHERE d.workspace_id IN (SELECT value FROM json_each(?)) AND d.id > ? ORDER BY d.id LIMIT ?`,
    )
    .all(within, afterId, PAGE_ROWS + 1) as z.infer<typeof listedDocument>[];
  const { total } = ctx.backends.db.prepare('SELECT COUNT(*) AS total FROM documents WHERE workspace_id IN (SELECT value FROM json_each(?))').get(within) as { total: number };
  const base = { total, nextCursor: 'x'.repeat(40) };
  const fits = Math.min(PAGE_ROWS, fitItems(rows, base, ctx.budgetTokens));
  const shown = rows.slice(0, fits);
  return { documents: shown, total, ...(fits < rows.length ? { nextCursor: encodeCursor('list_documents', args, shown.at(-1)!.id) } : {}) };
}

// ── ask ──────────────────────────────────────────────────────────────────────────────────────────────────────────

export const askInput = {
  question: z.string().trim().min(1).max(2000).describe('A question about the documents'),
  workspace: workspaceArg.optional().describe('Workspace name or id; needed when several are shared'),
};

const citation = z.object({
  n: z.number().int().describe('The [n] that marks this source in the answer'),
  document: documentRef,
  page: z.number().int(),
  pageEnd: z.number().int(),
  pageLabel: z.string().nullable(),
  uri: z.string(),
  quote: z.string().describe('The passage the answer drew on (shortened to fit the budget)'),
});

export const askOutput = {
  answer: z.string(),
  provider: z.string().describe('lpu (the local model), groq, or extractive (quoted sentences, when no model is set up)'),
  model: z.string(),
  citations: z.array(citation),
  uncited: z.boolean().describe('True when the answer cites none of the sources it was given'),
};

export async function askQuestion(ctx: ToolContext, args: { question: string; workspace?: string }) {
  let workspaceId: number;
  if (args.workspace !== undefined) workspaceId = ctx.scope.workspace(args.workspace).id;
  else {
    const visible = ctx.scope.workspaces();
    if (visible.length === 0) throw new AppError('nothing_shared', NOTHING_SHARED);
    if (visible.length > 1) throw new AppError('workspace_required', `Several workspaces are shared (${visible.map((w) => w.name).join(', ')}). Name one with the workspace argument.`);
    workspaceId = visible[0]!.id;
  }
  const record = await ctx.backends.answer({ question: args.question, workspaceId }, ctx.signal);
  if (record.status !== 'complete') throw new AppError('answer_failed', record.error ?? 'The answer did not complete. Try again.');
  const cited = record.sources.filter((s) => s.cited && s.documentId !== null);
  // An uncited answer still shows what it was given, so the caller can judge it.
  const sources = record.uncited ? record.sources.filter((s) => s.documentId !== null) : cited;
  const build = (quoteChars: number) => ({
    answer: record.content,
    provider: record.provider ?? 'extractive',
    model: record.model ?? 'extractive',
    citations: sources.map((s) => ({
      n: s.ordinal,
      document: { id: s.documentId!, name: s.documentTitle },
      page: s.pageStart,
      pageEnd: s.pageEnd,
      pageLabel: s.label,
      uri: citationUri(s.documentId!, s.pageStart),
      quote: sliceText(compactText(s.passage), 0, quoteChars).text,
    })),
    uncited: record.uncited,
  });
  let result = build(600);
  for (const quoteChars of [300, 120, 0]) {
    if (resultTokens(result) <= ctx.budgetTokens) break;
    result = build(quoteChars);
  }
  ctx.touch(sources.map((s) => s.documentId!));
  return result;
}

export const toolDescriptions = (budget: number) => ({
  search_documents: `Search the user's Lockstep documents (keywords and meaning). Each passage carries its document, page and a citation URI. ${budgetNote(budget)}`,
  read_page: `Read one page of a document as text, by document id and 1-based page index. ${budgetNote(budget)}`,
  list_documents: `List the shared documents compactly: id, name, format, page count, status (never their text). ${budgetNote(budget)}`,
  ask: `Ask a question and get an answer written from the user's documents by Lockstep's configured model, with page citations as data. Extractive (quoted sentences) when no model is set up. ${budgetNote(budget)}`,
});
