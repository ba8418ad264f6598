import type { ModelConfig } from '../../loader/model-source';
import type { Op, TensorDecl, Graph } from '../../ir/graph';
import type { MemoryPlan } from './plan-memory';
import type { Schedule } from './schedule';
import type { Partitioning } from './partition';
import type { WeightFormat } from './quantize';
import type { Unit } from '../cost-model';

export const PROGRAM_VERSION = 1;

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
  cycles: { perDecodeToken: number; perPrefillChunk: number; perPrefillToken: number };
  utilisation: { decode: Record<Unit, number>; prefill: Record<Unit, number> };
  /** The decode-step instruction stream (unit, chip, start cycle), for dumps and the timeline view. */
  decodeSchedule: Schedule['instructions'];
}

const PAGE = 65536;

/** emit: freezes the annotated graph, plan and schedules into a Program (plain JSON). */
export function emit(g: Graph, key: string, weights: WeightFormat, part: Partitioning, memory: MemoryPlan, decode: Schedule, prefill: Schedule): Program {
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
    cycles: { perDecodeToken: decode.totalCycles, perPrefillChunk: prefill.totalCycles, perPrefillToken: Math.ceil(prefill.totalCycles / g.rows) },
    utilisation: { decode: decode.utilisation, prefill: prefill.utilisation },
    decodeSchedule: decode.instructions,
  };
}
