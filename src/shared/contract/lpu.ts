import { z } from 'zod';
import { call } from './define';

// The LPU emulator's compiled program as a timeline (the Schedule tab) and the deployment model's what-if.

const presetName = z.string().trim().min(1).max(64);
const chips = z.number().int().min(1).max(10_440);

export const presetListing = z.object({
  name: z.string(),
  model: z.string(),
  /** Whether the emulator's compiler lowers it (mixture-of-experts shapes are predicted, not compiled). */
  compilable: z.boolean(),
  published: z.object({ decodeTokS: z.number(), source: z.string() }).nullable(),
});
export type PresetListing = z.infer<typeof presetListing>;

/** The active chat model when the emulator can compile it (a GGUF file). */
export const activeModel = z.object({ id: z.string(), name: z.string() });
export type ActiveModel = z.infer<typeof activeModel>;

export const scheduleSource = z.union([z.object({ preset: presetName }), z.object({ activeModel: z.literal(true) })]);
export type ScheduleSource = z.infer<typeof scheduleSource>;

/**
 * One compiled decode step, columnar: instruction i runs on lane (chip[i], unit[i]) over cycles
 * [start[i], start[i] + cycles[i]), sorted by start; op[i] indexes `ops`. Compact enough for 100k instructions.
 */
export const scheduleTimeline = z.object({
  model: z.string(),
  chips: z.number().int(),
  tp: z.number().int(),
  stages: z.number().int(),
  clockHz: z.number(),
  totalCycles: z.number(),
  units: z.array(z.string()),
  start: z.array(z.number()),
  cycles: z.array(z.number()),
  chip: z.array(z.number().int()),
  unit: z.array(z.number().int()),
  op: z.array(z.number().int()),
  /** 1 where the instruction lies on the critical path (the chain that decides the step's length). */
  critical: z.array(z.number().int()),
  ops: z.array(z.object({
    kind: z.string(),
    layer: z.number().int(),
    /** Tensor shapes, e.g. "attn_in.3 f32[1,576] · blk.3.attn_q i8[576,576] → q.3 f32[1,576]". */
    shapes: z.string(),
    /** SRAM byte ranges read and written, per chip: "blk.3.attn_q@0 0x4a000+331776". */
    reads: z.array(z.string()),
    writes: z.array(z.string()),
  })),
});
export type ScheduleTimeline = z.infer<typeof scheduleTimeline>;

export const whatIfRequest = z.object({
  preset: presetName,
  chips: chips.optional(),
  /** Bandwidth of one C2C link, GB/s per direction (published: 15). */
  c2cGBps: z.number().positive().max(10_000).optional(),
  /** SRAM per chip, MiB (published: 220). */
  sramMiB: z.number().positive().max(1_000_000).optional(),
});
export type WhatIfRequest = z.input<typeof whatIfRequest>;

export const whatIfResult = z.object({
  preset: z.string(),
  model: z.string(),
  chips: z.number().int(),
  chipsNeeded: z.number().int(),
  tp: z.number().int(),
  stages: z.number().int(),
  decodeTokS: z.number(),
  ttftMs: z.number(),
  dominantTerm: z.enum(['weights', 'vector', 'c2c']),
  breakdown: z.object({ weights: z.number(), vector: z.number(), c2c: z.number() }),
  hardware: z.object({ c2cGBps: z.number(), sramMiB: z.number(), exchangeUs: z.number() }),
});
export type WhatIfResult = z.infer<typeof whatIfResult>;

export const lpu = {
  /** Published model shapes the timeline and the what-if panel can use. */
  presets: call(z.object({}), z.object({ presets: z.array(presetListing), active: activeModel.nullable() })),
  /**
   * The compiled decode step of a preset (int8 weights) or of the active chat model (its own weight formats), on
   * the fewest chips that fit unless `chips`.
   */
  schedule: call(z.object({ source: scheduleSource, chips: chips.optional() }), scheduleTimeline),
  /** The deployment model's prediction with the hardware changed. */
  whatIf: call(whatIfRequest, whatIfResult),
};
