import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('migration 0007_page_ocr on a real SQLite file', () => {
  it('adds OCR confidence and word columns, NULL for pages stored before it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-0007-'));
    dirs.push(dir);
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 7) });
    before.prepare("INSERT INTO documents (id, workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, 1, '/a.pdf', 'a', 'pdf', 'h', 1, 'indexed', 0, 0)").run();
    before.prepare("INSERT INTO pages (document_id, page_number, label, text) VALUES (1, 1, NULL, 'typed text')").run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 7) });
    expect(storeVersions(db).schema).toBe(7);
    expect(db.prepare('SELECT text, ocr_confidence, ocr_words FROM pages').all()).toEqual([{ text: 'typed text', ocr_confidence: null, ocr_words: null }]);
    db.prepare(`UPDATE pages SET ocr_confidence = 91, ocr_words = '[]'`).run();
    expect(db.prepare('SELECT ocr_confidence FROM pages').get()).toEqual({ ocr_confidence: 91 });
    db.close();
  });
});
