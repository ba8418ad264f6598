// Regenerates the parity table of docs/lpu-architecture.md: every architecture × format that
// test/integration/lpu/parity.test.ts checks, with that test's options, on WASM kernels (bitwise the same everywhere).
// Usage: npx tsx scripts/parity-table.ts > table.md   (needs node-llama-cpp; K-quant files come from the test cache)
import path from 'node:path';
import { runRandomParity, type ParityReport } from '../src/main/lpu/parity';
import { SUPPORTED_ARCHITECTURES } from '../src/main/lpu/loader/model-source';
import { RANDOM_MODEL_VOCABULARY } from '../src/main/lpu/parity/random-model';

const CACHE_DIR = path.resolve('node_modules/.cache/lockstep-random-models');
/** The test's cases: float and Q8_0 at 16 positions on the full random vocabulary; BF16 and the K-quants at 32 on 4,096 tokens. */
const CASES = [
  ...['F32', 'F16', 'Q8_0'].map((format) => ({ format, tokens: 16, vocabulary: RANDOM_MODEL_VOCABULARY, exact: format === 'Q8_0' })),
  { format: 'BF16', tokens: 32, vocabulary: 4096, exact: false },
  ...['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q4_K_M'].map((format) => ({ format, tokens: 32, vocabulary: 4096, exact: true, cacheDir: CACHE_DIR })),
];

const row = (arch: string, format: string, vocabulary: number, r: ParityReport) => [
  arch, format, r.positions, vocabulary === RANDOM_MODEL_VOCABULARY ? '32k' : '4k',
  `${(r.top1Agreement * 100).toFixed(1)}%`, r.nearTiePositions, r.clearDisagreements,
  r.maxAbsLogitError.toFixed(3), r.rmsLogitError.toFixed(4), r.maxAbsLogit.toFixed(1),
  `${((100 * r.maxAbsLogitError) / r.maxAbsLogit).toFixed(1)}%`,
  r.exact ? `${(r.exact.rmsLogitError / r.exact.llamaCpp.rmsLogitError).toFixed(2)}×` : '—',
  r.tokenizerMatch ? 'yes' : 'NO',
];

console.log('| arch | format | positions | vocabulary | top-1 | near ties | clear disagreements | max \\|Δlogit\\| | RMS Δlogit | max \\|logit\\| | max error / range | RMS to exact, ours ÷ llama.cpp\'s | tokenizer = llama.cpp |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const arch of SUPPORTED_ARCHITECTURES) {
  for (const { format, ...opts } of CASES) {
    const report = await runRandomParity(arch, format, { ...opts, kernels: 'wasm' });
    console.log(`| ${row(arch, format, opts.vocabulary, report).join(' | ')} |`);
  }
}
process.exit(0); // node-llama-cpp keeps its runtime alive
