import path from 'node:path';
import { AppError } from '../../shared/errors';
import { cacheDir } from '../platform/paths';
import { openModel } from './loader';
import { createTokenizer, type ChatMessage } from './tokenizer';
import { compileCached } from './compiler/pipeline';
import type { Program } from './compiler/passes/emit';
import { storedTypesOf, type WeightFormat } from './compiler/passes/quantize';
import { createArena } from './runtime/arena';
import { loadWeights, type QuantizationReport } from './runtime/load-weights';
import { defaultKernelSetName, kernelSetFactory, type KernelSetName } from './kernels/registry';
import { inProcessRunner, type StepRunnerFactory } from './runtime/step-runner';
import { workerRunner } from './runtime/worker-runner';
import { parallelRunner } from './runtime/parallel/parallel-runner';
import { DEFAULT_PREFIX_CACHE_MB, PrefixCache, prefixTokens, type PrefixCacheStats } from './runtime/prefix-cache';
import { unitUtilisationPerChip } from './timing/chip-utilisation';
import { generate, promptTokens, type KvCacheState, type GenerateRequest, type LpuGenerationResult, type LpuTokenEvent } from './runtime/generate';

export type { LpuGenerationResult, LpuTokenEvent, GenerateRequest } from './runtime/generate';
export type { ChatMessage } from './tokenizer';
export { inspectModel, readGgufMetadata } from './loader';

/** Where compiled programs are cached by default: <dataDir>/cache/lpu. */
export function defaultLpuCacheDir(dataDir: string): string {
  return path.join(cacheDir(dataDir), 'lpu');
}

export interface LoadLpuModelOptions {
  chips?: number;
  bucket?: number;
  weights?: WeightFormat;
  cacheDir?: string;
  /** 0 runs in the calling thread; 1 (default) runs the chips in one worker thread; more split them tensor-parallel (WASM kernels). */
  threads?: number;
  /** Kernel implementation by name (default: LOCKSTEP_KERNELS, else 'native' where the addon loads, else 'wasm', else 'ts'). */
  kernels?: KernelSetName;
  /** Chip → thread mapping; overrides `threads` (issue 9's parallel runner plugs in here). */
  runner?: StepRunnerFactory;
  /** LRU budget of the KV snapshots kept for threads and fixed prefixes, in MB (default 256; 0 keeps none). */
  prefixCacheMb?: number;
}

export interface LpuModel {
  info: {
    id: string; name: string; architecture: string; contextLength: number; bucket: number; chips: number; weights: string;
    sramBytesPerChip: number[]; sramCapacityPerChip: number; cyclesPerDecodeToken: number; cyclesPerPrefillToken: number;
    /** The kernels that run the steps, e.g. 'native-avx512-vnni' or 'wasm-simd'. */
    kernels: string;
    /** Each chip's busy fraction per functional unit over one decode step, from the static schedule. */
    unitUtilisationPerChip?: Record<string, number>[];
    /** The loader's word on how the model runs (a multimodal model's images are not used). */
    notice?: string;
  };
  tokenizer: {
    encode(text: string, opts?: { addBos?: boolean }): number[];
    decode(ids: number[]): string;
    applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
    eosTokenIds: number[];
  };
  generate(req: GenerateRequest, onToken?: (ev: LpuTokenEvent) => void): Promise<LpuGenerationResult>;
  /** Precomputes and keeps the KV of a fixed prompt prefix (system prompt, quick-action template); returns its tokens. */
  cachePrefix(prefix: { prompt?: string; messages?: ChatMessage[] }): Promise<number>;
  /** The shared KV snapshot cache: its size, and its LRU budget (evicting down to a smaller one at once). */
  prefixCache: { stats(): PrefixCacheStats; setBudgetMb(mb: number): void; clear(): void };
  dispose(): Promise<void>;
  /** The compiled program and the measured quantisation cost, for the CLI and tests. */
  program: Program;
  quantization: QuantizationReport;
}

/** Loads, compiles (cached) and maps a model onto the emulator, ready to generate. */
export async function loadLpuModel(modelPath: string, opts: LoadLpuModelOptions = {}): Promise<LpuModel> {
  const source = openModel(modelPath);
  const tokenizer = await createTokenizer(source.tokenizer);
  const { program } = compileCached(source.config, source.hash, { chips: opts.chips, bucket: opts.bucket, weights: opts.weights, storedTypes: storedTypesOf(source.weights) }, opts.cacheDir);
  const memory = createArena(program.arenaBytes);
  const quantization = loadWeights(program, source.weights, memory);
  const kernelSetName = opts.kernels ?? await defaultKernelSetName(); // native where it loads, else WASM; TS stays the oracle
  const kernels = await (await kernelSetFactory(kernelSetName))(memory);
  const threads = opts.threads ?? 1;
  const runnerFactory = opts.runner ?? (threads === 0 ? inProcessRunner : threads > 1 && kernelSetName !== 'ts' ? parallelRunner(threads) : workerRunner);
  const runner = await runnerFactory(program, memory, kernels, kernelSetName);
  const logitsAlloc = program.memory.allocations.find((a) => a.tensor === 'logits')!;
  const logits = new Float32Array(memory.buffer, program.chipBase[logitsAlloc.chip]! + logitsAlloc.offset, program.config.vocabSize);
  // The KV cache keeps the last conversation; a request sharing its prefix (system prompt, template) skips that prefill.
  const kvCache: KvCacheState = { tokens: new Int32Array(program.bucket), length: 0 };
  // Fixed prefixes' and threads' KV, kept across conversations and shared between threads by token-prefix hash.
  const prefixes = new PrefixCache(program, memory, (opts.prefixCacheMb ?? DEFAULT_PREFIX_CACHE_MB) * 2 ** 20);
  let busy: Promise<unknown> = Promise.resolve();
  let disposed = false;

  return {
    info: {
      id: `${path.basename(modelPath).replace(/\.gguf$/, '')}-${source.hash.slice(0, 8)}`,
      name: source.config.name,
      architecture: source.config.architecture,
      contextLength: source.config.contextLength,
      bucket: program.bucket,
      chips: program.partitioning.chips,
      weights: program.weights,
      sramBytesPerChip: program.memory.bytesPerChip,
      sramCapacityPerChip: program.memory.capacityPerChip,
      cyclesPerDecodeToken: program.cycles.perDecodeToken,
      cyclesPerPrefillToken: program.cycles.perPrefillToken,
      kernels: kernels.name,
      unitUtilisationPerChip: unitUtilisationPerChip(program.decodeSchedule, program.cycles.perDecodeToken, program.partitioning.chips),
      ...(source.notice && { notice: source.notice }),
    },
    tokenizer,
    program,
    quantization,
    generate(req, onToken) {
      if (disposed) return Promise.reject(new AppError('model_disposed', 'This model was unloaded; load it again to generate.'));
      // One KV cache per model: generations run one after another.
      const asked = performance.now();
      const run = busy.then(async () => {
        const started = performance.now();
        prefixes.restore(promptTokens(tokenizer, req), kvCache);
        const restored = performance.now() - started;
        const result = await generate(program, runner, logits, tokenizer, req, onToken, kvCache);
        // The thread keeps its cache for its follow-up, under the LRU budget; fixed prefixes stay shared.
        if (req.thread !== undefined && result.stopReason !== 'aborted') prefixes.save(kvCache, req.thread);
        const queue = started - asked;
        const wallMs = { ...result.wallMs, queue, prefill: (result.wallMs.prefill ?? 0) + restored, ttft: result.wallMs.ttft + queue + restored, total: result.wallMs.total + queue + restored };
        return { ...result, wallMs, kernels: kernels.name };
      });
      busy = run.catch(() => undefined);
      return run;
    },
    cachePrefix(prefix) {
      if (disposed) return Promise.reject(new AppError('model_disposed', 'This model was unloaded; load it again to generate.'));
      const run = busy.then(() => prefixes.add(prefixTokens(tokenizer, prefix), runner, kvCache));
      busy = run.catch(() => undefined);
      return run;
    },
    prefixCache: {
      stats: () => prefixes.stats,
      setBudgetMb: (mb) => prefixes.setBudget(mb * 2 ** 20),
      clear: () => prefixes.clear(),
    },
    async dispose() {
      disposed = true;
      await busy;
      prefixes.clear();
      await runner.dispose();
    },
  };
}
