import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { vocabularyFolder } from './vocabularies';
import { writeRandomArchGguf, type RandomArchSpec, type RandomModelFormat } from './random-model';

// A cache of random-weight GGUFs for tests: K-quant files take seconds to encode, and the same arguments always give
// the same bytes, so each is written once per generator. The key covers the generator's own source files (any edit to
// the writer, the encoders or the vocabulary reader starts a new generation, and older ones are removed) and the
// vocabulary package's tokenizer.json.

/** Sources whose code decides a random model's bytes, relative to this file. */
const GENERATOR_SOURCES = ['./random-model.ts', './vocabularies.ts', '../loader/gguf-writer.ts', '../loader/ggml-quantize.ts', '../loader/dequant.ts'];

let generation: string | null | undefined;

/** A digest of the generator's sources, or null where they are not beside this module (a bundled build). */
function generatorFingerprint(): string | null {
  if (generation !== undefined) return generation;
  const hash = createHash('sha256');
  try {
    for (const rel of GENERATOR_SOURCES) hash.update(readFileSync(fileURLToPath(new URL(rel, import.meta.url))));
    generation = hash.digest('hex').slice(0, 12);
  } catch {
    generation = null;
  }
  return generation;
}

/**
 * The path of the random model for these arguments under `cacheDir`, written there first if it is not yet; null when
 * the generator's sources cannot be fingerprinted (then write the model yourself). Each writer has a file of its own
 * until it renames it into place, so concurrent test workers at worst write the same file twice.
 */
export function cachedRandomArchGguf(cacheDir: string, spec: RandomArchSpec, format: RandomModelFormat, seed: number, vocabulary: number): string | null {
  const fingerprint = generatorFingerprint();
  if (!fingerprint) return null;
  const tokenizer = statSync(path.join(vocabularyFolder(spec.vocabulary), 'tokenizer.json'));
  const key = createHash('sha256').update(JSON.stringify({ spec, format, seed, vocabulary, tokenizer: [tokenizer.size, tokenizer.mtimeMs] })).digest('hex').slice(0, 16);
  const folder = path.join(cacheDir, fingerprint);
  const file = path.join(folder, `${spec.arch}-${format}-${key}.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(folder, { recursive: true });
  // files of an older generator are never read again
  for (const old of readdirSync(cacheDir)) if (old !== fingerprint) rmSync(path.join(cacheDir, old), { recursive: true, force: true });
  // one shared file.tmp would let a second writer truncate it under the first, which then renames a holed file
  const part = `${file}.${process.pid}-${threadId}.part`;
  writeRandomArchGguf(part, spec, format, seed, vocabulary);
  renameSync(part, file);
  return file;
}
