// Writes (once, cached) a random-weight GGUF with SmolLM2-135M's exact shape and SmolLM2's tokenizer, for speed
// measurements where weight values do not matter. Usage: tsx scripts/make-random-model.ts [dir] [--type Q8_0|F16|F32]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpeTokenizerFromHfFolder, SMOLLM2_135M, writeRandomLlamaGguf, type GgufTensorType } from '../src/main/lpu/loader/gguf-writer';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SMOLLM_TOKENIZER_DIR = path.resolve(repoRoot, '../shared/models/tokenizers/SmolLM-360M-Instruct');
export const DEFAULT_MODELS_DIR = path.join(repoRoot, '.cache/models');

/** Returns the path of the random SmolLM2-135M-shaped model in `dir`, writing it first if it is not there. */
export function ensureRandomSmolLm2(dir = DEFAULT_MODELS_DIR, type: GgufTensorType = 'Q8_0'): string {
  const file = path.join(dir, `random-smollm2-135m-${type.toLowerCase()}.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  writeRandomLlamaGguf(file, SMOLLM2_135M, type, bpeTokenizerFromHfFolder(SMOLLM_TOKENIZER_DIR, 'smollm'));
  return file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const typeAt = args.indexOf('--type');
  const type = (typeAt >= 0 ? args[typeAt + 1] : 'Q8_0') as GgufTensorType;
  if (!['Q8_0', 'F16', 'F32'].includes(type)) throw new Error(`--type must be Q8_0, F16 or F32, not ${type}`);
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--type');
  const started = Date.now();
  const file = ensureRandomSmolLm2(dir ? path.resolve(dir) : undefined, type);
  console.log(JSON.stringify({ file, bytes: statSync(file).size, seconds: (Date.now() - started) / 1000 }));
}
