import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../../shared/errors';
import type { ArenaMemory } from '../kernels/abi';
import type { Program } from '../compiler/passes/emit';
import { kernelSetFactory } from '../kernels/registry';
import { Executor } from './executor';
import type { ExecutorRequest, ExecutorResponse } from './worker-runner';

// The executor worker: runs steps of a program on the shared arena with the named kernel set.
const { program, memory, kernels } = workerData as { program: Program; memory: ArenaMemory; kernels: string };
const executor = new Executor(program, memory, await (await kernelSetFactory(kernels))(memory));
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (req: ExecutorRequest) => {
  let res: ExecutorResponse;
  try {
    executor.run(req.m, req.pos0);
    res = { seq: req.seq, ok: true };
  } catch (error) {
    res = { seq: req.seq, ok: false, error: toWireError(error) };
  }
  parentPort!.postMessage(res);
});
