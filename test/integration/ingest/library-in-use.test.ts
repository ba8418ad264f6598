import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParserWorker } from '../../../src/main/ingest/parser-client';
import { createServices, type Services } from '../../../src/main/services';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { tempDataDir } from './helpers';

// A document another live process is indexing belongs to that process until it finishes; and a reader that dies
// mid-file always says what happened to it.

let data: ReturnType<typeof tempDataDir>;
let services: Services;

beforeEach(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-in-use-');
  services = createServices({ dataDir: path.join(data.dir, 'data'), mode: 'test' });
});
afterEach(async () => {
  await services.close();
  data.cleanup();
});

/** A document whose job another process (our parent, alive for the whole test) is running. */
function indexedElsewhere(): number {
  const now = Date.now();
  const documentId = Number(
    services.db
      .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at)
                VALUES (1, '/elsewhere/report.pdf', 'report', 'pdf', 'hash-elsewhere', 10, 'processing', ?, ?)`)
      .run(now, now).lastInsertRowid,
  );
  services.db
    .prepare(`INSERT INTO jobs (kind, workspace_id, document_id, payload_json, state, owner_pid, created_at, updated_at) VALUES ('ingest', 1, ?, '{}', 'running', ?, ?, ?)`)
    .run(documentId, process.ppid, now, now);
  return documentId;
}

describe('library in use by another process', () => {
  it('refuses to remove or cancel a document another live process is indexing, naming its PID', () => {
    const documentId = indexedElsewhere();
    const refusal = { code: 'library_in_use', message: `The library is in use by PID ${process.ppid}, which is indexing this document right now. Try again when it has finished.` };
    expect(() => services.ingest.remove([documentId])).toThrow(expect.objectContaining(refusal));
    expect(() => services.ingest.cancel([documentId])).toThrow(expect.objectContaining(refusal));
    // Cancelling everything leaves that file to its process.
    expect(services.ingest.cancel()).toBe(0);
    expect(services.db.prepare('SELECT status FROM documents WHERE id = ?').get(documentId)).toEqual({ status: 'processing' });
  });

  it('a reader that dies mid-file says it exited, never a bare crash', async () => {
    const file = path.join(data.dir, 'long.pdf');
    writeFileSync(file, generateTextPdf(300, 40));
    const parser = new ParserWorker(async () => null, 60_000);
    try {
      let killed = false;
      const parsing = parser.parse({ filePath: file, chunkTokens: 256 }, (stage) => {
        if (stage !== 'parsing' || killed) return;
        killed = true;
        // The worker dies as if the system killed it: not a stop() the queue asked for.
        void (parser as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      });
      await expect(parsing).rejects.toMatchObject({ code: 'parser_crashed', message: expect.stringMatching(/^The document reader exited unexpectedly \(code \d+\) while reading this file/) });
    } finally {
      await parser.close();
    }
  });
});
