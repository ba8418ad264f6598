import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../../shared/errors';
import type { ArenaMemory, KernelSet, Ptr } from '../abi';
import type { WasmKernelSet } from '../wasm';

// The addon is built by node-gyp into ./build/Release (npm install runs scripts/build-native.mjs); a packaged or
// bundled app carries it in ./build beside the chunk that loads it, as it does the WASM module. Inside an asar
// archive the packager must unpack it (dlopen needs a real file): its app.asar.unpacked twin is tried first.
export function addonCandidates(moduleUrl: string): string[] {
  return ['./build/Release/lockstep_kernels.node', './build/lockstep_kernels.node']
    .map((rel) => fileURLToPath(new URL(rel, moduleUrl)))
    .flatMap((file) => [file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'), file])
    .filter((file, i, all) => all.indexOf(file) === i);
}
const ADDON_CANDIDATES = addonCandidates(import.meta.url);

type H = object; // an arena binding made by open()
export interface NativeAddon {
  cpuFeatures(): string[];
  /** Instruction-set paths this CPU can run, best first (always ends with 'generic'). */
  paths(): string[];
  open(arena: Uint8Array, path: string): H;
  /** ABI kernels the path leaves to the fallback set (e.g. attention where the WASM one measured faster). */
  lacks(path: string): string[];
  quantizeRowsQ8(h: H, xq: Ptr, xs: Ptr, x: Ptr, M: number, K: number): void;
  matmulQ8(h: H, out: Ptr, xq: Ptr, xs: Ptr, w: Ptr, ws: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  matmulF32(h: H, out: Ptr, x: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  matmulF16(h: H, out: Ptr, x: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  rmsnorm(h: H, out: Ptr, x: Ptr, weight: Ptr, M: number, D: number, eps: number): void;
  rope(h: H, x: Ptr, ropeTable: Ptr, M: number, nHeads: number, headDim: number, pos0: number): void;
  attentionHeads(h: H, out: Ptr, q: Ptr, kCache: Ptr, vCache: Ptr, scores: Ptr, M: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number, ctx: number, hStart: number, hEnd: number): void;
  storeKvF16(h: H, kvCache: Ptr, x: Ptr, M: number, pos0: number, nKvHeads: number, headDim: number, ctx: number): void;
  siluMul(h: H, out: Ptr, gate: Ptr, up: Ptr, n: number): void;
  add(h: H, out: Ptr, a: Ptr, b: Ptr, n: number): void;
  addBias(h: H, x: Ptr, bias: Ptr, M: number, N: number): void;
  embedQ8(h: H, out: Ptr, ids: Ptr, w: Ptr, ws: Ptr, M: number, D: number): void;
  argmax(h: H, x: Ptr, N: number): number;
  quantizeRowsQ8K(h: H, y: Ptr, x: Ptr, M: number, K: number): void;
  matmulQ4_0(h: H, out: Ptr, xq: Ptr, xs: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  matmulQ4K(h: H, out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  matmulQ5K(h: H, out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  matmulQ6K(h: H, out: Ptr, y: Ptr, w: Ptr, M: number, K: number, N: number, nStart: number, nEnd: number): void;
  /** Reads [ptr, ptr + bytes) once and returns a checksum: the kernel profile's memory-bandwidth anchor. */
  streamRead(h: H, ptr: Ptr, bytes: number): number;
}

let loaded: { addon?: NativeAddon; error?: string } | undefined;

function loadAddon(): { addon?: NativeAddon; error?: string } {
  if (loaded) return loaded;
  const file = ADDON_CANDIDATES.find((candidate) => existsSync(candidate));
  if (!file) return (loaded = { error: 'the native kernel addon is not built (npm run build:native)' });
  try {
    return (loaded = { addon: createRequire(import.meta.url)(file) as NativeAddon });
  } catch (cause) {
    return (loaded = { error: `the native kernel addon did not load (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})` });
  }
}

/** The addon file that loads here, for a bench's worker threads to require on their own; undefined when none does. */
export function nativeAddonFile(): string | undefined {
  return loadAddon().addon ? ADDON_CANDIDATES.find((candidate) => existsSync(candidate)) : undefined;
}

/** Whether the native kernels can run here, which paths this CPU supports, and why not when they cannot. */
export function nativeKernelsStatus(): { available: boolean; paths: string[]; cpuFeatures: string[]; reason?: string } {
  const { addon, error } = loadAddon();
  if (!addon) return { available: false, paths: [], cpuFeatures: [], reason: error };
  return { available: true, paths: addon.paths(), cpuFeatures: addon.cpuFeatures() };
}

/** The path that runs by default here (LOCKSTEP_NATIVE_ISA or the best), or undefined without the addon. */
export function nativeDefaultPath(): string | undefined {
  const { addon } = loadAddon();
  return addon ? nativePath(addon) : undefined;
}

/** The path to run: LOCKSTEP_NATIVE_ISA when set (to test a lower path), else the best this CPU supports. */
function nativePath(addon: NativeAddon, requested = process.env.LOCKSTEP_NATIVE_ISA): string {
  const paths = addon.paths();
  if (!requested) return paths[0]!;
  if (!paths.includes(requested)) {
    throw new AppError('invalid_option', `LOCKSTEP_NATIVE_ISA=${requested} is not a kernel path this CPU can run; choose one of ${paths.join(', ')}.`);
  }
  return requested;
}

/** Scratch floats the parallel runner gives each worker's attention (the native kernel keeps its own per thread). */
const ATTENTION_BLOCK = 128;

/**
 * The native kernel set on `memory` (the shared arena), running path `isa` (default: nativePath()). Kernels the
 * addon or the path lacks come from `fallback` (the WASM set, on the same arena), one by one.
 */
export function createNativeKernels(memory: ArenaMemory, fallback: KernelSet | WasmKernelSet, isa?: string): WasmKernelSet {
  const { addon, error } = loadAddon();
  if (!addon) throw new AppError('lpu_native_missing', `The LPU's native kernels cannot run: ${error}. The WebAssembly kernels still work.`);
  const path = nativePath(addon, isa);
  let buffer = memory.buffer;
  let h = addon.open(new Uint8Array(buffer), path);
  // A grown memory has a new, longer buffer: bind again so bounds checks see the new length.
  const arena = (): H => {
    if (memory.buffer.byteLength !== buffer.byteLength) { buffer = memory.buffer; h = addon.open(new Uint8Array(buffer), path); }
    return h;
  };
  const a = addon;
  const own: WasmKernelSet = {
    ...fallback,
    attentionHeads: (out, q, kc, vc, scores, M, pos0, nHeads, nKv, hd, ctx, h0, h1) => a.attentionHeads(arena(), out, q, kc, vc, scores, M, pos0, nHeads, nKv, hd, ctx, h0, h1),
    attentionBlock: ATTENTION_BLOCK,
    name: `native-${path}`,
    quantizeRowsQ8: (xq, xs, x, M, K) => a.quantizeRowsQ8(arena(), xq, xs, x, M, K),
    matmulQ8: (out, xq, xs, w, ws, M, K, N, n0, n1) => a.matmulQ8(arena(), out, xq, xs, w, ws, M, K, N, n0, n1),
    matmulF32: (out, x, w, M, K, N, n0, n1) => a.matmulF32(arena(), out, x, w, M, K, N, n0, n1),
    matmulF16: (out, x, w, M, K, N, n0, n1) => a.matmulF16(arena(), out, x, w, M, K, N, n0, n1),
    rmsnorm: (out, x, weight, M, D, eps) => a.rmsnorm(arena(), out, x, weight, M, D, eps),
    rope: (x, table, M, nHeads, headDim, pos0) => a.rope(arena(), x, table, M, nHeads, headDim, pos0),
    attention: (out, q, kc, vc, scores, M, pos0, nHeads, nKv, hd, ctx) => a.attentionHeads(arena(), out, q, kc, vc, scores, M, pos0, nHeads, nKv, hd, ctx, 0, nHeads),
    storeKvF16: (cache, x, M, pos0, nKv, hd, ctx) => {
      // position p at slot p mod ctx (abi.ts): a run that wraps a sliding layer's ring is stored as two
      const slot = pos0 % ctx, first = Math.min(M, ctx - slot);
      a.storeKvF16(arena(), cache, x, first, slot, nKv, hd, ctx);
      if (first < M) a.storeKvF16(arena(), cache, x + first * nKv * hd * 4, M - first, 0, nKv, hd, ctx);
    },
    siluMul: (out, gate, up, n) => a.siluMul(arena(), out, gate, up, n),
    add: (out, x, y, n) => a.add(arena(), out, x, y, n),
    addBias: (x, bias, M, N) => a.addBias(arena(), x, bias, M, N),
    embedQ8: (out, ids, w, ws, M, D) => a.embedQ8(arena(), out, ids, w, ws, M, D),
    argmax: (x, N) => a.argmax(arena(), x, N),
    quantizeRowsQ8K: (y, x, M, K) => a.quantizeRowsQ8K(arena(), y, x, M, K),
    matmulQ4_0: (out, xq, xs, w, M, K, N, n0, n1) => a.matmulQ4_0(arena(), out, xq, xs, w, M, K, N, n0, n1),
    matmulQ4K: (out, y, w, M, K, N, n0, n1) => a.matmulQ4K(arena(), out, y, w, M, K, N, n0, n1),
    matmulQ5K: (out, y, w, M, K, N, n0, n1) => a.matmulQ5K(arena(), out, y, w, M, K, N, n0, n1),
    matmulQ6K: (out, y, w, M, K, N, n0, n1) => a.matmulQ6K(arena(), out, y, w, M, K, N, n0, n1),
  };
  if (addon.lacks(path).includes('attention')) {
    if (!('attentionHeads' in fallback)) throw new AppError('lpu_native_missing', `The native ${path} kernels need the WebAssembly kernels for attention. Run npm run build:wasm.`);
    return { ...own, attention: fallback.attention, attentionHeads: fallback.attentionHeads, attentionBlock: fallback.attentionBlock };
  }
  return own;
}
