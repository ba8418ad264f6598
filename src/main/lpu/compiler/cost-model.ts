// The documented LPU cost model (../shared/reference/lpu-architecture.md), in cycles at 900 MHz.
// One knob is calibrated (C2C_HOP_LATENCY_US, on Llama-2-70B decode over 576 chips): see docs/lpu-fidelity.md.

export const CLOCK_HZ = 900e6;
export const VECTOR_LANES = 320;
export const SKEW_CYCLES = 20;
export const DELTA_CYCLES = 4;
export const FILL_CYCLES = 135;
export const WEIGHT_INSTALL_BYTES_PER_CYCLE = 10_240;
export const SRAM_BYTES_PER_CYCLE = 56_320;
export const MXM_PLANES_INT8 = 4;
export const VXM_ALUS = 5_120;
export const SRAM_BYTES_PER_CHIP = 220 * 1024 * 1024;
export const CHIPS_PER_NODE = 8;
export const C2C_LINK_BYTES_PER_SECOND = 15e9;
/**
 * α: the cost of one synchronised chip-to-chip exchange (link latency plus the schedule's synchronisation), the
 * one calibrated knob: fitted by `npm run bench:fidelity` on Llama-2-70B over 576 chips at 256 tok/s.
 */
export const C2C_HOP_LATENCY_US = 6.67;

export type Unit = 'MXM' | 'VXM' | 'SXM' | 'MEM' | 'C2C';
export const UNITS: readonly Unit[] = ['MXM', 'VXM', 'SXM', 'MEM', 'C2C'];

const vectors = (elems: number) => Math.ceil(elems / VECTOR_LANES);

/** Cycles to install a weight tile set into the MXM (streamed from SRAM). */
export function weightInstallCycles(weightBytes: number): number {
  return Math.ceil(weightBytes / Math.min(WEIGHT_INSTALL_BYTES_PER_CYCLE, SRAM_BYTES_PER_CYCLE));
}

/** MXM compute for [M×K]·[K×N]; FP16/F32 weights run at half the int8 plane rate (f32 emulated as fp16 pairs). */
export function matmulComputeCycles(M: number, K: number, N: number, int8: boolean): number {
  const planes = int8 ? MXM_PLANES_INT8 : MXM_PLANES_INT8 / 2;
  return Math.ceil((M * vectors(K) * vectors(N)) / planes) + FILL_CYCLES;
}

/** Elementwise VXM work of `passes` ALU steps per element. */
export function elementwiseCycles(elems: number, passes: number): number {
  return vectors(elems) * passes + SKEW_CYCLES + 2 * DELTA_CYCLES;
}

/** RMSNorm: square, reduce (~9 steps), rsqrt, scale. */
export function rmsnormCycles(M: number, D: number): number {
  return elementwiseCycles(M * D, 3) + 9 * M + SKEW_CYCLES;
}

/** Attention over a static bucket L (masked, as a static schedule must): the cheaper of MXM and VXM paths plus softmax. */
export function attentionCycles(M: number, L: number, nHeads: number, headDim: number, kvBytes: number): number {
  const viaMxm = (2 * L * headDim * kvBytes * nHeads) / WEIGHT_INSTALL_BYTES_PER_CYCLE + FILL_CYCLES;
  const viaVxm = (2 * L * headDim * nHeads * M) / VXM_ALUS;
  const softmax = 5 * vectors(L * nHeads * M) + 2 * Math.log2(VECTOR_LANES) + FILL_CYCLES;
  return Math.ceil(Math.min(viaMxm * M, viaVxm) + softmax);
}

/** storeKv: the step's K and V rows (rows × kvDim each) converted f32 → f16 into the cache, (4 + 2) bytes per element. */
export function kvStoreCycles(rows: number, kvDim: number): number {
  const elems = 2 * rows * kvDim;
  return Math.max(elementwiseCycles(elems, 1), Math.ceil((elems * (4 + 2)) / SRAM_BYTES_PER_CYCLE) + SKEW_CYCLES + DELTA_CYCLES);
}

/** Chip-to-chip transfer: an all-gather across P chips of a node, or a point-to-point send to the next stage. */
export function c2cCycles(bytes: number, pattern: 'allgather' | 'send', P: number): number {
  const alpha = C2C_HOP_LATENCY_US * 1e-6;
  const seconds = pattern === 'allgather'
    ? 2 * alpha + (2 * (bytes / P) * 1.025) / C2C_LINK_BYTES_PER_SECOND
    : alpha + (bytes * 1.025) / C2C_LINK_BYTES_PER_SECOND;
  return Math.ceil(seconds * CLOCK_HZ);
}
