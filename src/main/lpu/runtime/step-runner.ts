import type { ArenaMemory, KernelSet } from '../kernels/abi';
import type { KernelSetName } from '../kernels/registry';
import type { Program } from '../compiler/passes/emit';
import { Executor } from './executor';

/**
 * How the chips of a program map onto threads. The baseline runs every chip in the calling thread or in one
 * worker; issue 9's parallel runner splits chips across workers that share the arena.
 */
export interface StepRunner {
  readonly name: string;
  /** Runs one step: tokens[0..m) at positions pos0..; the last row's logits land at the program's logits tensor. */
  step(tokens: Int32Array, m: number, pos0: number): Promise<void>;
  dispose(): Promise<void>;
}

/** kernelSetName is the registry name (kernels/registry.ts) other threads use to build the same kernels on the arena. */
export type StepRunnerFactory = (program: Program, memory: ArenaMemory, kernels: KernelSet, kernelSetName: KernelSetName) => Promise<StepRunner>;

/** All chips in the calling thread: the simplest mapping and the reference for the others. */
export const inProcessRunner: StepRunnerFactory = async (program, memory, kernels) => {
  const executor = new Executor(program, memory, kernels);
  return {
    name: `in-process/${kernels.name}`,
    async step(tokens, m, pos0) {
      executor.step(tokens, m, pos0);
    },
    async dispose() {},
  };
};
