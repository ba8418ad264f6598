import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { retrievalPassageSource } from '../../../src/main/chat/passages';
import { createChatService, type ChatService } from '../../../src/main/chat/service';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import { createServices, type Services } from '../../../src/main/services';
import type { Db } from '../../../src/main/store/db';

// A real SQLite library filled through plain SQL, as ingestion would leave it: documents, pages, chunks, FTS rows.

export interface TestPage {
  page: number;
  label?: string;
  text: string;
}

export function tempDataDir(prefix = 'lockstep-chat-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real services over a temporary data folder (no embedder installed: search runs on BM25). */
export function openTestServices(dataDir: string): Services {
  return createServices({ dataDir, mode: 'test' });
}

/** A chat service over the services' real retrieval, with secrets in memory and Groq at a test server. */
export function testChatService(services: Services, options: { groqBaseURL?: string; secrets?: MemorySecretStore } = {}): ChatService {
  return createChatService({
    dataDir: services.dataDir,
    db: services.db,
    settings: services.settings,
    secrets: options.secrets ?? new MemorySecretStore(),
    groqBaseURL: options.groqBaseURL,
    passages: retrievalPassageSource(services),
  });
}

/** Adds an indexed document whose chunks are its pages (one chunk per page). Returns the document id. */
export function addDocument(db: Db, title: string, pages: TestPage[], workspaceId = 1): number {
  const now = Date.now();
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, page_count, chunk_count, created_at, updated_at)
       VALUES (?, ?, ?, 'pdf', ?, 1000, 'indexed', ?, ?, ?, ?)`,
    )
    .run(workspaceId, `/library/${title}.pdf`, title, `hash-${title}-${now}-${Math.random()}`, pages.length, pages.length, now, now);
  const documentId = Number(lastInsertRowid);
  const insertPage = db.prepare('INSERT INTO pages (document_id, page_number, label, text) VALUES (?, ?, ?, ?)');
  const insertChunk = db.prepare(
    `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, label_start, label_end, char_start, char_end)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
  );
  const insertFts = db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)');
  pages.forEach((page, ordinal) => {
    insertPage.run(documentId, page.page, page.label ?? null, page.text);
    const chunk = insertChunk.run(documentId, ordinal, page.text, page.text.split(/\s+/).length, page.page, page.page, page.label ?? null, page.label ?? null, page.text.length);
    insertFts.run(chunk.lastInsertRowid, page.text, '');
  });
  return documentId;
}

export const HANDBOOK: TestPage[] = [
  { page: 1, label: 'i', text: 'Acme Employee Handbook. This handbook describes the policies of Acme Corporation.' },
  { page: 2, text: 'Annual leave. Every employee receives 25 days of paid annual leave per calendar year. Leave requests go to your manager.' },
  { page: 3, text: 'Carry-over. Up to five unused days of annual leave can be carried over into the first quarter of the next year.' },
  { page: 4, text: 'Expenses. Travel expenses are reimbursed within 30 days when the receipt is submitted through the finance portal.' },
];

/** Fresh services on a new data folder with the Handbook indexed before each test, closed and removed after it. */
export function handbookServicesPerTest(): () => Services {
  let data: ReturnType<typeof tempDataDir> | undefined;
  let services: Services | undefined;
  beforeEach(() => {
    data = tempDataDir();
    services = openTestServices(data.dir);
    addDocument(services.db, 'Handbook', HANDBOOK);
  });
  afterEach(async () => {
    await services?.close();
    data?.remove();
    services = data = undefined;
  });
  return () => {
    if (!services) throw new Error('the Handbook services are open only while a test runs');
    return services;
  };
}
