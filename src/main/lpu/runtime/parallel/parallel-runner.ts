import type { Worker } from 'node:worker_threads';
import { reportWorkerCrash, startWorker } from '../../../platform/workers';
import { AppError, type WireError } from '../../../../shared/errors';
import { WASM_KERNELS_PATH, wasmKernelsBuilt } from '../../kernels/wasm';
import type { StepRunnerFactory } from '../step-runner';
import { CONTROL, createControl } from './control';
import { StepModePolicy } from './step-mode-policy';

// A step allocates nothing on the JS heap (kernels run in the shared arena): a small young generation saves ~3 MB
// of resident set per worker that V8's default (up to 48 MB) grows to while start-up objects survive.
export const LPU_WORKER_HEAP = { maxYoungGenerationSizeMb: 3 };

type WorkerMessage = { ready: true } | { error: WireError; detail: string };

// Node types Atomics.waitAsync only from lib es2024; this is its shape.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/**
 * Tensor-parallel execution: `threads` workers share the arena and each runs every op of the program on its
 * share (matmul output rows, attention heads, activation rows), meeting at the program's static barrier plan.
 * The main thread only starts steps and awaits them, so it stays free. Workers run the native or WASM kernels.
 * A step may run on worker 0 alone when that is faster on a busy machine (StepModePolicy); results are identical.
 */
export function parallelRunner(threads = 2, options: { decode?: 'auto' | 'split' | 'solo'; prefill?: 'auto' | 'split' | 'solo' } = {}): StepRunnerFactory {
  return async (program, memory, kernels, kernelSetName) => {
    if (kernelSetName === 'wasm' && !wasmKernelsBuilt()) {
      throw new AppError('lpu_wasm_missing', `The parallel LPU runtime needs the WebAssembly kernels (${WASM_KERNELS_PATH} is missing). Run npm run build:wasm.`);
    }
    if (!Number.isInteger(threads) || threads < 1) throw new AppError('invalid_request', `The LPU thread count must be a whole number of at least 1, not ${threads}.`);
    const control = createControl(program.rows);
    let failure: Error | undefined;
    let onFailure: ((error: Error) => void) | undefined;
    const fail = (error: Error) => {
      if (!failure && error instanceof AppError && error.code === 'lpu_worker_crashed') reportWorkerCrash('lpu');
      failure ??= error;
      onFailure?.(failure);
    };

    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let worker = 0; worker < threads; worker++) {
      const w = startWorker('lpu/runtime/parallel/parallel.worker.ts', { workerData: { program, memory, control, worker, workers: threads, kernels: kernelSetName }, resourceLimits: LPU_WORKER_HEAP });
      workers.push(w);
      ready.push(new Promise((resolve, reject) => {
        w.on('message', (msg: WorkerMessage) => {
          if ('ready' in msg) resolve();
          else fail(new AppError(msg.error.code, msg.error.message, new Error(msg.detail))); // the worker's own error, for the log
        });
        w.on('error', (error) => { reject(error); fail(new AppError('lpu_worker_crashed', 'A worker thread of the local model stopped. Lockstep loads the model again for the next answer.', error)); });
        // A worker that exits mid-step leaves the others at a barrier: fail the step instead of waiting forever.
        w.on('exit', (code) => {
          if (Atomics.load(control, CONTROL.STOP) === 1) return;
          const crashed = new AppError('lpu_worker_crashed', `A worker thread of the local model exited (code ${code}). Lockstep loads the model again for the next answer.`);
          reject(crashed);
          fail(crashed);
        });
      }));
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }

    const policy = new StepModePolicy(threads, options);
    return {
      name: `parallel/${threads}×${kernels.name}`,
      async step(tokens, m, pos0) {
        if (failure) throw failure;
        const started = performance.now(), mode = policy.choose(m);
        control.set(tokens.subarray(0, m), CONTROL.IDS);
        control[CONTROL.M] = m;
        control[CONTROL.POS0] = pos0;
        control[CONTROL.MODE] = mode;
        const done = Atomics.load(control, CONTROL.DONE);
        Atomics.add(control, CONTROL.STEP, 1);
        Atomics.notify(control, CONTROL.STEP);
        // Re-check after every wake: V8 can resolve a waitAsync without DONE having moved.
        while (Atomics.load(control, CONTROL.DONE) === done) {
          const finished = waitAsync(control, CONTROL.DONE, done).value;
          if (typeof finished === 'string') continue;
          await new Promise<void>((resolve, reject) => {
            onFailure = reject;
            void finished.then(() => resolve());
          }).finally(() => { onFailure = undefined; });
        }
        policy.record(mode, m, performance.now() - started);
      },
      async dispose() {
        Atomics.store(control, CONTROL.STOP, 1);
        Atomics.add(control, CONTROL.STEP, 1);
        Atomics.notify(control, CONTROL.STEP);
        await Promise.all(workers.map((w) => w.terminate()));
      },
    };
  };
}
