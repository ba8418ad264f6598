import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStore } from '../../../src/main/store/db';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-modes-'));
  dirs.push(dir);
  return dir;
};
const mode = (file: string) => statSync(file).mode & 0o777;

describe.skipIf(process.platform === 'win32')('data folder permissions', () => {
  it('creates a fresh data folder 0700 with the database and its WAL and SHM files 0600', () => {
    const dataDir = path.join(tempDir(), 'data');
    const db = openStore(dataDir);
    db.prepare('INSERT INTO workspaces (name, created_at) VALUES (?, ?)').run('written so the WAL exists', 0);
    const database = path.join(dataDir, DATABASE_FILE);
    expect(mode(dataDir)).toBe(0o700);
    expect([mode(database), mode(`${database}-wal`), mode(`${database}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    // Files Lockstep writes later (caches, downloads, logs) inherit the process umask.
    writeFileSync(path.join(dataDir, 'cache-file.json'), '{}');
    expect(mode(path.join(dataDir, 'cache-file.json'))).toBe(0o600);
    db.close();
  });

  it('leaves a shared (sticky) folder such as /tmp as it is, while the database in it is still 0600', () => {
    const shared = path.join(tempDir(), 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const saved = process.env.LOCKSTEP_LOG;
    process.env.LOCKSTEP_LOG = 'silent';
    try {
      const db = openStore(shared);
      expect(statSync(shared).mode & 0o7777).toBe(0o1777);
      expect(mode(path.join(shared, DATABASE_FILE))).toBe(0o600);
      db.close();
    } finally {
      if (saved === undefined) delete process.env.LOCKSTEP_LOG;
      else process.env.LOCKSTEP_LOG = saved;
    }
  });

  it('tightens an existing install that was created 0755/0644 and leaves linked user files alone', () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const userFile = path.join(root, 'user-model.gguf');
    writeFileSync(userFile, 'not ours');
    chmodSync(userFile, 0o644);
    const before = openStore(dataDir);
    before.prepare('INSERT INTO workspaces (name, created_at) VALUES (?, ?)').run('old install', 0);
    before.close();
    const database = path.join(dataDir, DATABASE_FILE);
    mkdirSync(path.join(dataDir, 'uploads', 'abc'), { recursive: true });
    mkdirSync(path.join(dataDir, 'cache'), { recursive: true });
    writeFileSync(path.join(dataDir, 'uploads', 'abc', 'report.pdf'), 'uploaded');
    writeFileSync(path.join(dataDir, 'cache', 'groq-models.json'), '{}');
    writeFileSync(path.join(dataDir, 'lockstep.log'), 'log line');
    symlinkSync(userFile, path.join(dataDir, 'cache', 'linked.gguf'));
    for (const dir of [dataDir, path.join(dataDir, 'uploads'), path.join(dataDir, 'uploads', 'abc'), path.join(dataDir, 'cache')]) chmodSync(dir, 0o755);
    for (const file of [database, path.join(dataDir, 'uploads', 'abc', 'report.pdf'), path.join(dataDir, 'cache', 'groq-models.json'), path.join(dataDir, 'lockstep.log')]) chmodSync(file, 0o644);

    const db = openStore(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(database)).toBe(0o600);
    expect([mode(path.join(dataDir, 'uploads')), mode(path.join(dataDir, 'uploads', 'abc')), mode(path.join(dataDir, 'cache'))]).toEqual([0o700, 0o700, 0o700]);
    expect([mode(path.join(dataDir, 'uploads', 'abc', 'report.pdf')), mode(path.join(dataDir, 'cache', 'groq-models.json')), mode(path.join(dataDir, 'lockstep.log'))]).toEqual([0o600, 0o600, 0o600]);
    expect(mode(userFile)).toBe(0o644);
    db.close();
  });
});
