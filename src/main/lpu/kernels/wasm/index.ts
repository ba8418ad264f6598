import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../../shared/errors';
import { createTsBlockKernels } from '../ts/blocks';
import { ATTENTION_WINDOW_BLOCK, type ArenaMemory, type KernelSet, type Ptr } from '../abi';

// The compiled module lives next to its AssemblyScript sources (built by scripts/build-wasm.mjs, never committed).
export const WASM_KERNELS_PATH = fileURLToPath(new URL('./build/lpu-kernels.wasm', import.meta.url));

// Node's lib types omit WebAssembly; this is the slice of it the loader uses.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined; // one compiled module per thread; instances are cheap

/** True when `npm run build:wasm` has produced the kernel module. */
export function wasmKernelsBuilt(): boolean {
  return existsSync(WASM_KERNELS_PATH);
}

function compiledModule(): object {
  if (compiled) return compiled;
  if (!wasmKernelsBuilt()) {
    throw new AppError('lpu_wasm_missing', `The LPU's WebAssembly kernels are not built (${WASM_KERNELS_PATH} is missing). Run npm run build:wasm.`);
  }
  compiled = new wasm.Module(readFileSync(WASM_KERNELS_PATH));
  return compiled;
}

/** The WASM set adds what the parallel runner needs to split attention across threads. */
export interface WasmKernelSet extends KernelSet {
  /** attention restricted to query heads [hStart, hEnd); scores needs only `attentionBlock` floats. */
  attentionHeads(out: Ptr, q: Ptr, kCache: Ptr, vCache: Ptr, scores: Ptr, M: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, ctx: number, hStart: number, hEnd: number): void;
  /** Scratch floats attention uses per thread, whatever the context length (online softmax over blocks of keys). */
  readonly attentionBlock: number;
}

/**
 * The WASM SIMD kernel set running in place on `memory`, which must be a shared WebAssembly.Memory
 * (the module imports it as `env.memory`). Synchronous so worker threads can build theirs on startup.
 */
export function createWasmKernels(memory: ArenaMemory): WasmKernelSet {
  let instance;
  try {
    instance = new wasm.Instance(compiledModule(), { env: { memory } });
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('lpu_wasm_memory', 'The LPU arena must be a shared WebAssembly.Memory to run the WASM kernels; the emulator could not start its fast kernels.', cause);
  }
  const k = instance.exports as unknown as Omit<WasmKernelSet, 'name' | 'attentionBlock'> & { ATTENTION_BLOCK: { value: number }; ATTENTION_WINDOW_BLOCK: { value: number } };
  if (k.ATTENTION_WINDOW_BLOCK.value !== ATTENTION_WINDOW_BLOCK) throw new AppError('lpu_wasm_missing', 'The LPU WebAssembly kernels are out of date. Run npm run build:wasm.');
  return {
    name: 'wasm-simd',
    quantizeRowsQ8: k.quantizeRowsQ8,
    matmulQ8: k.matmulQ8,
    matmulF32: k.matmulF32,
    matmulF16: k.matmulF16,
    rmsnorm: k.rmsnorm,
    rope: k.rope,
    attention: k.attention,
    attentionHeads: k.attentionHeads,
    attentionBlock: k.ATTENTION_BLOCK.value,
    storeKvF16: k.storeKvF16,
    siluMul: k.siluMul,
    add: k.add,
    addBias: k.addBias,
    geluMul: k.geluMul,
    scale: k.scale,
    softcap: k.softcap,
    attentionWindowed: k.attentionWindowed,
    embedQ8: k.embedQ8,
    embedF32: k.embedF32,
    quantizeRowsQ8K: k.quantizeRowsQ8K,
    matmulQ4_0: k.matmulQ4_0,
    matmulQ4K: k.matmulQ4K,
    matmulQ5K: k.matmulQ5K,
    matmulQ6K: k.matmulQ6K,
    matmulBF16: k.matmulBF16,
    embedGgml: createTsBlockKernels(memory).embedGgml, // one row per token: the TS dequantiser costs nothing measurable

    argmax: k.argmax,
  };
}
