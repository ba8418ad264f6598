import type { Migration } from './migration';

// The schema every area builds on: workspaces → documents → pages/chunks (+ FTS5, vectors), threads → messages, settings, jobs.
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE workspaces (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      created_at  INTEGER NOT NULL
    );
    INSERT INTO workspaces (id, name, created_at) VALUES (1, 'Default', CAST(unixepoch('subsec') * 1000 AS INTEGER));

    CREATE TABLE documents (
      id             INTEGER PRIMARY KEY,
      workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      path           TEXT NOT NULL,
      title          TEXT NOT NULL,
      type           TEXT NOT NULL,
      content_hash   TEXT NOT NULL,
      size_bytes     INTEGER NOT NULL,
      mtime_ms       INTEGER,
      status         TEXT NOT NULL CHECK (status IN ('queued','processing','indexed','needs_password','needs_ocr','failed','cancelled')),
      error_code     TEXT,
      error_message  TEXT,
      page_count     INTEGER,
      chunk_count    INTEGER NOT NULL DEFAULT 0,
      language       TEXT,
      created_at     INTEGER NOT NULL,
      updated_at     INTEGER NOT NULL,
      UNIQUE (workspace_id, content_hash)
    );
    CREATE INDEX documents_by_path ON documents (workspace_id, path);

    CREATE TABLE pages (
      document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      page_number  INTEGER NOT NULL,
      label        TEXT,
      text         TEXT NOT NULL,
      PRIMARY KEY (document_id, page_number)
    ) WITHOUT ROWID;

    CREATE TABLE chunks (
      id            INTEGER PRIMARY KEY,
      document_id   INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      ordinal       INTEGER NOT NULL,
      text          TEXT NOT NULL,
      token_count   INTEGER NOT NULL,
      page_start    INTEGER NOT NULL,
      page_end      INTEGER NOT NULL,
      label_start   TEXT,
      label_end     TEXT,
      char_start    INTEGER NOT NULL,
      char_end      INTEGER NOT NULL,
      heading_path  TEXT NOT NULL DEFAULT '',
      kind          TEXT NOT NULL DEFAULT 'text',
      UNIQUE (document_id, ordinal)
    );

    -- Contentless keyword index keyed by chunks.id; CJK text is pre-segmented into words before it is written.
    CREATE VIRTUAL TABLE chunks_fts USING fts5 (
      body, heading,
      content = '', contentless_delete = 1,
      tokenize = 'porter unicode61 remove_diacritics 2'
    );

    -- One vec0 table per (embedding model, dimension); searches use the newest complete set.
    CREATE TABLE embedding_sets (
      id            INTEGER PRIMARY KEY,
      model_id      TEXT NOT NULL,
      dimension     INTEGER NOT NULL CHECK (dimension > 0),
      table_name    TEXT NOT NULL UNIQUE,
      status        TEXT NOT NULL CHECK (status IN ('building','complete','retired')),
      chunk_count   INTEGER NOT NULL DEFAULT 0,
      created_at    INTEGER NOT NULL,
      completed_at  INTEGER,
      UNIQUE (model_id, dimension)
    );

    CREATE TABLE threads (
      id            INTEGER PRIMARY KEY,
      workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      title         TEXT NOT NULL,
      created_at    INTEGER NOT NULL,
      updated_at    INTEGER NOT NULL
    );
    CREATE INDEX threads_by_recent ON threads (workspace_id, updated_at DESC);

    CREATE TABLE messages (
      id           INTEGER PRIMARY KEY,
      thread_id    INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
      role         TEXT NOT NULL CHECK (role IN ('system','user','assistant')),
      content      TEXT NOT NULL,
      status       TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('streaming','complete','cancelled','error')),
      provider     TEXT,
      model        TEXT,
      meters_json  TEXT,
      error        TEXT,
      created_at   INTEGER NOT NULL
    );
    CREATE INDEX messages_by_thread ON messages (thread_id, id);

    CREATE TABLE message_sources (
      message_id     INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      ordinal        INTEGER NOT NULL,
      chunk_id       INTEGER REFERENCES chunks(id) ON DELETE SET NULL,
      document_id    INTEGER REFERENCES documents(id) ON DELETE SET NULL,
      document_title TEXT NOT NULL,
      document_path  TEXT NOT NULL,
      page_start     INTEGER NOT NULL,
      page_end       INTEGER NOT NULL,
      label          TEXT,
      passage        TEXT NOT NULL,
      PRIMARY KEY (message_id, ordinal)
    ) WITHOUT ROWID;

    CREATE TABLE settings (
      key         TEXT PRIMARY KEY,
      value_json  TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE jobs (
      id            INTEGER PRIMARY KEY,
      kind          TEXT NOT NULL,
      workspace_id  INTEGER REFERENCES workspaces(id) ON DELETE CASCADE,
      document_id   INTEGER REFERENCES documents(id) ON DELETE CASCADE,
      payload_json  TEXT NOT NULL,
      state         TEXT NOT NULL CHECK (state IN ('queued','running','paused','done','failed','cancelled')),
      progress_json TEXT,
      attempts      INTEGER NOT NULL DEFAULT 0,
      error         TEXT,
      created_at    INTEGER NOT NULL,
      updated_at    INTEGER NOT NULL
    );
    CREATE INDEX jobs_by_state ON jobs (state, id);
  `,
};
