// Where a prefill's time goes, kernel by kernel: one 511-token prompt on the random SmolLM2-135M-shaped Q8_0 model
// (or `--shape llama3.2-1b|qwen2.5-1.5b [--format Q4_K_M|…] [--tokens N]`, bench:lpu's published shapes), in the
// calling thread, with every kernel call timed. Prints one JSON object per kernel set (LOCKSTEP_KERNELS picks
// the default; run with `npx tsx test/bench/lpu-kernel-profile.ts [native|wasm]...`). `--decode N` profiles N decode
// steps after the prompt instead, with the time spent outside kernels per token (op dispatch). GOPS counts 2 ops per
// multiply-add of the matmuls (int8, block formats or float) and of attention's q·k and p·v products; `gops_cpu`
// divides by the process's CPU time in the calls instead of the wall clock, so a loaded machine still gives the
// kernel's own rate, and `rows_per_call`/`cols_per_call` are the GEMM sizes the matmul kernels see.
// `--matvec all|Q4_K,…` profiles decode's matvecs alone instead, in GB/s against memory bandwidth (lpu-matvec-profile.ts).
// `--gemm all|Q4_K|Q6_K` profiles the K-quant prefill matmuls alone, the prefill GEMM against the path's tiles (lpu-gemm-profile.ts).
// `--workers N` profiles decode on N parallel workers instead: kernels, barrier waits and dispatch per worker (lpu-worker-profile.ts).
import { loadLpuModel } from '../../src/main/lpu';
import type { KernelSet } from '../../src/main/lpu/kernels/abi';
import { inProcessRunner, type StepRunnerFactory } from '../../src/main/lpu/runtime/step-runner';
import type { KernelSetName } from '../../src/main/lpu/kernels/registry';
import { BENCH_SHAPES, ensureRandomShape, ensureRandomSmolLm2 } from '../../scripts/make-random-model';
import type { GgufTensorType } from '../../src/main/lpu/loader/gguf-writer';
import { benchPromptText } from './lib/bench-prompt';

const round = (x: number) => Math.round(x * 100) / 100;
let counting = true; // false while --decode runs the prompt
type Totals = Map<string, { ms: number; cpuMs: number; calls: number; ops: number; rows: number; cols: number }>;

// Multiply-adds ×2 of the kernels that do arithmetic worth counting; the rest report time only.
function opsOf(name: string, a: number[]): number {
  switch (name) {
    case 'matmulQ8': return 2 * a[5]! * a[6]! * (a[9]! - a[8]!);
    case 'matmulQ4_0': return 2 * a[4]! * a[5]! * (a[8]! - a[7]!);
    case 'matmulQ4K': case 'matmulQ5K': case 'matmulQ6K': return 2 * a[3]! * a[4]! * (a[7]! - a[6]!);
    case 'matmulF32': case 'matmulF16': return 2 * a[3]! * a[4]! * (a[7]! - a[6]!);
    case 'attention': { // rows m see pos0+m+1 keys: q·k and p·v per head
      const [M, pos0, nHeads, , headDim] = [a[5]!, a[6]!, a[7]!, a[8]!, a[9]!];
      return 4 * nHeads * headDim * (M * pos0 + (M * (M + 1)) / 2);
    }
    default: return 0;
  }
}

// A matmul call's activation rows (M) and output columns (nEnd − nStart): how big the GEMMs the kernels see are.
function gemmOf(name: string, a: number[]): [number, number] {
  switch (name) {
    case 'matmulQ8': return [a[5]!, a[9]! - a[8]!];
    case 'matmulQ4_0': return [a[4]!, a[8]! - a[7]!];
    case 'matmulQ4K': case 'matmulQ5K': case 'matmulQ6K': case 'matmulF32': case 'matmulF16': return [a[3]!, a[7]! - a[6]!];
    default: return [0, 0];
  }
}

function timed(k: KernelSet, totals: Totals): KernelSet {
  const wrapped: Record<string, unknown> = { ...k };
  for (const [name, fn] of Object.entries(k)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = (...args: number[]) => {
      const t = performance.now(), cpu = process.cpuUsage();
      const result = (fn as (...a: number[]) => unknown)(...args);
      const entry = totals.get(name) ?? { ms: 0, cpuMs: 0, calls: 0, ops: 0, rows: 0, cols: 0 };
      if (!counting) return result;
      entry.ms += performance.now() - t;
      const used = process.cpuUsage(cpu);
      entry.cpuMs += (used.user + used.system) / 1000;
      entry.calls++;
      entry.ops += opsOf(name, args);
      const [rows, cols] = gemmOf(name, args);
      entry.rows += rows;
      entry.cols += cols;
      totals.set(name, entry);
      return result;
    };
  }
  return wrapped as unknown as KernelSet;
}

const options = new Map<string, string>();
const positional: string[] = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i]!;
  if (arg.startsWith('--')) options.set(arg.slice(2), process.argv[++i] ?? '');
  else positional.push(arg);
}
if (options.has('matvec')) {
  await (await import('./lpu-matvec-profile')).runMatvecProfile(options);
  process.exit(0);
}
if (options.has('gemm')) {
  (await import('./lpu-gemm-profile')).runGemmProfile(options);
  process.exit(0);
}
const shape = options.get('shape');
if (shape && !BENCH_SHAPES[shape]) throw new Error(`--shape must be one of ${Object.keys(BENCH_SHAPES).join(', ')}, not ${shape}`);
const file = shape ? ensureRandomShape(shape, (options.get('format') ?? 'Q4_K_M') as GgufTensorType | 'Q4_K_M') : ensureRandomSmolLm2();
const prompt = await benchPromptText(Number(options.get('tokens') ?? 511) - 3);
const sets = (positional.length ? positional : [undefined]) as (KernelSetName | undefined)[];
if (options.has('workers')) {
  const { runWorkerProfile } = await import('./lpu-worker-profile');
  for (const kernels of sets) await runWorkerProfile(file, prompt, Number(options.get('workers')), Number(options.get('decode') ?? 16), kernels);
  process.exit(0);
}
for (const kernels of sets) {
  const totals: Totals = new Map();
  const decode = Number(options.get('decode') ?? 0);
  let stepMs = 0, steps = 0;
  // with --decode, only one-row steps count: the prompt's chunks run untimed
  const runner: StepRunnerFactory = async (program, memory, k, name) => {
    const inner = await inProcessRunner(program, memory, timed(k, totals), name);
    return { ...inner, async step(tokens, m, pos0) {
      counting = !decode || m === 1;
      const t = performance.now();
      await inner.step(tokens, m, pos0);
      if (counting && decode) { stepMs += performance.now() - t; steps++; }
    } };
  };
  const model = await loadLpuModel(file, { bucket: 1024, kernels, runner });
  try {
    await model.generate({ prompt: 'warm up', maxTokens: 1, sampling: { greedy: true } });
    totals.clear();
    stepMs = 0; steps = 0;
    const started = performance.now();
    const r = await model.generate({ prompt, maxTokens: decode || 1, sampling: { greedy: true } });
    const wall = performance.now() - started;
    const all = [...totals.values()].reduce((s, e) => s + e.ms, 0);
    console.log(JSON.stringify({
      kernels: model.info.kernels, prompt_tokens: r.promptTokens,
      ...(decode ? { decode_steps: steps, ms_per_token: round(stepMs / steps), kernel_ms_per_token: round(all / steps), outside_kernels_ms_per_token: round((stepMs - all) / steps) }
        : { prefill_ms: Math.round(wall), in_kernels_ms: Math.round(all) }),
      by_kernel: Object.fromEntries([...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([name, e]) => [name, {
        ms: round(e.ms), share: Math.round((e.ms / all) * 1000) / 10, calls: e.calls,
        ...(e.ops ? { gops: Math.round((e.ops / (e.ms / 1000)) / 1e8) / 10, gops_cpu: Math.round((e.ops / (e.cpuMs / 1000)) / 1e8) / 10 } : {}),
        ...(e.rows ? { rows_per_call: round(e.rows / e.calls), cols_per_call: round(e.cols / e.calls) } : {}),
      }])),
    }));
  } finally {
    await model.dispose();
  }
}
