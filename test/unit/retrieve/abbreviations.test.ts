import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store/db';
import { abbreviationKey, expansionsFor, mineAbbreviations } from '../../../src/main/retrieve/abbreviations';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('mineAbbreviations', () => {
  it('pairs a parenthesised short form with the words whose initials spell it', () => {
    const text =
      'Purchases of property, plant and equipment (PP&E) rose. Diluted earnings per share ("EPS") fell. ' +
      'Our cost of goods sold (COGS) and the Financial Accounting Standards Board (the FASB) are named. ' +
      'Revenue grew (see Note 4) and margins (in %) held; the United States (US) market (Market) too.';
    expect(mineAbbreviations(text)).toEqual([
      { short: 'ppe', expansion: 'property, plant and equipment' },
      { short: 'eps', expansion: 'earnings per share' },
      { short: 'cogs', expansion: 'cost of goods sold' },
      { short: 'fasb', expansion: 'Financial Accounting Standards Board' },
      { short: 'us', expansion: 'United States' },
    ]);
  });

  it('keys short forms by their letters and digits', () => {
    expect(abbreviationKey('PP&E')).toBe('ppe');
    expect(abbreviationKey('S&P500')).toBe('sp500');
  });
});

describe('expansionsFor', () => {
  it('expands the short forms a query uses from every document, most often defined first', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-abbrev-'));
    dirs.push(dir);
    const db = openStore(dir);
    const doc = (n: number) => Number(db.prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, 't', 'pdf', ?, 0, 'indexed', 0, 0)`).run(`/d${n}.pdf`, `h${n}`).lastInsertRowid);
    const insert = db.prepare('INSERT INTO abbreviations (document_id, short, expansion) VALUES (?, ?, ?)');
    const [a, b, c] = [doc(1), doc(2), doc(3)];
    insert.run(a, 'ppe', 'property, plant and equipment');
    insert.run(b, 'ppe', 'property, plant and equipment');
    insert.run(c, 'ppe', 'personal protective equipment');
    insert.run(a, 'us', 'United States');
    expect(expansionsFor(db, 'How did PP&E change?')).toEqual(['property, plant and equipment', 'personal protective equipment']);
    expect(expansionsFor(db, 'How did PP&E change?', 1)).toEqual(['property, plant and equipment']);
    // A lowercase word is a word, not a short form.
    expect(expansionsFor(db, 'tell us more')).toEqual([]);
    expect(expansionsFor(db, 'ppe purchases')).toEqual([]);
    expect(expansionsFor(db, 'sales in the US')).toEqual(['United States']);
    // Once a passage spells the short form, it matches by itself and is not expanded.
    db.prepare("INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (1, 'Net PP&E rose.', '', '')").run();
    expect(expansionsFor(db, 'How did PP&E change?')).toEqual([]);
    expect(expansionsFor(db, 'sales in the US')).toEqual(['United States']);
    db.close();
  });
});
