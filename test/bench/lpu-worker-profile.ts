// `npx tsx test/bench/lpu-kernel-profile.ts --workers 2 --decode 16 [--shape qwen2.5-1.5b] [native|wasm]`: where each
// parallel worker's decode step goes. The runner is the parallel one's (every step split, no solo mode), its workers
// time each kernel call and each barrier wait (lib/worker-profile.worker.ts); per worker and per token it prints the
// step's wall time, time in kernels, waiting at barriers, and the rest (the executor's and the partition's dispatch).
import type { Worker } from 'node:worker_threads';
import { loadLpuModel } from '../../src/main/lpu';
import { startWorker } from '../../src/main/platform/workers';
import { CONTROL, MODE, createControl } from '../../src/main/lpu/runtime/parallel/control';
import type { StepRunnerFactory } from '../../src/main/lpu/runtime/step-runner';
import type { KernelSetName } from '../../src/main/lpu/kernels/registry';

interface WorkerReport { worker: number; steps: number; stepMs: number; barrierMs: number; barriers: number; byKernel: Record<string, { ms: number; calls: number }> }
const round = (x: number) => Math.round(x * 100) / 100;

export async function runWorkerProfile(file: string, prompt: string, workers: number, decode: number, kernels?: KernelSetName): Promise<void> {
  const reports: Promise<WorkerReport>[] = [];
  let stepWallMs = 0, steps = 0;
  const runner: StepRunnerFactory = async (program, memory, _k, kernelSetName) => {
    const control = createControl(program.rows);
    const started: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let worker = 0; worker < workers; worker++) {
      // startWorker resolves from src/main: this bench's own worker sits two folders up
      const w = startWorker('../../test/bench/lib/worker-profile.worker.ts', { workerData: { program, memory, control, worker, workers, kernels: kernelSetName } });
      started.push(w);
      ready.push(new Promise((resolve, reject) => { w.once('message', () => resolve()); w.once('error', reject); }));
      reports.push(new Promise((resolve, reject) => { w.on('message', (msg: WorkerReport | { ready: true }) => { if ('worker' in msg) resolve(msg); }); w.once('error', reject); }));
    }
    await Promise.all(ready);
    return {
      name: `profile/${workers}`,
      async step(tokens, m, pos0) {
        const t = performance.now();
        control.set(tokens.subarray(0, m), CONTROL.IDS);
        control[CONTROL.M] = m; control[CONTROL.POS0] = pos0; control[CONTROL.MODE] = MODE.SPLIT;
        const done = Atomics.load(control, CONTROL.DONE);
        Atomics.add(control, CONTROL.STEP, 1);
        Atomics.notify(control, CONTROL.STEP);
        while (Atomics.load(control, CONTROL.DONE) === done) Atomics.wait(control, CONTROL.DONE, done, 1000);
        if (m === 1) { stepWallMs += performance.now() - t; steps++; }
      },
      async dispose() {
        Atomics.store(control, CONTROL.STOP, 1);
        Atomics.add(control, CONTROL.STEP, 1);
        Atomics.notify(control, CONTROL.STEP);
        await Promise.all(reports);
        await Promise.all(started.map((w) => w.terminate()));
      },
    };
  };
  const model = await loadLpuModel(file, { bucket: 1024, kernels, runner });
  const info = { kernels: model.info.kernels, chips: model.info.chips, barriers_per_token: model.program.stats.barriers.decodeStep };
  let promptTokens = 0;
  try {
    promptTokens = (await model.generate({ prompt, maxTokens: decode, sampling: { greedy: true } })).promptTokens;
  } finally {
    await model.dispose();
  }
  const per = (ms: number, r: WorkerReport) => round(ms / r.steps);
  console.log(JSON.stringify({
    ...info, workers, prompt_tokens: promptTokens, decode_steps: steps, ms_per_token: round(stepWallMs / steps),
    by_worker: (await Promise.all(reports)).map((r) => {
      const kernelMs = Object.values(r.byKernel).reduce((s, e) => s + e.ms, 0);
      return {
        worker: r.worker, step_ms: per(r.stepMs, r), kernel_ms: per(kernelMs, r), barrier_wait_ms: per(r.barrierMs, r),
        dispatch_ms: per(r.stepMs - kernelMs - r.barrierMs, r), barriers_per_token: round(r.barriers / r.steps),
        kernel_calls: round(Object.values(r.byKernel).reduce((s, e) => s + e.calls, 0) / r.steps),
        by_kernel: Object.fromEntries(Object.entries(r.byKernel).sort((a, b) => b[1].ms - a[1].ms).slice(0, 6)
          .map(([name, e]) => [name, { ms: per(e.ms, r), calls: round(e.calls / r.steps) }])),
      };
    }),
  }));
}
