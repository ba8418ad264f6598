import { AppError } from '../../../shared/errors';
import type { KernelSetFactory } from './abi';

/** Kernel sets by name, so a worker thread can build the same set on the shared arena from a name alone. */
const KERNEL_SETS: Record<string, () => Promise<KernelSetFactory>> = {
  ts: async () => (await import('./ts')).createTsKernels,
  wasm: async () => (await import('./wasm')).createWasmKernels,
};

export type KernelSetName = 'ts' | 'wasm';

export async function kernelSetFactory(name: string): Promise<KernelSetFactory> {
  const load = KERNEL_SETS[name];
  if (!load) throw new AppError('invalid_option', `Unknown kernel set "${name}"; choose one of ${Object.keys(KERNEL_SETS).join(', ')}.`);
  return load();
}
