import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestFunction } from 'vitest';
import { corpusCacheDir, FETCH_CORPUS_COMMAND, readCorpusManifest, repoRoot } from '../../scripts/lib/test-corpus';

// The one place tests find third-party corpus files (test/corpus/manifest.json). Roots, in order:
// $LOCKSTEP_TEST_CORPUS, the cache `npm run test:corpus` fills, then ../shared beside the repo.
// Tests that need a missing file are skipped with the reason recorded (corpus-reporter.ts prints the count);
// with LOCKSTEP_REQUIRE_CORPUS=1 they fail instead, naming the files.

declare module 'vitest' {
  interface TaskMeta {
    /** Corpus files this skipped test or suite needed and did not find. */
    corpusMissing?: string[];
  }
}

export { FETCH_CORPUS_COMMAND };

export function corpusRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots = [corpusCacheDir(env), path.resolve(repoRoot, '../shared')];
  return env.LOCKSTEP_TEST_CORPUS ? [path.resolve(env.LOCKSTEP_TEST_CORPUS), ...roots] : roots;
}

/** The absolute path of a corpus file (`models/…`, `corpus/docs/…`), or null when no root has it. */
export function corpusPath(rel: string): string | null {
  for (const root of corpusRoots()) {
    const candidate = path.join(root, ...rel.split('/'));
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function missingCorpusMessage(missing: string[]): string {
  const them = missing.length > 1 ? 'them' : 'it';
  return `Missing test corpus file${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}. Run \`${FETCH_CORPUS_COMMAND}\` to download ${them}, or set LOCKSTEP_TEST_CORPUS to a folder that has ${them}.`;
}

/** Like corpusPath, for code that runs only once the file is known to be there; otherwise it throws naming the file. */
export function corpusFile(rel: string): string {
  const found = corpusPath(rel);
  if (!found) throw new Error(missingCorpusMessage([rel]));
  return found;
}

let listed: Set<string> | undefined;
/** Tests may only rely on files the manifest lists, so `npm run test:corpus` brings in everything they need. */
function missingFiles(rels: string[]): string[] {
  listed ??= new Set(readCorpusManifest().files.map((f) => f.path));
  const unlisted = rels.filter((rel) => !listed!.has(rel));
  if (unlisted.length > 0) throw new Error(`Not in test/corpus/manifest.json: ${unlisted.join(', ')}. List the file there (path, size, sha256, licence, url) before a test uses it.`);
  return rels.filter((rel) => corpusPath(rel) === null);
}

export const corpusRequired = (): boolean => process.env.LOCKSTEP_REQUIRE_CORPUS === '1';

/** `it` that runs when every file in `rels` is present, is skipped (and counted) when one is not, or fails under LOCKSTEP_REQUIRE_CORPUS=1. */
export function itWithCorpus(rels: string[], name: string, fn: TestFunction, timeout?: number): void {
  const missing = missingFiles(rels);
  if (missing.length === 0) it(name, fn, timeout);
  else if (corpusRequired()) it(name, () => { throw new Error(missingCorpusMessage(missing)); });
  else it(name, { skip: true, meta: { corpusMissing: missing } }, fn);
}

/** `describe` with the same rule for a whole block; its hooks do not run when it is skipped. */
export function describeWithCorpus(rels: string[], name: string, fn: () => void): void {
  const missing = missingFiles(rels);
  if (missing.length === 0) describe(name, fn);
  else if (corpusRequired()) describe(name, () => { it('has its corpus files', () => { throw new Error(missingCorpusMessage(missing)); }); });
  else describe(name, { skip: true, meta: { corpusMissing: missing } }, fn);
}
