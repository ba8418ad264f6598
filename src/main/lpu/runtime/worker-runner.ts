import { reportWorkerCrash, startWorker } from '../../platform/workers';
import { LPU_WORKER_HEAP } from './parallel/parallel-runner';
import { AppError, fromWireError, type WireError } from '../../../shared/errors';
import type { StepRunnerFactory } from './step-runner';

/** Messages of the executor worker: seq-numbered requests, errors as { code, message }. */
/** The step's token ids are already in the shared arena; the message only says how many and where. */
export type ExecutorRequest = { seq: number; type: 'step'; m: number; pos0: number };
export type ExecutorResponse = { seq: number; ok: true } | { seq: number; ok: false; error: WireError };

/**
 * All chips in one worker thread that shares the arena: the main thread stays responsive while kernels run.
 * The worker builds its own kernel set of the same name on the shared memory.
 */
export const workerRunner: StepRunnerFactory = async (program, memory, kernels, kernelSetName) => {
  const worker = startWorker('lpu/runtime/executor.worker.ts', { workerData: { program, memory, kernels: kernelSetName }, resourceLimits: LPU_WORKER_HEAP });
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
  let disposing = false;
  // A worker that throws or exits mid-step never answers: fail its steps instead of leaving them waiting forever.
  const crashed = (cause: unknown) => {
    if (!failure) reportWorkerCrash('lpu');
    failure ??= new AppError('lpu_worker_crashed', 'A worker thread of the local model stopped. Lockstep loads the model again for the next answer.', cause);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('error', crashed);
  worker.on('exit', (code) => {
    if (!disposing) crashed(new Error(`the LPU worker exited with code ${code}`));
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new AppError('lpu_worker_crashed', `The local model's worker thread exited while starting (code ${code}). Try again; the details are in the log.`)));
  });
  const idsAlloc = program.memory.allocations.find((a) => a.tensor === 'ids')!;
  const ids = new Int32Array(memory.buffer, program.chipBase[idsAlloc.chip]! + idsAlloc.offset, program.rows);
  return {
    name: `worker/${kernels.name}`,
    step(tokens, m, pos0) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const id = ++seq;
        pending.set(id, { resolve, reject });
        ids.set(tokens.subarray(0, m));
        worker.postMessage({ seq: id, type: 'step', m, pos0 } satisfies ExecutorRequest);
      });
    },
    async dispose() {
      disposing = true;
      await worker.terminate();
    },
  };
};
