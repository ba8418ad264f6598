import { Q8_GROUP, type ArenaMemory, type MatmulKernels } from '../lpu/kernels/abi';
import { createNativeKernels, nativeKernelsStatus } from '../lpu/kernels/native';
import { createTsKernels } from '../lpu/kernels/ts';
import { createWasmKernels, wasmKernelsBuilt } from '../lpu/kernels/wasm';

// The vector arena scores with the LPU's int8 matvec kernels, built synchronously (searches are synchronous):
// native where the addon loads, else the WASM SIMD build, else the TypeScript oracle. LOCKSTEP_KERNELS forces one.

export { Q8_GROUP };

export type ArenaKernels = Pick<MatmulKernels, 'quantizeRowsQ8' | 'matmulQ8'> & { readonly name: string };

/** The WASM kernels import their memory, so the arena is always a shared WebAssembly.Memory. */
export interface GrowableMemory extends ArenaMemory {
  grow(pages: number): number;
}

interface WasmMemoryApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => GrowableMemory;
}

export const WASM_PAGE = 65_536;
/** 4 GiB, the most a 32-bit WebAssembly memory can address: ~9M vectors of 384 dimensions. */
const MAX_PAGES = 65_536;

export function createArenaMemory(bytes: number): GrowableMemory {
  const { Memory } = (globalThis as unknown as { WebAssembly: WasmMemoryApi }).WebAssembly;
  return new Memory({ initial: Math.ceil(bytes / WASM_PAGE), maximum: MAX_PAGES, shared: true });
}

export function arenaKernels(memory: GrowableMemory, env: NodeJS.ProcessEnv = process.env): ArenaKernels {
  const forced = env.LOCKSTEP_KERNELS;
  const wasm = forced !== 'ts' && wasmKernelsBuilt() ? createWasmKernels(memory) : undefined;
  if ((forced === undefined || forced === 'native') && nativeKernelsStatus().available) return createNativeKernels(memory, wasm ?? createTsKernels(memory));
  return wasm ?? createTsKernels(memory);
}
