import { AppError } from '../../../shared/errors';
import type { ArenaMemory, KernelSet, KernelSetFactory } from './abi';
import type { WasmKernelSet } from './wasm';

export type KernelSetName = 'native' | 'wasm' | 'ts';
const NAMES: readonly KernelSetName[] = ['native', 'wasm', 'ts'];

// The WASM set when built (the native set's fallback for kernels it lacks, both on the same arena), else the TS oracle.
async function fallbackSet(memory: ArenaMemory): Promise<KernelSet> {
  const wasm = await import('./wasm');
  return wasm.wasmKernelsBuilt() ? wasm.createWasmKernels(memory) : (await import('./ts')).createTsKernels(memory);
}

/** Kernel sets by name, so a worker thread can build the same set on the shared arena from a name alone. */
const KERNEL_SETS: Record<KernelSetName, () => Promise<KernelSetFactory>> = {
  native: async () => {
    const { createNativeKernels } = await import('./native');
    return async (memory) => createNativeKernels(memory, await fallbackSet(memory));
  },
  wasm: async () => (await import('./wasm')).createWasmKernels,
  ts: async () => (await import('./ts')).createTsKernels,
};

export async function kernelSetFactory(name: string): Promise<KernelSetFactory> {
  const load = KERNEL_SETS[name as KernelSetName];
  if (!load) throw new AppError('invalid_option', `Unknown kernel set "${name}"; choose one of ${NAMES.join(', ')}.`);
  return load();
}

/** Sets that split attention by heads and carry their own scratch size, so the parallel runner can cut them. */
export async function parallelKernelSet(name: KernelSetName, memory: ArenaMemory): Promise<WasmKernelSet> {
  if (name === 'ts') throw new AppError('invalid_option', 'The parallel LPU runtime runs the native or WASM kernels, not the TS oracle.');
  return (await (await kernelSetFactory(name))(memory)) as WasmKernelSet;
}

let noticeShown = false;

/**
 * The kernels to run when none is asked for: LOCKSTEP_KERNELS if set, else native where the addon loads, else WASM
 * when built, else the TS oracle. Falling back from native prints one line, once per process.
 */
export async function defaultKernelSetName(env: NodeJS.ProcessEnv = process.env): Promise<KernelSetName> {
  const forced = env.LOCKSTEP_KERNELS;
  if (forced) {
    if (!NAMES.includes(forced as KernelSetName)) throw new AppError('invalid_option', `LOCKSTEP_KERNELS=${forced} is not a kernel set; choose one of ${NAMES.join(', ')}.`);
    return forced as KernelSetName;
  }
  const { nativeKernelsStatus } = await import('./native');
  const { wasmKernelsBuilt } = await import('./wasm');
  const native = nativeKernelsStatus();
  if (native.available) return 'native';
  const fallback = wasmKernelsBuilt() ? 'wasm' : 'ts';
  if (!noticeShown) {
    noticeShown = true;
    console.warn(`lockstep: LPU native kernels unavailable (${native.reason}); using the ${fallback === 'wasm' ? 'WebAssembly' : 'TypeScript'} kernels.`);
  }
  return fallback;
}

/** What `lockstep info` and the bench report: the kernels that run by default and this CPU's features. */
export async function kernelReport(): Promise<{ kernels: string; cpuFeatures: string[]; nativePaths: string[]; nativeUnavailable?: string }> {
  const { nativeKernelsStatus, nativeDefaultPath } = await import('./native');
  const native = nativeKernelsStatus();
  const forced = process.env.LOCKSTEP_KERNELS;
  let kernels: string;
  if (forced === 'ts') kernels = 'ts';
  else if (forced !== 'wasm' && native.available) kernels = `native ${nativeDefaultPath()!}`;
  else {
    const wasm = await import('./wasm');
    kernels = wasm.wasmKernelsBuilt() ? `wasm ${wasm.wasmVariant()}` : 'ts';
  }
  return { kernels, cpuFeatures: native.cpuFeatures, nativePaths: native.paths, ...(native.available ? {} : { nativeUnavailable: native.reason }) };
}
