// The token gaps the degradation chain judges (src/main/ops/degrade.ts), measured on the local model as the app
// loads it: the LPU channel (2 worker threads) and the single-worker CPU channel (1), in the same run. Answers of
// `--tokens` tokens (default 48) from `--answers` short prompts (default 3) on the random-weight Llama-3.2-1B-shaped
// Q4_K_M (`--shape`, `--format` as bench:lpu takes them). Prints one JSON object: per channel the pooled p50/p95/max
// gap and each answer's p95, the default token-interval threshold and `margin` (threshold ÷ pooled p95: below 1 the
// channel would be stepped down), with the load average before and after. Run: npx tsx test/bench/token-interval.ts
import os from 'node:os';
import { loadLpuModel } from '../../src/main/lpu';
import type { GgufTensorType } from '../../src/main/lpu/loader/gguf-writer';
import { percentile } from '../../src/main/ops/percentile';
import { settingsSchema } from '../../src/shared/settings';
import { ensureRandomShape } from '../../scripts/make-random-model';

const option = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
};
const tokens = Number(option('tokens', '48'));
const answers = Number(option('answers', '3'));
const file = ensureRandomShape(option('shape', 'llama3.2-1b'), option('format', 'Q4_K_M') as GgufTensorType | 'Q4_K_M');
const threshold = settingsSchema.parse({}).healthThresholds.tokenIntervalP95Ms;
const round = (x: number | null) => (x === null ? null : Math.round(x));

async function channel(threads: number) {
  const model = await loadLpuModel(file, { bucket: 1024, threads });
  try {
    const perAnswer: number[][] = [];
    for (let answer = 0; answer < answers; answer++) {
      const gaps: number[] = [];
      let seen = -1;
      let last: number | null = null;
      const prompt = `Question ${answer + 1}: how many days of annual leave do employees get each year?`;
      // A final text flush repeats the last index: only a new index is a new token, as the app streams them.
      await model.generate({ prompt, maxTokens: tokens, sampling: { temperature: 0 } }, (event: { index: number }) => {
        if (event.index <= seen) return;
        seen = event.index;
        const now = performance.now();
        if (last !== null) gaps.push(now - last);
        last = now;
      });
      perAnswer.push(gaps);
    }
    const pooled = perAnswer.flat();
    const p95 = percentile(pooled, 0.95);
    return {
      threads,
      kernels: model.info.kernels,
      gaps: pooled.length,
      p50_ms: round(percentile(pooled, 0.5)),
      p95_ms: round(p95),
      max_ms: round(Math.max(...pooled)),
      per_answer_p95_ms: perAnswer.map((gaps) => round(percentile(gaps, 0.95))),
      margin: p95 ? Math.round((threshold / p95) * 100) / 100 : null,
    };
  } finally {
    await model.dispose();
  }
}

const loadBefore = os.loadavg()[0]!;
const lpu = await channel(2);
const lpuSingle = await channel(1);
console.log(JSON.stringify({ model: file, tokens, answers, threshold_ms: threshold, load_before: loadBefore, load_after: os.loadavg()[0], lpu, lpu_single: lpuSingle }, null, 2));
