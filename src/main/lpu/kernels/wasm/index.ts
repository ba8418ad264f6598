import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { AppError } from '../../../../shared/errors';
import { createTsBlockKernels } from '../ts/blocks';
import { ATTENTION_WINDOW_BLOCK, type ArenaMemory, type KernelSet, type Ptr } from '../abi';

// The compiled module lives next to its AssemblyScript sources (built by scripts/build-wasm.mjs, never committed).
export const WASM_KERNELS_PATH = fileURLToPath(new URL('./build/lpu-kernels.wasm', import.meta.url));
// The same kernels built with relaxed SIMD (the prefill tile's int8 dot products), results identical.
export const WASM_RELAXED_KERNELS_PATH = fileURLToPath(new URL('./build/lpu-kernels-relaxed.wasm', import.meta.url));

// Node's lib types omit WebAssembly; this is the slice of it the loader uses.
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const compiled = new Map<WasmVariant, object>(); // one compiled module per build and thread; instances are cheap
let variant: WasmVariant | undefined;

export type WasmVariant = 'simd' | 'relaxed-simd';

// Relaxed SIMD is on by default from V8 11.4 (Node 22, Electron); Node 20 has it behind a V8 flag that Worker
// execArgv refuses, so it is set here, process-wide, before the first compile (worker threads inherit it).
function relaxedSupported(bytes: Uint8Array): boolean {
  if (wasm.validate(bytes)) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return wasm.validate(bytes);
}

// V8 turns the relaxed dot product into one VNNI instruction only with AVX-VNNI (x86) or into SDOT (arm64); elsewhere
// it costs three SSE instructions and measured 3x slower than the plain SIMD build, so it is not chosen there.
function relaxedPays(): boolean {
  if (process.arch === 'arm64') return true;
  try {
    return /\bavx_vnni\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Which build runs: LOCKSTEP_WASM (simd | relaxed-simd) when set, else relaxed SIMD where the engine validates it
 * and it pays on this CPU, else SIMD.
 */
export function wasmVariant(): WasmVariant {
  if (variant) return variant;
  const forced = process.env.LOCKSTEP_WASM;
  if (forced && forced !== 'simd' && forced !== 'relaxed-simd') throw new AppError('invalid_option', `LOCKSTEP_WASM=${forced} is not a WebAssembly kernel build; choose simd or relaxed-simd.`);
  const relaxedBuilt = existsSync(WASM_RELAXED_KERNELS_PATH);
  const wanted = forced === 'relaxed-simd' || (!forced && relaxedPays());
  variant = wanted && relaxedBuilt && relaxedSupported(readFileSync(WASM_RELAXED_KERNELS_PATH)) ? 'relaxed-simd' : 'simd';
  if (forced === 'relaxed-simd' && variant !== 'relaxed-simd') {
    throw new AppError('lpu_wasm_missing', 'LOCKSTEP_WASM=relaxed-simd, but this engine cannot run relaxed SIMD or the build is missing (npm run build:wasm).');
  }
  return variant;
}

/** True when `npm run build:wasm` has produced the kernel module. */
export function wasmKernelsBuilt(): boolean {
  return existsSync(WASM_KERNELS_PATH);
}

function compiledModule(which: WasmVariant): object {
  const cached = compiled.get(which);
  if (cached) return cached;
  if (!wasmKernelsBuilt()) {
    throw new AppError('lpu_wasm_missing', `The LPU's WebAssembly kernels are not built (${WASM_KERNELS_PATH} is missing). Run npm run build:wasm.`);
  }
  const bytes = readFileSync(which === 'relaxed-simd' ? WASM_RELAXED_KERNELS_PATH : WASM_KERNELS_PATH);
  if (which === 'relaxed-simd' && !relaxedSupported(bytes)) throw new AppError('lpu_wasm_missing', 'This JavaScript engine cannot run the relaxed-SIMD kernels.');
  const module = new wasm.Module(bytes);
  compiled.set(which, module);
  return module;
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
 * (the module imports it as `env.memory`), from the `which` build. Synchronous so worker threads can build theirs on startup.
 */
export function createWasmKernels(memory: ArenaMemory, which: WasmVariant = wasmVariant()): WasmKernelSet {
  let instance;
  try {
    instance = new wasm.Instance(compiledModule(which), { env: { memory } });
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('lpu_wasm_memory', 'The LPU arena must be a shared WebAssembly.Memory to run the WASM kernels; the emulator could not start its fast kernels.', cause);
  }
  const k = instance.exports as unknown as Omit<WasmKernelSet, 'name' | 'attentionBlock'> & { ATTENTION_BLOCK: { value: number }; ATTENTION_WINDOW_BLOCK: { value: number } };
  if (k.ATTENTION_WINDOW_BLOCK.value !== ATTENTION_WINDOW_BLOCK) throw new AppError('lpu_wasm_missing', 'The LPU WebAssembly kernels are out of date. Run npm run build:wasm.');
  return {
    name: `wasm-${which}`,
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
