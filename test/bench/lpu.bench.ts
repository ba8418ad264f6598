// npm run bench:lpu — Lockstep's LPU runtime vs llama.cpp on the same random-weight SmolLM2-135M-shaped Q8_0
// model, same thread count, in one run. `-- --shape llama3.2-1b|qwen2.5-1.5b [--format Q4_K_M|Q8_0|…]` runs a
// published shape instead (real vocabulary, Q4_K_M unless told) and adds rss_over_file and model_bytes. Each engine runs in its own process (separable peak RSS); the result
// is one JSON object with medians over repetitions and ratio_decode / ratio_prefill (ours ÷ llama.cpp).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_SHAPES, ensureRandomShape, ensureRandomSmolLm2 } from '../../scripts/make-random-model';
import type { GgufTensorType } from '../../src/main/lpu/loader/gguf-writer';
import { median, type BenchRequest, type EngineReport } from './lib/engine-run';
import { benchPromptText } from './lib/bench-prompt';
import { bundleEngines } from './lib/bundle-engines';
import { kernelReport } from '../../src/main/lpu/kernels/registry';
import { openModel } from '../../src/main/lpu/loader';
import { compile } from '../../src/main/lpu/compiler/pipeline';
import { storedTypesOf } from '../../src/main/lpu/compiler/passes/quantize';

const here = path.dirname(fileURLToPath(import.meta.url));
const THREADS = 2, PROMPT_TOKENS = 512, DECODE_TOKENS = 128;
const REPETITIONS = Number(process.env.LPU_BENCH_REPETITIONS ?? 5);
// --scenario rag: a long RAG prompt and its follow-up, in a file of its own.
const scenarioAt = process.argv.indexOf('--scenario');
if (scenarioAt >= 0) {
  const scenario = process.argv[scenarioAt + 1];
  if (scenario !== 'rag') throw new Error(`--scenario must be rag, not ${scenario}`);
  await (await import('./lpu-rag.bench')).runRagScenario(process.argv);
  process.exit(0);
}

function runEngine(script: string, request: BenchRequest): EngineReport {
  const child = spawnSync(process.execPath, [bundles.get(script)!, JSON.stringify(request)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24, timeout: 20 * 60_000,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as EngineReport;
  } catch {
    return { engine: script, runs: [], peakRssBytes: 0, loadMs: 0, error: `engine process exited with ${child.status ?? child.signal} and no report` };
  }
}

function summarise(report: EngineReport) {
  if (report.error || report.runs.length === 0) return { engine: report.engine, error: report.error ?? 'no runs' };
  const ttft = median(report.runs.map((r) => r.ttftMs));
  const promptTokens = report.runs[0]!.promptTokens;
  const intervals = report.runs.map((r) => r.tokenIntervalsMs);
  const meanInterval = median(intervals.map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length));
  const medianInterval = median(intervals.map((xs) => median(xs)));
  // tokens/s from the median interval: the shared machine's stalls hit single tokens, the median ignores them
  return {
    engine: report.engine,
    prompt_tokens: promptTokens,
    ttft_ms: round(ttft),
    prefill_tok_s: round(promptTokens / (ttft / 1000)),
    decode_tok_s: round(1000 / medianInterval),
    decode_tok_s_mean: round(1000 / meanInterval),
    decode_ms_median: round(medianInterval),
    peak_rss_mb: round(report.peakRssBytes / 2 ** 20),
    baseline_rss_mb: round((report.baselineRssBytes ?? 0) / 2 ** 20),
    loaded_rss_mb: round((report.loadedRssBytes ?? 0) / 2 ** 20),
    load_ms: round(report.loadMs),
    runs: report.runs.map((r) => ({ ttft_ms: round(r.ttftMs), decode_ms_median: round(median(r.tokenIntervalsMs)) })),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const argValue = (name: string) => { const at = process.argv.indexOf(`--${name}`); return at >= 0 ? process.argv[at + 1] : undefined; };
const shapeName = argValue('shape');
if (shapeName && !BENCH_SHAPES[shapeName]) throw new Error(`--shape must be one of ${Object.keys(BENCH_SHAPES).join(', ')}, not ${shapeName}`);
const format = (argValue('format') ?? (shapeName ? 'Q4_K_M' : 'Q8_0')) as GgufTensorType | 'Q4_K_M';
const modelPath = shapeName ? ensureRandomShape(shapeName, format) : ensureRandomSmolLm2(undefined, format as GgufTensorType);
// Issue 9's memory bound is relative to the file; a second, larger size shows how the fixed cost of a Node process
// and its threads (the same whatever the model) weighs less as the weights grow. LPU_BENCH_MEMORY=0 skips it.
const memoryModelPath = process.env.LPU_BENCH_MEMORY === '0' || shapeName ? undefined : ensureRandomSmolLm2(undefined, 'Q8_0', '360m');
// The text is 3 tokens short of PROMPT_TOKENS: each run prepends its own marker ("1. ") so no KV cache is reused.
const request: BenchRequest = { modelPath, threads: THREADS, promptText: await benchPromptText(PROMPT_TOKENS - 3), decodeTokens: DECODE_TOKENS, repetitions: REPETITIONS };
// Rounds alternate the engines (one fresh process per engine per round): this shared machine's load comes and
// goes, and interleaving exposes both engines to the same conditions before taking medians.
function interleaved(engines: string[]): EngineReport[] {
  const reports = engines.map((script): EngineReport => ({ engine: script, runs: [], peakRssBytes: 0, loadMs: 0 }));
  for (let round = 0; round < REPETITIONS; round++) {
    engines.forEach((script, i) => {
      const r = runEngine(script, { ...request, repetitions: 1, round });
      const acc = reports[i]!;
      acc.engine = r.engine;
      acc.runs.push(...r.runs);
      acc.peakRssBytes = Math.max(acc.peakRssBytes, r.peakRssBytes);
      acc.baselineRssBytes = Math.max(acc.baselineRssBytes ?? 0, r.baselineRssBytes ?? 0);
      acc.loadedRssBytes = Math.max(acc.loadedRssBytes ?? 0, r.loadedRssBytes ?? 0);
      acc.loadMs = Math.max(acc.loadMs, r.loadMs);
      acc.error ??= r.error;
    });
  }
  return reports;
}

const lockstepApi = path.resolve(here, '../../src/main/lpu/index.ts');
const engines = existsSync(lockstepApi) ? ['llama-cpp-engine.ts', 'lockstep-engine.ts'] : ['llama-cpp-engine.ts'];
// Engines run bundled on plain Node, as the packaged app runs its main process (from source, tsx adds ~40 MB per thread).
const bundles = await bundleEngines(engines);
const [llamaReport, lockstepReport] = interleaved(engines);
const llamaCpp = summarise(llamaReport!);
const lockstep = lockstepReport ? summarise(lockstepReport) : { engine: 'lockstep', error: 'src/main/lpu/index.ts (loadLpuModel) does not exist yet' };
const ratio = (ours: number | undefined, theirs: number | undefined) => (ours && theirs ? round(ours / theirs) : null);
const modelBytes = statSync(modelPath).size;

/** Peak and baseline resident sets of one generation per engine on the larger model (memory only, one round). */
function memoryScaling(file: string) {
  const bytes = statSync(file).size;
  const mib = (b: number | undefined) => round((b ?? 0) / 2 ** 20);
  const row = (script: string) => {
    const r = runEngine(script, { ...request, modelPath: file, repetitions: 1, round: REPETITIONS });
    if (r.error) return { engine: r.engine, error: r.error };
    return { engine: r.engine, peak_rss_mb: mib(r.peakRssBytes), baseline_rss_mb: mib(r.baselineRssBytes), rss_over_file: round(r.peakRssBytes / bytes), model_rss_over_file: round((r.peakRssBytes - (r.baselineRssBytes ?? 0)) / bytes) };
  };
  return { model: { path: path.relative(process.cwd(), file), bytes, shape: 'SmolLM2-360M', type: 'Q8_0' }, engines: engines.map(row) };
}
const kernels = await kernelReport(); // what the Lockstep engine process runs (it reads the same environment)
/** The compiled program's barriers (the engine's options: bucket 1024, chips chosen to fit): per decode token and prefill chunk. */
function barrierCounts(file: string) {
  const source = openModel(file);
  const { barriers } = compile(source.config, { bucket: 1024, storedTypes: storedTypesOf(source.weights) }).program.stats;
  return { barriers_per_token: barriers.decodeStep, barriers_per_layer: barriers.decodePerLayer, barriers_per_prefill_chunk: barriers.prefillChunk };
}
const barriers = barrierCounts(modelPath);
const ratioDecode = ratio('decode_tok_s' in lockstep ? lockstep.decode_tok_s : undefined, 'decode_tok_s' in llamaCpp ? llamaCpp.decode_tok_s : undefined);
const ratioPrefill = ratio('prefill_tok_s' in lockstep ? lockstep.prefill_tok_s : undefined, 'prefill_tok_s' in llamaCpp ? llamaCpp.prefill_tok_s : undefined);
const rssOverFile = 'peak_rss_mb' in lockstep && lockstep.peak_rss_mb ? round((lockstep.peak_rss_mb * 2 ** 20) / modelBytes) : null;
if (shapeName) {
  console.log(JSON.stringify({
    kernels: kernels.kernels,
    cpu_features: kernels.cpuFeatures,
    model: { path: path.relative(process.cwd(), modelPath), bytes: modelBytes, shape: shapeName, type: format },
    threads: THREADS, prompt_tokens: PROMPT_TOKENS, decode_tokens: DECODE_TOKENS, repetitions: REPETITIONS,
    llama_cpp: llamaCpp,
    lockstep,
    ratio_decode: ratioDecode,
    ratio_prefill: ratioPrefill,
    ...barriers,
    rss_over_file: rssOverFile,
    model_bytes: modelBytes,
    llama_cpp_rss_over_file: 'peak_rss_mb' in llamaCpp && llamaCpp.peak_rss_mb ? round((llamaCpp.peak_rss_mb * 2 ** 20) / modelBytes) : null,
  }, null, 2));
  process.exit(0);
}
console.log(JSON.stringify({
  kernels: kernels.kernels,
  cpu_features: kernels.cpuFeatures,
  model: { path: path.relative(process.cwd(), modelPath), bytes: modelBytes, shape: 'SmolLM2-135M', type: 'Q8_0' },
  threads: THREADS, prompt_tokens: PROMPT_TOKENS, decode_tokens: DECODE_TOKENS, repetitions: REPETITIONS,
  llama_cpp: llamaCpp,
  lockstep,
  ratio_decode: ratio('decode_tok_s' in lockstep ? lockstep.decode_tok_s : undefined, 'decode_tok_s' in llamaCpp ? llamaCpp.decode_tok_s : undefined),
  ratio_prefill: ratio('prefill_tok_s' in lockstep ? lockstep.prefill_tok_s : undefined, 'prefill_tok_s' in llamaCpp ? llamaCpp.prefill_tok_s : undefined),
  ...barriers,
  lockstep_rss_over_file: 'peak_rss_mb' in lockstep && lockstep.peak_rss_mb ? round((lockstep.peak_rss_mb * 2 ** 20) / modelBytes) : null,
  // What the model adds over the bare engine process (Node and the engine's code, measured before loading).
  lockstep_model_rss_over_file: 'peak_rss_mb' in lockstep && lockstep.peak_rss_mb ? round(((lockstep.peak_rss_mb - lockstep.baseline_rss_mb) * 2 ** 20) / modelBytes) : null,
  memory_scaling: memoryModelPath ? memoryScaling(memoryModelPath) : null,
}, null, 2));
