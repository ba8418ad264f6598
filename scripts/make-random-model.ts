// Writes (once, cached) a random-weight GGUF with SmolLM2-135M's exact shape and SmolLM2's tokenizer, for speed
// measurements where weight values do not matter. Usage: tsx scripts/make-random-model.ts [dir] [--type Q8_0|F16|F32] [--size 135m|360m]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpeTokenizerFromHfFolder, SMOLLM2_135M, SMOLLM2_360M, writeRandomLlamaGguf, type GgufTensorType } from '../src/main/lpu/loader/gguf-writer';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SMOLLM_TOKENIZER_DIR = path.resolve(repoRoot, '../shared/models/tokenizers/SmolLM-360M-Instruct');
export const DEFAULT_MODELS_DIR = path.join(repoRoot, '.cache/models');

const SHAPES = { '135m': SMOLLM2_135M, '360m': SMOLLM2_360M };

/** Returns the path of the random SmolLM2-shaped model (135M unless told) in `dir`, writing it first if it is not there. */
export function ensureRandomSmolLm2(dir = DEFAULT_MODELS_DIR, type: GgufTensorType = 'Q8_0', size: keyof typeof SHAPES = '135m'): string {
  const file = path.join(dir, `random-smollm2-${size}-${type.toLowerCase()}.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  writeRandomLlamaGguf(file, SHAPES[size], type, bpeTokenizerFromHfFolder(SMOLLM_TOKENIZER_DIR, 'smollm'));
  return file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const typeAt = args.indexOf('--type');
  const type = (typeAt >= 0 ? args[typeAt + 1] : 'Q8_0') as GgufTensorType;
  if (!['Q8_0', 'F16', 'F32'].includes(type)) throw new Error(`--type must be Q8_0, F16 or F32, not ${type}`);
  const sizeAt = args.indexOf('--size');
  const size = (sizeAt >= 0 ? args[sizeAt + 1] : '135m') as keyof typeof SHAPES;
  if (!(size in SHAPES)) throw new Error(`--size must be one of ${Object.keys(SHAPES).join(', ')}, not ${size}`);
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--type' && args[i - 1] !== '--size');
  const started = Date.now();
  const file = ensureRandomSmolLm2(dir ? path.resolve(dir) : undefined, type, size);
  console.log(JSON.stringify({ file, bytes: statSync(file).size, seconds: (Date.now() - started) / 1000 }));
}
