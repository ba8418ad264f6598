// One worker of `lpu-kernel-profile.ts --workers N`: parallel.worker.ts's loop (always split) with its kernel calls
// and barrier waits timed, one-row steps only; posts its totals when told to stop.
import { parentPort, workerData } from 'node:worker_threads';
import type { ArenaMemory, KernelSet } from '../../../src/main/lpu/kernels/abi';
import type { Program } from '../../../src/main/lpu/compiler/passes/emit';
import { parallelKernelSet, type KernelSetName } from '../../../src/main/lpu/kernels/registry';
import { Executor } from '../../../src/main/lpu/runtime/executor';
import { CONTROL, createBarrier, waitForChange } from '../../../src/main/lpu/runtime/parallel/control';
import { partitionWork } from '../../../src/main/lpu/runtime/parallel/partition';

const { program, memory, control, worker, workers, kernels: kernelSetName } = workerData as {
  program: Program; memory: ArenaMemory; control: Int32Array; worker: number; workers: number; kernels: KernelSetName;
};
const inner = await parallelKernelSet(kernelSetName, memory);
const byKernel = new Map<string, { ms: number; calls: number }>();
let counting = false, barrierMs = 0, barriers = 0, stepMs = 0, steps = 0;
const timed = { ...inner } as Record<string, unknown>;
for (const [name, fn] of Object.entries(inner)) {
  if (typeof fn !== 'function') continue;
  timed[name] = (...args: number[]) => {
    if (!counting) return (fn as (...a: number[]) => unknown)(...args);
    const t = performance.now();
    const result = (fn as (...a: number[]) => unknown)(...args);
    const e = byKernel.get(name) ?? { ms: 0, calls: 0 };
    e.ms += performance.now() - t; e.calls++;
    byKernel.set(name, e);
    return result;
  };
}
const meet = createBarrier(control, workers);
const barrier = () => {
  if (!counting) return meet();
  const t = performance.now();
  meet();
  barrierMs += performance.now() - t; barriers++;
};
const part = partitionWork(timed as unknown as typeof inner, worker, workers, barrier, program);
const executor = new Executor(program, memory, part.kernels as KernelSet, part.beforeOp);

let step = Atomics.load(control, CONTROL.STEP);
parentPort!.postMessage({ ready: true });
for (;;) {
  step = waitForChange(control, CONTROL.STEP, step);
  if (Atomics.load(control, CONTROL.STOP)) break;
  const m = control[CONTROL.M]!, pos0 = control[CONTROL.POS0]!;
  counting = m === 1;
  const t = performance.now();
  part.beginStep(m);
  executor.step(control.subarray(CONTROL.IDS, CONTROL.IDS + m), m, pos0);
  part.endStep();
  if (counting) { stepMs += performance.now() - t; steps++; }
  if (worker === 0) { Atomics.add(control, CONTROL.DONE, 1); Atomics.notify(control, CONTROL.DONE); }
}
parentPort!.postMessage({ worker, steps, stepMs, barrierMs, barriers, byKernel: Object.fromEntries(byKernel) });
