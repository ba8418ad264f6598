import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../../../shared/errors';
import type { ArenaMemory } from '../../kernels/abi';
import type { Program } from '../../compiler/passes/emit';
import { parallelKernelSet, type KernelSetName } from '../../kernels/registry';
import { Executor } from '../executor';
import { CONTROL, MODE, createBarrier, waitForChange } from './control';
import { partitionWork } from './partition';

// One emulated chip group's share of the work: runs every step of the program in lockstep with the other
// workers on the shared arena, its kernels cut to its share, synchronised at the static barrier plan.
const { program, memory, control, worker, workers, kernels: kernelSetName } = workerData as {
  program: Program; memory: ArenaMemory; control: Int32Array; worker: number; workers: number; kernels: KernelSetName;
};
const kernels = await parallelKernelSet(kernelSetName, memory);
const part = partitionWork(kernels, worker, workers, createBarrier(control, workers), program);
const executor = new Executor(program, memory, part.kernels, part.beforeOp);
const soloExecutor = worker === 0 ? new Executor(program, memory, kernels) : undefined;

let step = Atomics.load(control, CONTROL.STEP);
parentPort!.postMessage({ ready: true });
for (;;) {
  step = waitForChange(control, CONTROL.STEP, step);
  if (Atomics.load(control, CONTROL.STOP)) break;
  const m = control[CONTROL.M]!, pos0 = control[CONTROL.POS0]!, ids = control.subarray(CONTROL.IDS, CONTROL.IDS + m);
  const solo = control[CONTROL.MODE] === MODE.SOLO;
  if (solo && worker !== 0) continue;
  try {
    if (solo) soloExecutor!.step(ids, m, pos0);
    else {
      part.beginStep(m);
      executor.step(ids, m, pos0);
      part.endStep();
    }
  } catch (error) {
    // The other workers may now wait forever at a barrier: the runner fails and terminates them all.
    parentPort!.postMessage({ error: toWireError(error), detail: String(error) });
    break;
  }
  if (worker === 0) {
    Atomics.add(control, CONTROL.DONE, 1);
    Atomics.notify(control, CONTROL.DONE);
  }
}
