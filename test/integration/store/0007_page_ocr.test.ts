import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0007-');

describe('migration 0007_page_ocr on a real SQLite file', () => {
  it('adds OCR confidence and word columns, NULL for pages stored before it', () => {
    const dir = tempDir();
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
