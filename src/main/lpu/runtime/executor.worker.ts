import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../../shared/errors';
import type { ArenaMemory } from '../kernels/abi';
import type { Program } from '../compiler/passes/emit';
import { createTsKernels } from '../kernels/ts';
import { Executor } from './executor';
import type { ExecutorRequest, ExecutorResponse } from './worker-runner';

// The executor worker: runs steps of a program on the shared arena with the ts kernels.
const { program, memory, kernels } = workerData as { program: Program; memory: ArenaMemory; kernels: string };
if (kernels !== 'ts') throw new Error(`executor worker: unknown kernel set ${kernels}`);
const executor = new Executor(program, memory, createTsKernels(memory));
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (req: ExecutorRequest) => {
  let res: ExecutorResponse;
  try {
    executor.step(req.tokens, req.m, req.pos0);
    res = { seq: req.seq, ok: true };
  } catch (error) {
    res = { seq: req.seq, ok: false, error: toWireError(error) };
  }
  parentPort!.postMessage(res);
});
