import { answerMeters, answerServing, type AnswerMeters, type AnswerServing, type AnswerSource, type ConversationHit, type MessageRecord, type QuickAction, type ThreadSummary } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { jsonColumn, readJsonColumn } from '../store/json-column';
import { citedOrdinals } from './citations';

// Threads, messages and their numbered sources in SQLite. `cited` is not stored: it is re-derived from the
// answer text, so an edited or regenerated answer can never disagree with its markers.

const THREAD_COLUMNS = `t.id, t.workspace_id AS workspaceId, t.title, t.created_at AS createdAt, t.updated_at AS updatedAt,
  (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id) AS messageCount`;

interface MessageRow {
  id: number;
  threadId: number;
  role: 'user' | 'assistant';
  content: string;
  status: MessageRecord['status'];
  provider: string | null;
  model: string | null;
  metersJson: string | null;
  error: string | null;
  reasoning: string | null;
  servedJson: string | null;
  createdAt: number;
}

interface SourceRow {
  messageId: number;
  ordinal: number;
  chunkId: number | null;
  documentId: number | null;
  documentTitle: string;
  documentPath: string;
  pageStart: number;
  pageEnd: number;
  label: string | null;
  passage: string;
}

export function threadTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? line.slice(0, 59).trimEnd() + '…' : line;
}

/** What a question asked over, stored with the user message so regenerating asks the same thing. */
export type MessageScope =
  | { kind: 'question'; mode: 'documents' | 'chat'; documentIds: number[] }
  | { kind: 'quick_action'; action: QuickAction; documentId: number };

export class ThreadStore {
  constructor(private readonly db: Db) {}

  /** The ids among `documentIds` that belong to the workspace (a selection never reaches into another workspace). */
  documentsInWorkspace(documentIds: number[], workspaceId: number): number[] {
    const inWorkspace = this.db.prepare('SELECT 1 FROM documents WHERE id = ? AND workspace_id = ?');
    return documentIds.filter((id) => inWorkspace.get(id, workspaceId) !== undefined);
  }

  scope(messageId: number): MessageScope | null {
    const row = this.db.prepare('SELECT scope_json FROM messages WHERE id = ?').get(messageId) as { scope_json: string | null } | undefined;
    return row?.scope_json ? (JSON.parse(row.scope_json) as MessageScope) : null;
  }

  list(workspaceId?: number): ThreadSummary[] {
    if (workspaceId === undefined) return this.db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads t ORDER BY t.updated_at DESC`).all() as ThreadSummary[];
    return this.db.prepare(THREADS_OF_WORKSPACE).all(workspaceId) as ThreadSummary[];
  }

  /** Thread titles and messages containing `query` (case-insensitive for Latin letters), newest first. */
  search(query: string, workspaceId?: number, limit = 50): ConversationHit[] {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const scope = workspaceId ?? null;
    const rows = this.db.prepare(SEARCH_CONVERSATIONS).all(scope, scope, pattern, scope, scope, pattern, limit) as ConversationHit[];
    return rows.map((hit) => ({ ...hit, snippet: snippetAround(hit.snippet, query) }));
  }

  thread(id: number): ThreadSummary {
    const row = this.db.prepare(`SELECT ${THREAD_COLUMNS} FROM threads t WHERE t.id = ?`).get(id) as ThreadSummary | undefined;
    if (!row) throw new AppError('thread_not_found', 'That conversation no longer exists. Start a new one.');
    return row;
  }

  create(workspaceId: number, title: string): ThreadSummary {
    const workspace = this.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(workspaceId);
    if (!workspace) throw new AppError('not_found', 'That workspace no longer exists.');
    const now = Date.now();
    const { lastInsertRowid } = this.db.prepare('INSERT INTO threads (workspace_id, title, created_at, updated_at) VALUES (?, ?, ?, ?)').run(workspaceId, title, now, now);
    return this.thread(Number(lastInsertRowid));
  }

  rename(id: number, title: string): ThreadSummary {
    this.thread(id);
    this.db.prepare('UPDATE threads SET title = ?, updated_at = ? WHERE id = ?').run(title, Date.now(), id);
    return this.thread(id);
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM threads WHERE id = ?').run(id).changes > 0;
  }

  addMessage(
    threadId: number,
    message: { role: 'user' | 'assistant'; content: string; status?: MessageRecord['status']; provider?: string; model?: string; scope?: MessageScope },
  ): number {
    const now = Date.now();
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO messages (thread_id, role, content, status, provider, model, scope_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(threadId, message.role, message.content, message.status ?? 'complete', message.provider ?? null, message.model ?? null, jsonColumn(message.scope), now);
    this.db.prepare('UPDATE threads SET updated_at = ? WHERE id = ?').run(now, threadId);
    return Number(lastInsertRowid);
  }

  /**
   * Answers still marked streaming when the app starts were cut off by a crash or kill: mark them cancelled so
   * they show what was saved instead of spinning forever. Returns how many were recovered.
   */
  recoverInterruptedAnswers(): number {
    return this.db
      .prepare(`UPDATE messages SET status = 'cancelled', error = 'Lockstep closed while this answer was being written.' WHERE status = 'streaming'`)
      .run().changes;
  }

  /** Writes the final state of an answer and its sources in one transaction. */
  finishAnswer(
    messageId: number,
    answer: {
      content: string;
      status: MessageRecord['status'];
      provider: string;
      model: string;
      meters: AnswerMeters | null;
      error?: string;
      sources: AnswerSource[];
      reasoning?: string;
      served?: AnswerServing;
    },
  ): MessageRecord {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE messages SET content = ?, status = ?, provider = ?, model = ?, meters_json = ?, error = ?, reasoning = ?, served_json = ? WHERE id = ?')
        .run(answer.content, answer.status, answer.provider, answer.model, jsonColumn(answer.meters), answer.error ?? null, answer.reasoning || null, jsonColumn(answer.served), messageId);
      this.db.prepare('DELETE FROM message_sources WHERE message_id = ?').run(messageId);
      const insert = this.db.prepare(
        `INSERT INTO message_sources (message_id, ordinal, chunk_id, document_id, document_title, document_path, page_start, page_end, label, passage)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const s of answer.sources) {
        insert.run(messageId, s.ordinal, s.chunkId, s.documentId, s.documentTitle, s.documentPath, s.pageStart, s.pageEnd, s.label, s.passage);
      }
    }).immediate();
    return this.message(messageId);
  }

  /** Empties an answer for regeneration, keeping its id and so its place in the thread. */
  resetAnswer(messageId: number, by: { provider: string; model: string }): number {
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE messages SET content = '', status = 'streaming', provider = ?, model = ?, meters_json = NULL, error = NULL, reasoning = NULL, served_json = NULL WHERE id = ? AND role = 'assistant'")
        .run(by.provider, by.model, messageId);
      this.db.prepare('DELETE FROM message_sources WHERE message_id = ?').run(messageId);
    }).immediate();
    return messageId;
  }

  message(id: number): MessageRecord {
    const row = this.db.prepare(`${SELECT_MESSAGES} WHERE id = ?`).get(id) as MessageRow | undefined;
    if (!row) throw new AppError('message_not_found', 'That message no longer exists.');
    return this.toRecord(row, this.sourcesOf([id]).get(id) ?? []);
  }

  messages(threadId: number): MessageRecord[] {
    const rows = this.db.prepare(MESSAGES_OF_THREAD).all(threadId) as MessageRow[];
    const sources = this.sourcesOf(rows.map((r) => r.id));
    return rows.map((row) => this.toRecord(row, sources.get(row.id) ?? []));
  }

  private sourcesOf(messageIds: number[]): Map<number, SourceRow[]> {
    const bySource = new Map<number, SourceRow[]>();
    if (messageIds.length === 0) return bySource;
    const rows = this.db
      .prepare(
        `SELECT message_id AS messageId, ordinal, chunk_id AS chunkId, document_id AS documentId, document_title AS documentTitle,
                document_path AS documentPath, page_start AS pageStart, page_end AS pageEnd, label, passage
         FROM message_sources WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY message_id, ordinal`,
      )
      .all(JSON.stringify(messageIds)) as SourceRow[];
    for (const row of rows) bySource.set(row.messageId, [...(bySource.get(row.messageId) ?? []), row]);
    return bySource;
  }

  private toRecord(row: MessageRow, sourceRows: SourceRow[]): MessageRecord {
    const cited = new Set(citedOrdinals(row.content, sourceRows.length));
    const sources = sourceRows.map(({ messageId: _messageId, ...s }) => ({ ...s, cited: cited.has(s.ordinal) }));
    const served = readJsonColumn(row.servedJson, answerServing);
    return {
      id: row.id,
      threadId: row.threadId,
      role: row.role,
      content: row.content,
      status: row.status,
      provider: row.provider,
      model: row.model,
      meters: readJsonColumn(row.metersJson, answerMeters),
      error: row.error,
      sources,
      ...(row.reasoning ? { reasoning: row.reasoning } : {}),
      ...(served ? { served } : {}),
      uncited: row.role === 'assistant' && row.status === 'complete' && sources.length > 0 && cited.size === 0,
      createdAt: row.createdAt,
    };
  }
}

const SELECT_MESSAGES = `SELECT id, thread_id AS threadId, role, content, status, provider, model, meters_json AS metersJson, error, reasoning, served_json AS servedJson, created_at AS createdAt FROM messages`;

// LIKE scans every message: fine for one person's conversations (thousands of messages), and it matches Chinese
// substrings, which a word tokenizer would not.
const SEARCH_CONVERSATIONS = `
  SELECT t.id AS threadId, t.title AS threadTitle, NULL AS messageId, NULL AS role, t.title AS snippet, t.updated_at AS createdAt
    FROM threads t WHERE (? IS NULL OR t.workspace_id = ?) AND t.title LIKE ? ESCAPE '\\'
  UNION ALL
  SELECT m.thread_id, t.title, m.id, m.role, m.content, m.created_at
    FROM messages m JOIN threads t ON t.id = m.thread_id
   WHERE (? IS NULL OR t.workspace_id = ?) AND m.content LIKE ? ESCAPE '\\'
  ORDER BY createdAt DESC LIMIT ?`;

/** About 160 characters of `text` around the first match of `query`, on word boundaries where it can. */
export function snippetAround(text: string, query: string, width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  const at = Math.max(0, flat.toLowerCase().indexOf(query.toLowerCase()));
  const start = Math.max(0, Math.min(at - Math.floor(width / 3), flat.length - width));
  const from = start === 0 ? 0 : flat.indexOf(' ', start) + 1 || start;
  const cut = flat.slice(from, from + width);
  return `${from > 0 ? '…' : ''}${cut}${from + width < flat.length ? '…' : ''}`;
}

/** The hot queries (thread list, opening a thread), exported so a test can check they use their indexes. */
export const THREADS_OF_WORKSPACE = `SELECT ${THREAD_COLUMNS} FROM threads t WHERE t.workspace_id = ? ORDER BY t.updated_at DESC`;
export const MESSAGES_OF_THREAD = `${SELECT_MESSAGES} WHERE thread_id = ? ORDER BY id`;
