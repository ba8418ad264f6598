import { startWorker } from '../../platform/workers';
import { fromWireError, type WireError } from '../../../shared/errors';
import type { StepRunnerFactory } from './step-runner';

/** Messages of the executor worker: seq-numbered requests, errors as { code, message }. */
export type ExecutorRequest = { seq: number; type: 'step'; tokens: Int32Array; m: number; pos0: number };
export type ExecutorResponse = { seq: number; ok: true } | { seq: number; ok: false; error: WireError };

/**
 * All chips in one worker thread that shares the arena: the main thread stays responsive while kernels run.
 * The worker builds its own kernel set of the same name on the shared memory.
 */
export const workerRunner: StepRunnerFactory = async (program, memory, kernels) => {
  const worker = startWorker('lpu/runtime/executor.worker.ts', { workerData: { program, memory, kernels: kernels.name } });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  worker.on('message', (msg: ExecutorResponse | { ready: true }) => {
    if ('ready' in msg) return;
    const p = pending.get(msg.seq);
    pending.delete(msg.seq);
    if (msg.ok) p?.resolve();
    else p?.reject(fromWireError(msg.error));
  });
  worker.on('error', (error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return {
    name: `worker/${kernels.name}`,
    step(tokens, m, pos0) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        worker.postMessage({ seq: id, type: 'step', tokens: tokens.slice(0, m), m, pos0 } satisfies ExecutorRequest);
      });
    },
    async dispose() {
      await worker.terminate();
    },
  };
};
