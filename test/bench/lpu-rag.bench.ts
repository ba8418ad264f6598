// npm run bench:lpu -- --scenario rag — time to first token on a 2,000-token RAG prompt, then on a follow-up that adds
// about 100 tokens (the first prompt, its answer and a new question), for Lockstep and llama.cpp in the same run, each
// engine resuming the follow-up from its own cache. Shapes: SmolLM2-135M (Q8_0) and Llama-3.2-1B (Q4_K_M), random
// weights. `--shape NAME` runs one of them; LPU_BENCH_REPETITIONS sets the repetitions (default 3, medians reported).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureRandomShape, ensureRandomSmolLm2 } from '../../scripts/make-random-model';
import { kernelReport } from '../../src/main/lpu/kernels/registry';
import { benchPromptText } from './lib/bench-prompt';
import { bundleEngines } from './lib/bundle-engines';
import { median } from './lib/engine-run';
import type { RagEngineReport, RagRequest } from './lib/rag-run';

const THREADS = 2, PROMPT_TOKENS = 2000, ANSWER_TOKENS = 16, CONTEXT = 4096;
const QUESTION = '\n\nQuestion: Which of the studies above report a measured effect, and how large was it?\nAnswer:';
// About 100 tokens: a follow-up turn that narrows the question, as a user does after a first answer.
const FOLLOW_UP = '\n\nQuestion: Thank you. Now look again only at the studies that measured something in human patients rather than in '
  + 'cells or animals. For each of them, say how many people took part, what was compared with what, and whether the '
  + 'authors call the result significant. If a study gives no number of participants, say so plainly instead of guessing, '
  + 'and cite the passage you used for every figure.\nAnswer:';

type Shape = { shape: string; format: 'Q8_0' | 'Q4_K_M'; modelPath: () => string };
const SHAPES: Shape[] = [
  { shape: 'SmolLM2-135M', format: 'Q8_0', modelPath: () => ensureRandomSmolLm2(undefined, 'Q8_0') },
  // Q4_K_M: bench:lpu --shape llama3.2-1b --format Q4_K_M is in (commit e4b7aae), so the native formats exist.
  { shape: 'Llama-3.2-1B', format: 'Q4_K_M', modelPath: () => ensureRandomShape('llama3.2-1b', 'Q4_K_M') },
];

const round = (x: number) => Math.round(x * 100) / 100;

function runEngine(bundle: string, request: RagRequest): RagEngineReport {
  const child = spawnSync(process.execPath, [bundle, JSON.stringify(request)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, timeout: 60 * 60_000,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as RagEngineReport;
  } catch {
    return { engine: path.basename(bundle), runs: [], loadMs: 0, error: `engine process exited with ${child.status ?? child.signal} and no report` };
  }
}

function medians(report: RagEngineReport) {
  const runs = report.runs;
  return {
    engine: report.engine,
    prompt_tokens: median(runs.map((r) => r.promptTokens)),
    ttft_ms: round(median(runs.map((r) => r.ttftMs))),
    followup_prompt_tokens: median(runs.map((r) => r.followUpPromptTokens)),
    followup_cached_tokens: median(runs.map((r) => r.followUpCachedTokens)),
    followup_ttft_ms: round(median(runs.map((r) => r.followUpTtftMs))),
    runs: runs.map((r) => ({ ttft_ms: round(r.ttftMs), followup_ttft_ms: round(r.followUpTtftMs), followup_cached_tokens: r.followUpCachedTokens })),
  };
}

export async function runRagScenario(argv: string[]): Promise<void> {
  const at = argv.indexOf('--shape');
  const only = at >= 0 ? argv[at + 1] : undefined;
  const shapes = only ? SHAPES.filter((s) => s.shape.toLowerCase().includes(only.toLowerCase().replace(/^llama3\.2/, 'llama-3.2'))) : SHAPES;
  if (shapes.length === 0) throw new Error(`--shape must name one of ${SHAPES.map((s) => s.shape).join(', ')}, not ${only}`);
  const repetitions = Number(process.env.LPU_BENCH_REPETITIONS ?? 3);
  const bundles = await bundleEngines(['llama-cpp-rag-engine.ts', 'lockstep-rag-engine.ts']);
  // ~2,000 SmolLM2 tokens with the per-run marker and the question (Llama 3's tokenizer counts a little fewer).
  const passages = await benchPromptText(PROMPT_TOKENS - 3 - 20);
  const rows = [];
  for (const s of shapes) {
    const request: RagRequest = {
      modelPath: s.modelPath(), threads: THREADS, promptText: `${passages}${QUESTION}`, followUpText: FOLLOW_UP,
      answerTokens: ANSWER_TOKENS, repetitions, contextTokens: CONTEXT,
    };
    const llama = runEngine(bundles.get('llama-cpp-rag-engine.ts')!, request);
    const ours = runEngine(bundles.get('lockstep-rag-engine.ts')!, request);
    const error = ours.error ?? (ours.runs.length ? undefined : 'no runs');
    const theirs = llama.error ?? (llama.runs.length ? undefined : 'no runs');
    if (error || theirs) {
      rows.push({ shape: s.shape, format: s.format, error: error ? `lockstep: ${error}` : `llama.cpp: ${theirs}` });
      continue;
    }
    const a = medians(ours), b = medians(llama);
    rows.push({
      shape: s.shape,
      format: s.format,
      prompt_tokens: a.prompt_tokens,
      // prefill rate ratio (ours ÷ llama.cpp); each engine counts its own tokens of the same text
      ratio_prefill: round((a.prompt_tokens / a.ttft_ms) / (b.prompt_tokens / b.ttft_ms)),
      ttft_ms: a.ttft_ms,
      llamacpp_ttft_ms: b.ttft_ms,
      followup_ttft_ms: a.followup_ttft_ms,
      followup_over_first: round(a.followup_ttft_ms / a.ttft_ms),
      followup_new_tokens: a.followup_prompt_tokens - a.followup_cached_tokens,
      llamacpp_followup_ttft_ms: b.followup_ttft_ms,
      llamacpp_followup_over_first: round(b.followup_ttft_ms / b.ttft_ms),
      lockstep: a,
      llama_cpp: b,
    });
  }
  const kernels = await kernelReport(); // what the Lockstep engine process runs (it reads the same environment)
  console.log(JSON.stringify({
    scenario: 'rag', kernels: kernels.kernels, cpu_features: kernels.cpuFeatures,
    threads: THREADS, repetitions, answer_tokens: ANSWER_TOKENS, shapes: rows,
  }, null, 2));
}
