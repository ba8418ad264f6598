import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import type { ModelConfig } from '../loader/model-source';
import { dumpGraph, verifyGraph, type Graph } from '../ir/graph';
import { chooseBucket, lower, type SlidingKv } from './passes/lower';
import { quantize, type WeightFormat } from './passes/quantize';
import { partition, partitioning } from './passes/partition';
import { dumpMemoryPlan, planMemory, verifyMemoryPlan, type MemoryPlan } from './passes/plan-memory';
import { dumpSchedule, schedule, verifySchedule } from './passes/schedule';
import { dumpSync, planSync, verifySync, type SyncPlans } from './passes/sync';
import { emit, PROGRAM_VERSION, type Program } from './passes/emit';
import { CHIPS_PER_NODE, SRAM_BYTES_PER_CHIP } from './cost-model';

export interface CompileOptions {
  chips?: number;
  bucket?: number;
  /** Weight format; 'native' (the default) keeps each matrix at the file's own width. */
  weights?: WeightFormat;
  /** GGUF type of each weight the loader can copy unchanged (storedTypesOf), for 'native'. */
  storedTypes?: Record<string, string>;
  /** Prefill chunk rows (static M of the prefill program). */
  rows?: number;
  capacityPerChip?: number;
  /** Sliding-window layers' K/V: 'ring' (the default) or the whole bucket, masked ('full', the reference path). */
  slidingKv?: SlidingKv;
}

export interface Compiled {
  program: Program;
  /** Text of the IR after each pass, by pass name. */
  dumps: Record<string, string>;
}

/** Chip counts tried when none is given: 1..8 inside a node, then whole nodes. */
function chipCandidates(): number[] {
  const out = [1, 2, 4, 8];
  for (let n = 16; n <= 10_440; n += CHIPS_PER_NODE) out.push(n);
  return out;
}

/** The compiler: lower → quantize → partition → sync → planMemory → schedule → emit, each verified, each dumpable. */
export function compile(config: ModelConfig, options: CompileOptions, key = ''): Compiled {
  const bucket = chooseBucket(config, options.bucket);
  const weights = options.weights ?? 'native';
  const rows = options.rows ?? Math.min(32, bucket);
  const dumps: Record<string, string> = {};

  // lower: the model's math as a static-shaped op graph for one step of `rows` tokens.
  const lowered = lower(config, bucket, rows, options.slidingKv);
  verifyGraph(lowered, 'lower');
  dumps.lower = dumpGraph(lowered);

  // quantize: weight formats and activation quantisation for integer matmuls.
  const quantized = quantize(lowered, weights, options.storedTypes);
  verifyGraph(quantized, 'quantize');
  dumps.quantize = dumpGraph(quantized);

  // partition + sync + planMemory: the smallest chip count whose plan fits, unless the caller fixed it. sync cuts
  // each op between the host's worker threads and places their barriers; planMemory keeps apart the tensors of
  // one barrier-free segment, so reusing bytes never adds a barrier.
  let part: Graph | undefined;
  let sync: SyncPlans | undefined;
  let plan: MemoryPlan | undefined;
  let lastError: unknown;
  for (const chips of options.chips !== undefined ? [options.chips] : chipCandidates()) {
    try {
      part = partition(quantized, chips);
      verifyGraph(part, 'partition');
      sync = planSync(part);
      plan = planMemory(part, chips, options.capacityPerChip ?? SRAM_BYTES_PER_CHIP, [sync.decode.barriers, sync.prefill.barriers]);
      break;
    } catch (error) {
      lastError = error;
      if (!(error instanceof AppError) || error.code !== 'plan_does_not_fit' || options.chips !== undefined) throw error;
    }
  }
  if (!part || !plan || !sync) throw lastError;
  verifyMemoryPlan(plan);
  verifySync(part, plan, sync);
  dumps.partition = dumpGraph(part);
  dumps.sync = dumpSync(part, sync);
  dumps.planMemory = dumpMemoryPlan(plan);

  // schedule: static start cycles on MXM/VXM/SXM/MEM/C2C for a decode step and a full prefill chunk.
  const p = partitioning(plan.chips);
  const decode = schedule(part, 1, p.tp);
  const prefill = schedule(part, rows, p.tp);
  verifySchedule(decode);
  verifySchedule(prefill);
  dumps.schedule = dumpSchedule(decode, part);

  // emit: the serialisable program.
  const program = emit(part, key, weights, p, plan, decode, prefill, sync);
  dumps.emit = `program ${key} v${PROGRAM_VERSION}: ${plan.chips} chip(s) tp=${p.tp} stages=${p.stages}, ` +
    `${program.cycles.perDecodeToken} cycles/decode token, ${program.cycles.perPrefillToken} cycles/prefill token, arena ${program.arenaBytes} bytes\n`;
  return { program, dumps };
}

/** Compiles once per model hash + options; the program is cached as JSON in cacheDir. */
export function compileCached(config: ModelConfig, modelHash: string, options: CompileOptions, cacheDir: string | undefined): Compiled {
  const keyed = { v: PROGRAM_VERSION, modelHash, chips: options.chips ?? null, bucket: chooseBucket(config, options.bucket), weights: options.weights ?? 'native', rows: options.rows ?? null, slidingKv: options.slidingKv ?? 'ring' };
  const key = createHash('sha256').update(JSON.stringify(keyed)).digest('hex').slice(0, 16);
  const file = cacheDir ? path.join(cacheDir, `${key}.program.json`) : undefined;
  if (file && existsSync(file)) {
    try {
      const program = JSON.parse(readFileSync(file, 'utf8')) as Program;
      if (program.version === PROGRAM_VERSION && program.key === key) return { program, dumps: {} };
    } catch {
      // A corrupt cache entry is recompiled and overwritten below.
    }
  }
  const compiled = compile(config, options, key);
  if (file) {
    mkdirSync(cacheDir!, { recursive: true });
    writeFileSync(file + '.tmp', JSON.stringify(compiled.program));
    renameSync(file + '.tmp', file);
  }
  return compiled;
}
