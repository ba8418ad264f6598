import { createHash } from 'node:crypto';
import { answerMeters, answerServing, answerSource, type AnswerMeters, type AnswerServing, type AnswerSource, type ChatEvent, type MessageRecord } from '../../shared/contract/chat';
import type { Settings } from '../../shared/settings';
import { channelPhrase } from '../ops/degrade';
import type { Db } from '../store/db';
import { jsonColumn, readJsonColumn } from '../store/json-column';
import type { ThreadStore } from './threads';

/** Where the cached answer's events go (respond()'s Emit; named here so the two modules do not import each other). */
type Emit = (event: ChatEvent) => void;

// Repeated questions are answered from SQLite at once, with the sources the first answer cited. A key names what
// the answer depends on: the question as normalised text, the workspace and its content version (bumped by the
// triggers of migration 0010 on any ingest, removal or re-index, which also delete the workspace's rows), the
// provider and model, the mode and the selected documents. Quick actions use it the same way, keyed by their label
// over their one document. Regenerating never reads it, and writes the new answer.

/** Rows kept per workspace; the least recently used go first. */
const DEFAULT_ROWS_PER_WORKSPACE = 500;

export interface AnswerCacheKey {
  question: string;
  workspaceId: number;
  provider: string;
  model: string;
  /** How it was asked: a question in either answer mode, or a quick action (whose label names the action and document). */
  mode: 'documents' | 'chat' | 'quick_action';
  /** A selection of documents the question was restricted to (empty or absent: the whole workspace). */
  documentIds?: number[];
  /** The settings the answer depends on besides the model (answerSettingsKey): changing one asks again. */
  settings?: string;
}

/** Search weights, reranking and the answer limit shape an answer as much as the model does. */
export function answerSettingsKey(settings: Pick<Settings, 'vectorSearchWeight' | 'rerankEnabled' | 'maxAnswerTokens'>): string {
  return JSON.stringify([settings.vectorSearchWeight, settings.rerankEnabled, settings.maxAnswerTokens]);
}

export interface CachedAnswer {
  question: string;
  provider: string;
  model: string;
  content: string;
  reasoning?: string;
  meters: AnswerMeters | null;
  sources: AnswerSource[];
  /** How the first answer was served (its degradation channel and why), replayed with it; absent for ordinary answers. */
  served?: Omit<AnswerServing, 'cachedAt'>;
  /** When the answer was first produced (ms since the epoch). */
  createdAt: number;
}

/** Case, width, spacing and closing punctuation do not make a different question. */
export function normaliseQuestion(question: string): string {
  return question
    .normalize('NFKC')
    .toLocaleLowerCase('en')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'“‘「]+|["'”’」]+$/gu, '')
    .replace(/[\s?？!！.。]+$/u, '')
    .trim();
}

interface CacheRow {
  question: string;
  provider: string;
  model: string;
  content: string;
  reasoning: string | null;
  metersJson: string | null;
  sourcesJson: string;
  servedJson: string | null;
  createdAt: number;
}

export class AnswerCache {
  constructor(
    private readonly db: Db,
    private readonly rowsPerWorkspace = DEFAULT_ROWS_PER_WORKSPACE,
  ) {}

  /** The workspace's content version: any change to what its answers could cite moves it on. */
  contentVersion(workspaceId: number): number {
    const row = this.db.prepare('SELECT content_version AS version FROM workspaces WHERE id = ?').get(workspaceId) as { version: number } | undefined;
    return row?.version ?? 0;
  }

  /** The stored answer for this key at the workspace's current content version, or null. */
  get(key: AnswerCacheKey): CachedAnswer | null {
    const hash = cacheKeyHash(key, this.contentVersion(key.workspaceId));
    const row = this.db
      .prepare(
        `SELECT question, provider, model, content, reasoning, meters_json AS metersJson, sources_json AS sourcesJson, served_json AS servedJson,
                created_at AS createdAt
           FROM answer_cache WHERE key = ?`,
      )
      .get(hash) as CacheRow | undefined;
    if (!row) return null;
    const sources = readJsonColumn(row.sourcesJson, answerSource.array());
    if (!sources) return null;
    this.db.prepare('UPDATE answer_cache SET hits = hits + 1, last_hit_at = ? WHERE key = ?').run(Date.now(), hash);
    const served = readJsonColumn(row.servedJson, answerServing.omit({ cachedAt: true }));
    return {
      question: row.question,
      provider: row.provider,
      model: row.model,
      content: row.content,
      ...(row.reasoning ? { reasoning: row.reasoning } : {}),
      meters: readJsonColumn(row.metersJson, answerMeters),
      sources,
      ...(served ? { served } : {}),
      createdAt: row.createdAt,
    };
  }

  /**
   * Stores a complete answer under `key` as of `contentVersion` (read when answering began). An answer that raced an
   * ingest is not stored: its passages may predate the new content.
   */
  put(key: AnswerCacheKey, contentVersion: number, answer: Pick<MessageRecord, 'content' | 'reasoning' | 'meters' | 'sources' | 'served'>): boolean {
    return this.db.transaction(() => {
      if (this.contentVersion(key.workspaceId) !== contentVersion) return false;
      const now = Date.now();
      this.db
        .prepare(
          `INSERT OR REPLACE INTO answer_cache (key, workspace_id, content_version, question, mode, provider, model, content, reasoning, meters_json, sources_json,
                                                 served_json, created_at, last_hit_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          cacheKeyHash(key, contentVersion),
          key.workspaceId,
          contentVersion,
          key.question,
          key.mode,
          key.provider,
          key.model,
          answer.content,
          answer.reasoning ?? null,
          jsonColumn(answer.meters),
          JSON.stringify(answer.sources),
          jsonColumn(firstServing(answer.served)),
          now,
          now,
        );
      this.db
        .prepare(
          `DELETE FROM answer_cache WHERE workspace_id = ? AND key IN (
             SELECT key FROM answer_cache WHERE workspace_id = ? ORDER BY last_hit_at DESC LIMIT -1 OFFSET ?)`,
        )
        .run(key.workspaceId, key.workspaceId, this.rowsPerWorkspace);
      return true;
    }).immediate();
  }

  /** How many answers are stored (for one workspace, or all). */
  size(workspaceId?: number): number {
    const row = (workspaceId === undefined
      ? this.db.prepare('SELECT COUNT(*) AS n FROM answer_cache').get()
      : this.db.prepare('SELECT COUNT(*) AS n FROM answer_cache WHERE workspace_id = ?').get(workspaceId)) as { n: number };
    return row.n;
  }
}

/** What a replay repeats of how the answer was served: its channel and why, never an earlier replay's cache time. */
function firstServing(served: AnswerServing | undefined): Omit<AnswerServing, 'cachedAt'> | null {
  if (!served) return null;
  // The notices are the first answer's own; a replay carries its cached notice instead.
  const { cachedAt: _cachedAt, notices: _notices, ...rest } = served;
  return Object.keys(rest).length ? rest : null;
}

function cacheKeyHash(key: AnswerCacheKey, contentVersion: number): string {
  const documents = [...new Set(key.documentIds ?? [])].sort((a, b) => a - b);
  const parts = [normaliseQuestion(key.question), key.workspaceId, contentVersion, key.provider, key.model, key.mode, documents, key.settings ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Writes a cached answer as the assistant message of this question and streams it as one answer would be streamed,
 * marked cached with the time it was first answered.
 */
export function replayCachedAnswer(
  threads: ThreadStore,
  question: { threadId: number; userMessageId: number; query: string },
  cached: CachedAnswer,
  emit: Emit,
): MessageRecord {
  const by = { provider: cached.provider, model: cached.model };
  const assistantMessageId = threads.addMessage(question.threadId, { role: 'assistant', content: '', status: 'streaming', ...by });
  emit({
    type: 'started',
    threadId: question.threadId,
    userMessageId: question.userMessageId,
    assistantMessageId,
    // Only answers respond() completed are stored, so the provider is one a started event names.
    provider: cached.provider as Extract<ChatEvent, { type: 'started' }>['provider'],
    model: cached.model,
    query: question.query,
  });
  const ageSeconds = Math.max(1, Math.round((Date.now() - cached.createdAt) / 1000));
  const age = ageSeconds < 90 ? `${ageSeconds} s` : ageSeconds < 5400 ? `${Math.round(ageSeconds / 60)} min` : `${Math.round(ageSeconds / 3600)} h`;
  // The first answer's channel note travels with it: a replay of a degraded answer must not look like a full-speed one.
  const how = cached.served?.channel && cached.served.reason ? ` It was answered on ${channelPhrase(cached.served.channel)} because ${cached.served.reason}.` : '';
  const cachedNotice = { kind: 'cached' as const, message: `Answered from the cache: the same question was answered ${age} ago over the same documents.${how} Regenerate to ask the model again.` };
  emit({ type: 'notice', ...cachedNotice });
  emit({ type: 'sources', routing: cached.sources.length ? 'retrieval' : 'none', sources: cached.sources });
  if (cached.reasoning) emit({ type: 'reasoning', text: cached.reasoning });
  emit({ type: 'delta', text: cached.content });
  if (cached.meters) emit({ type: 'meters', meters: cached.meters });
  const record = threads.finishAnswer(assistantMessageId, {
    content: cached.content,
    status: 'complete',
    ...by,
    meters: cached.meters,
    sources: cached.sources,
    reasoning: cached.reasoning,
    // The replay showed only the cached notice, so that is the one a reload shows too.
    served: { ...cached.served, cachedAt: cached.createdAt, notices: [cachedNotice] },
  });
  emit({ type: 'done', message: record });
  return record;
}
