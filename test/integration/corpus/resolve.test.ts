// test/support/corpus.ts finds a corpus file in $LOCKSTEP_TEST_CORPUS, then the cache, then ../shared, and says what
// to run when it is nowhere.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { corpusCacheDir, repoRoot } from '../../../scripts/lib/test-corpus';
import { corpusFile, corpusPath, corpusRoots } from '../../support/corpus';

let dir: string;
const saved = { corpus: process.env.LOCKSTEP_TEST_CORPUS, cache: process.env.LOCKSTEP_TEST_CORPUS_CACHE };
const put = (root: string, rel: string) => { mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); writeFileSync(path.join(root, rel), rel); };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-corpus-resolve-'));
  process.env.LOCKSTEP_TEST_CORPUS = path.join(dir, 'explicit');
  process.env.LOCKSTEP_TEST_CORPUS_CACHE = path.join(dir, 'cache');
});
afterEach(() => {
  for (const [key, value] of [['LOCKSTEP_TEST_CORPUS', saved.corpus], ['LOCKSTEP_TEST_CORPUS_CACHE', saved.cache]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the corpus helper', () => {
  it('looks in LOCKSTEP_TEST_CORPUS, then the cache, then ../shared, file by file', () => {
    expect(corpusRoots()).toEqual([path.join(dir, 'explicit'), path.join(dir, 'cache'), path.resolve(repoRoot, '../shared')]);
    put(path.join(dir, 'explicit'), 'corpus/docs/a.txt');
    put(path.join(dir, 'cache'), 'corpus/docs/a.txt');
    put(path.join(dir, 'cache'), 'models/b.bin');
    expect(corpusPath('corpus/docs/a.txt')).toBe(path.join(dir, 'explicit', 'corpus', 'docs', 'a.txt'));
    expect(corpusPath('models/b.bin')).toBe(path.join(dir, 'cache', 'models', 'b.bin'));
    expect(corpusPath('models/nowhere.bin')).toBeNull();
  });

  it('names a missing file and the command that fetches it', () => {
    expect(() => corpusFile('models/nowhere.bin')).toThrow('Missing test corpus file: models/nowhere.bin. Run `npm run test:corpus` to download it, or set LOCKSTEP_TEST_CORPUS to a folder that has it.');
  });

  it('keeps the cache in LOCKSTEP_TEST_CORPUS_CACHE, else under an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    expect(corpusCacheDir({ LOCKSTEP_TEST_CORPUS_CACHE: 'rel/cache' })).toBe(path.resolve('rel/cache'));
    expect(corpusCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/lockstep/test-corpus');
    expect(corpusCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'lockstep', 'test-corpus'));
    expect(corpusCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'lockstep', 'test-corpus'));
  });
});
