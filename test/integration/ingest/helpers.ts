import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../../src/main/store/db';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { corpusFile } from '../../support/corpus';
import { readCorpusManifest } from '../../../scripts/lib/test-corpus';

export const repoRoot = path.resolve(__dirname, '../../..');
const cliEntry = path.join(repoRoot, 'bin/lockstep.mjs');

export interface IngestJson {
  files: { path: string; documentId: number; status: string; reasonCode: string | null; reason: string | null; pages: number | null; chunks: number }[];
  missing: string[];
  summary: Record<string, number>;
}

export function tempDataDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real documents the manifest lists (test/corpus/manifest.json), as corpus paths: `corpus/docs/pdf/tracemonkey.pdf`. */
export const corpusDocs = readCorpusManifest().files.map((f) => f.path).filter((p) => p.startsWith('corpus/docs/'));

/** Copies corpus documents into a new temp folder with their layout under corpus/docs kept; call once they are known present. */
export function copyCorpusDocs(files: string[], prefix: string): { dir: string; cleanup(): void } {
  const docs = tempDataDir(prefix);
  for (const file of files) {
    const target = path.join(docs.dir, path.relative('corpus/docs', file));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(corpusFile(file), target);
  }
  return docs;
}

/** Runs the real CLI (`lockstep ingest … --json`) and parses its single JSON document. */
export const tokenizerDir = MINILM_TOKENIZER_DIR;

export function runIngest(dataDir: string, args: string[], env: Record<string, string> = {}): IngestJson {
  const run = spawnSync(process.execPath, [cliEntry, 'ingest', ...args, '--json', '--data-dir', dataDir], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LOCKSTEP_LOG: 'silent', ...env },
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`lockstep ingest exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as IngestJson;
}

export function spawnIngest(dataDir: string, args: string[]) {
  return spawn(process.execPath, [cliEntry, 'ingest', ...args, '--json', '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, LOCKSTEP_LOG: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function openReadonly(dataDir: string) {
  return new Database(path.join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
}

/** Rows that must never exist: chunks without documents, keyword rows without chunks, pages without documents, stuck jobs. */
export function orphanCounts(db: Database.Database) {
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    chunksWithoutDocument: count('SELECT COUNT(*) AS n FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)'),
    pagesWithoutDocument: count('SELECT COUNT(*) AS n FROM pages WHERE document_id NOT IN (SELECT id FROM documents)'),
    ftsWithoutChunk: count('SELECT COUNT(*) AS n FROM chunks_fts WHERE rowid NOT IN (SELECT id FROM chunks)'),
    chunksWithoutFts: count('SELECT COUNT(*) AS n FROM chunks WHERE id NOT IN (SELECT rowid FROM chunks_fts)'),
    chunkCountMismatch: count('SELECT COUNT(*) AS n FROM documents d WHERE d.chunk_count != (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id)'),
    runningJobs: count("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('running','queued') AND kind = 'ingest'"),
    unfinishedDocuments: count("SELECT COUNT(*) AS n FROM documents WHERE status IN ('queued','processing')"),
  };
}

export const noOrphans = {
  chunksWithoutDocument: 0,
  pagesWithoutDocument: 0,
  ftsWithoutChunk: 0,
  chunksWithoutFts: 0,
  chunkCountMismatch: 0,
  runningJobs: 0,
  unfinishedDocuments: 0,
};
