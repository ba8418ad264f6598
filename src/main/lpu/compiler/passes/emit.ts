import type { ModelConfig } from '../../loader/model-source';
import type { Op, TensorDecl, Graph } from '../../ir/graph';
import type { MemoryPlan } from './plan-memory';
import type { Schedule } from './schedule';
import type { Partitioning } from './partition';
import type { WeightFormat } from './quantize';
import { syncStats, type SyncPlans } from './sync';
import type { Unit } from '../cost-model';

export const PROGRAM_VERSION = 6;

/** The compiled, serialisable program: what the runtime executes and what the meters report. */
export interface Program {
  version: number;
  key: string;
  config: ModelConfig;
  bucket: number;
  rows: number;
  weights: WeightFormat;
  partitioning: Partitioning;
  tensors: TensorDecl[];
  ops: Op[];
  memory: MemoryPlan;
  /** Byte offset of each chip's SRAM within the host arena (chips laid out back to back). */
  chipBase: number[];
  arenaBytes: number;
  /**
   * perPrefillChunk: one chunk through every stage; perPrefillStage: the slowest stage's span, the interval at which
   * successive chunks leave a pipeline of stages (equal to perPrefillChunk with one stage).
   */
  cycles: { perDecodeToken: number; perPrefillChunk: number; perPrefillStage: number; perPrefillToken: number };
  utilisation: { decode: Record<Unit, number>; prefill: Record<Unit, number> };
  /** The decode-step instruction stream (unit, chip, start cycle), for dumps and the timeline view. */
  decodeSchedule: Schedule['instructions'];
  /** How the host's worker threads share each op, and where they meet (passes/sync.ts). */
  sync: SyncPlans;
  /** Barriers inside one decode step and one prefill chunk, and per layer. */
  stats: { barriers: ReturnType<typeof syncStats> };
}

const PAGE = 65536;

/** emit: freezes the annotated graph, plan and schedules into a Program (plain JSON). */
export function emit(g: Graph, key: string, weights: WeightFormat, part: Partitioning, memory: MemoryPlan, decode: Schedule, prefill: Schedule, sync: SyncPlans): Program {
  const chipBase: number[] = [];
  let base = PAGE; // page 0 stays unused so a null pointer never aliases a tensor
  for (let chip = 0; chip < memory.chips; chip++) {
    chipBase.push(base);
    base += Math.ceil(memory.bytesPerChip[chip]! / PAGE) * PAGE;
  }
  return {
    version: PROGRAM_VERSION,
    key,
    config: g.config,
    bucket: g.bucket,
    rows: g.rows,
    weights,
    partitioning: part,
    tensors: [...g.tensors.values()],
    ops: g.ops,
    memory,
    chipBase,
    arenaBytes: base,
    cycles: { perDecodeToken: decode.totalCycles, perPrefillChunk: prefill.totalCycles, perPrefillStage: slowestStageSpan(prefill, part.tp), perPrefillToken: Math.ceil(slowestStageSpan(prefill, part.tp) / g.rows) },
    utilisation: { decode: decode.utilisation, prefill: prefill.utilisation },
    decodeSchedule: decode.instructions,
    sync,
    stats: { barriers: syncStats(g, sync) },
  };
}

/** The longest busy span of any pipeline stage (chips [s·tp, (s+1)·tp)) in a schedule. */
function slowestStageSpan(s: Schedule, tp: number): number {
  const spans = new Map<number, [number, number]>();
  for (const ins of s.instructions) {
    const stage = Math.floor(ins.chip / tp);
    const span = spans.get(stage) ?? [Infinity, 0];
    // Weight installs run ahead of a stage's inputs, so the stage's span starts at its first compute.
    spans.set(stage, [ins.unit === 'MEM' ? span[0] : Math.min(span[0], ins.start), Math.max(span[1], ins.start + ins.cycles)]);
  }
  return Math.max(0, ...[...spans.values()].filter(([a]) => a !== Infinity).map(([a, b]) => b - a));
}

/** Emulated cycles to prefill `tokens` in chunks of `rows`: the first chunk's latency, then one chunk per stage interval. */
export function prefillCycles(program: Pick<Program, 'rows' | 'cycles'>, tokens: number): number {
  const chunks = Math.ceil(tokens / program.rows);
  return chunks === 0 ? 0 : program.cycles.perPrefillChunk + (chunks - 1) * program.cycles.perPrefillStage;
}
