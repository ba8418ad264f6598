import type { Migration } from './migration';

// The answer cache (src/main/chat/answer-cache.ts), the workspace content version its keys include, and how each
// answer was served (cache or degradation channel). Triggers bump
// the version on whatever changes what an answer could cite (a document added, removed, re-indexed, renamed or moved,
// a new complete embedding set) and drop that workspace's cached answers in the same statement, so no caller can
// forget to invalidate. Size or mtime updates alone change nothing an answer reads, so they do not bump it.
export const answerCache: Migration = {
  version: 10,
  name: 'answer_cache',
  up: `
    ALTER TABLE workspaces ADD COLUMN content_version INTEGER NOT NULL DEFAULT 0;
    -- How an answer was served (degradation channel and reason, or the cache): JSON of AnswerServing, NULL for most.
    ALTER TABLE messages ADD COLUMN served_json TEXT;

    CREATE TABLE answer_cache (
      key              TEXT PRIMARY KEY,
      workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      content_version  INTEGER NOT NULL,
      question         TEXT NOT NULL,
      mode             TEXT NOT NULL,
      provider         TEXT NOT NULL,
      model            TEXT NOT NULL,
      content          TEXT NOT NULL,
      reasoning        TEXT,
      meters_json      TEXT,
      sources_json     TEXT NOT NULL,
      created_at       INTEGER NOT NULL,
      hits             INTEGER NOT NULL DEFAULT 0,
      last_hit_at      INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX answer_cache_by_workspace ON answer_cache (workspace_id, created_at);

    CREATE TRIGGER documents_insert_bumps_content AFTER INSERT ON documents BEGIN
      UPDATE workspaces SET content_version = content_version + 1 WHERE id = NEW.workspace_id;
      DELETE FROM answer_cache WHERE workspace_id = NEW.workspace_id;
    END;
    CREATE TRIGGER documents_delete_bumps_content AFTER DELETE ON documents BEGIN
      UPDATE workspaces SET content_version = content_version + 1 WHERE id = OLD.workspace_id;
      DELETE FROM answer_cache WHERE workspace_id = OLD.workspace_id;
    END;
    CREATE TRIGGER documents_update_bumps_content AFTER UPDATE OF status, content_hash, path, title, page_count, chunk_count, workspace_id ON documents
    WHEN OLD.status IS NOT NEW.status OR OLD.content_hash IS NOT NEW.content_hash OR OLD.path IS NOT NEW.path OR OLD.title IS NOT NEW.title
      OR OLD.page_count IS NOT NEW.page_count OR OLD.chunk_count IS NOT NEW.chunk_count OR OLD.workspace_id IS NOT NEW.workspace_id
    BEGIN
      UPDATE workspaces SET content_version = content_version + 1 WHERE id IN (OLD.workspace_id, NEW.workspace_id);
      DELETE FROM answer_cache WHERE workspace_id IN (OLD.workspace_id, NEW.workspace_id);
    END;
    -- A newly complete embedding set changes every workspace's vector results.
    CREATE TRIGGER embedding_set_complete_bumps_content AFTER UPDATE OF status ON embedding_sets
    WHEN NEW.status = 'complete' AND OLD.status IS NOT 'complete'
    BEGIN
      UPDATE workspaces SET content_version = content_version + 1;
      DELETE FROM answer_cache;
    END;
  `,
};
