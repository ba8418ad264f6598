import { AppError } from '../../../shared/errors';
import {
  CHIPS_PER_NODE, CLOCK_HZ, C2C_HOP_LATENCY_US, C2C_LINK_BYTES_PER_SECOND, SRAM_BYTES_PER_CHIP,
  attentionCycles, elementwiseCycles, matmulComputeCycles, rmsnormCycles, weightInstallCycles,
} from '../compiler/cost-model';
import { CONTEXT_BUCKETS } from '../compiler/passes/lower';
import { packStages } from '../compiler/passes/partition';
import type { DeploymentPreset } from './presets';

// A model of how Groq deploys a published model over many chips (docs/lpu-fidelity.md has the sources):
// weights and KV cache resident in SRAM, tensor parallel inside a fully connected 8-chip node, pipeline stages
// over nodes, two all-reduces per layer, greedy sampling on chip. One knob: α, the cost of one synchronised exchange.

/** int8 weights with an f16 scale per 32 (the emulator's Q8_0 layout). */
const WEIGHT_BYTES_PER_PARAM = 1 + 2 / 32;
/** KV cache entries are binary16, as the emulator stores them. */
const KV_BYTES = 2;
/** Activations cross chips as f32, as the emulator computes them. */
const ACT_BYTES = 4;
/** C2C framing overhead on payload bytes (lpu-architecture.md cost model). */
const LINK_OVERHEAD = 1.025;
/** GroqCard host interface: PCIe Gen4 ×16, ~31.5 GB/s per direction. */
export const PCIE_BYTES_PER_SECOND = 31.5e9;
/** Prefill chunk rows, as the emulator compiles them. */
const PREFILL_ROWS = 32;
/** Largest system of the ISCA'22 dragonfly. */
const MAX_CHIPS = 10_440;

export interface Hardware {
  /** α: seconds of one synchronised C2C exchange (the calibrated knob). */
  exchangeSeconds: number;
  linkBytesPerSecond: number;
  sramBytesPerChip: number;
}

export const PUBLISHED_HARDWARE: Hardware = {
  exchangeSeconds: C2C_HOP_LATENCY_US * 1e-6,
  linkBytesPerSecond: C2C_LINK_BYTES_PER_SECOND,
  sramBytesPerChip: SRAM_BYTES_PER_CHIP,
};

export interface Workload {
  promptTokens: number;
  outputTokens: number;
}

/** LLMPerf's run: 550 prompt tokens, 150 output tokens. */
export const LLMPERF_WORKLOAD: Workload = { promptTokens: 550, outputTokens: 150 };

/** Where the time of one decode token goes, in cycles on the critical path. */
export interface Breakdown {
  /** Weight installs and MXM passes not hidden behind other work. */
  weights: number;
  /** VXM/SXM work: norms, RoPE, attention, activations, argmax. */
  vector: number;
  /** All-reduces inside a node, sends between stages, the token's return to the first stage. */
  c2c: number;
}

export interface DeploymentPrediction {
  chips: number;
  tp: number;
  stages: number;
  /** Fewest chips whose SRAM holds the weights and the served context's KV cache. */
  chipsNeeded: number;
  residentBytes: { weights: number; kv: number; maxPerChip: number };
  collectivesPerLayer: number;
  allReduceBytes: number;
  cyclesPerDecodeToken: number;
  breakdown: Breakdown;
  dominantTerm: keyof Breakdown;
  decode_tok_s: number;
  ttft_ms: number;
  /** PCIe time of the prompt in and the first token out (host ↔ card), inside ttft_ms. */
  hostMs: number;
}

/** One contiguous piece of the model a pipeline stage can hold. */
interface Block {
  kind: 'embed' | 'attention' | 'ffn' | 'head';
  bytes: number;
}

function blocksOf(p: DeploymentPreset): Block[] {
  const { dim, nHeads, nKvHeads, headDim, hiddenDim, nLayers, vocabSize } = p;
  const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
  const attention = (2 * dim * qDim + 2 * dim * kvDim) * WEIGHT_BYTES_PER_PARAM + p.servedContext * 2 * kvDim * KV_BYTES;
  const experts = p.experts?.count ?? 1;
  const ffn = (3 * dim * hiddenDim * experts + (p.experts ? dim * experts : 0)) * WEIGHT_BYTES_PER_PARAM;
  const blocks: Block[] = [{ kind: 'embed', bytes: vocabSize * dim * WEIGHT_BYTES_PER_PARAM }];
  for (let l = 0; l < nLayers; l++) blocks.push({ kind: 'attention', bytes: attention }, { kind: 'ffn', bytes: ffn });
  blocks.push({ kind: 'head', bytes: p.tiedEmbeddings ? 0 : vocabSize * dim * WEIGHT_BYTES_PER_PARAM });
  return blocks;
}

interface Plan { chips: number; tp: number; stages: number; stageOf: number[]; maxPerChip: number }

function planFor(blocks: Block[], chips: number, hw: Hardware): Plan | undefined {
  if (chips > CHIPS_PER_NODE && chips % CHIPS_PER_NODE !== 0) return undefined;
  const tp = Math.min(chips, CHIPS_PER_NODE);
  const stages = chips / tp;
  const stageOf = packStages(blocks.map((b) => b.bytes), stages);
  if (!stageOf) return undefined;
  const perStage = new Array<number>(stages).fill(0);
  blocks.forEach((b, i) => { perStage[stageOf[i]!]! += b.bytes; });
  const maxPerChip = Math.max(...perStage) / tp;
  return maxPerChip <= hw.sramBytesPerChip ? { chips, tp, stages, stageOf, maxPerChip } : undefined;
}

/** Chip counts a deployment can use: 1, 2, 4, 8 inside a node, then whole nodes. */
function chipCandidates(): number[] {
  const out = [1, 2, 4, 8];
  for (let n = 16; n <= MAX_CHIPS; n += CHIPS_PER_NODE) out.push(n);
  return out;
}

function fewestChips(blocks: Block[], hw: Hardware): Plan | undefined {
  for (const chips of chipCandidates()) {
    const plan = planFor(blocks, chips, hw);
    if (plan) return plan;
  }
  return undefined;
}

/**
 * The critical path of one block on a stage's tp chips at M rows: the scheduler's rule (a matmul's weight
 * install runs ahead on MEM, double-buffered, while the previous matmul and the vector work run).
 */
class CriticalPath {
  t = 0;
  private memFree = 0;
  private lastMxmStart = 0;
  readonly parts: Breakdown = { weights: 0, vector: 0, c2c: 0 };

  matmul(M: number, K: number, N: number): void {
    const installStart = Math.max(this.memFree, this.lastMxmStart);
    const installEnd = installStart + weightInstallCycles(Math.ceil(K * N * WEIGHT_BYTES_PER_PARAM));
    const start = Math.max(this.t, installEnd);
    const end = start + matmulComputeCycles(M, K, N, true);
    this.parts.weights += end - this.t;
    this.memFree = installEnd;
    this.lastMxmStart = start;
    this.t = end;
  }

  vector(cycles: number): void {
    this.parts.vector += cycles;
    this.t += cycles;
  }

  c2c(cycles: number): void {
    this.parts.c2c += cycles;
    this.t += cycles;
  }
}

const toCycles = (seconds: number) => Math.ceil(seconds * CLOCK_HZ);

/** One exchange: every chip sends `bytes` to its peers over direct links (the node is fully connected). */
function exchangeCycles(bytes: number, hw: Hardware): number {
  return toCycles(hw.exchangeSeconds + (bytes * LINK_OVERHEAD) / hw.linkBytesPerSecond);
}

/** All-reduce inside a node: a reduce-scatter and an all-gather, each one exchange of bytes/tp per peer. */
function allReduceCycles(bytes: number, tp: number, hw: Hardware): number {
  return tp === 1 ? 0 : 2 * exchangeCycles(bytes / tp, hw);
}

/** The smallest context bucket holding the workload: the static schedule attends over the whole bucket. */
function bucketFor(tokens: number): number {
  return CONTEXT_BUCKETS.find((b) => b >= tokens) ?? CONTEXT_BUCKETS[CONTEXT_BUCKETS.length - 1]!;
}

/** Cycles of one block at M rows on tp chips (Megatron split: column-parallel in, row-parallel out, one all-reduce). */
function blockPath(p: DeploymentPreset, kind: Block['kind'], M: number, tp: number, bucket: number, hw: Hardware): CriticalPath {
  const { dim, nHeads, nKvHeads, headDim, hiddenDim, vocabSize } = p;
  const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
  const path = new CriticalPath();
  const rowBytes = M * dim * ACT_BYTES;
  switch (kind) {
    case 'embed':
      path.vector(elementwiseCycles(M * dim, 1));
      break;
    case 'attention':
      path.vector(rmsnormCycles(M, dim));
      path.matmul(M, dim, Math.ceil((qDim + 2 * kvDim) / tp));
      path.vector(elementwiseCycles((M * (nHeads + nKvHeads) * headDim) / tp, 2)); // RoPE
      path.vector(attentionCycles(M, bucket, Math.ceil(nHeads / tp), headDim, KV_BYTES));
      path.matmul(M, Math.ceil(qDim / tp), dim);
      path.c2c(allReduceCycles(rowBytes, tp, hw));
      path.vector(elementwiseCycles(M * dim, 1)); // residual add
      break;
    case 'ffn': {
      path.vector(rmsnormCycles(M, dim));
      const experts = p.experts;
      if (experts && experts.count >= tp) {
        // Expert parallel: whole experts live on single chips, the active ones run side by side.
        path.matmul(M, dim, experts.count); // router
        path.c2c(exchangeCycles(rowBytes, hw)); // dispatch the row to the chosen experts' chips
        path.matmul(M, dim, 2 * hiddenDim);
        path.vector(elementwiseCycles(M * hiddenDim, 4));
        path.matmul(M, hiddenDim, dim);
        path.c2c(allReduceCycles(rowBytes, tp, hw)); // combine the weighted expert outputs
      } else {
        const active = experts?.active ?? 1;
        path.matmul(M, dim, Math.ceil((2 * hiddenDim * active) / tp));
        path.vector(elementwiseCycles((M * hiddenDim * active) / tp, 4));
        path.matmul(M, Math.ceil((hiddenDim * active) / tp), dim);
        path.c2c(allReduceCycles(rowBytes, tp, hw));
      }
      path.vector(elementwiseCycles(M * dim, 1));
      break;
    }
    case 'head':
      path.vector(rmsnormCycles(1, dim));
      path.matmul(1, dim, Math.ceil(vocabSize / tp));
      path.vector(elementwiseCycles(vocabSize / tp, 2)); // argmax of each chip's slice
      if (tp > 1) path.c2c(exchangeCycles(8, hw)); // (value, index) pairs to the lead chip
      break;
  }
  return path;
}

export interface DeploymentOptions {
  /** Chips of the deployment; the fewest that fit when absent. */
  chips?: number;
  hardware?: Partial<Hardware>;
  workload?: Workload;
}

/** Predicts decode speed, TTFT and residency of a preset deployed like Groq's systems. */
export function predictDeployment(preset: DeploymentPreset, options: DeploymentOptions = {}): DeploymentPrediction {
  const hw: Hardware = { ...PUBLISHED_HARDWARE, ...options.hardware };
  if (!(hw.exchangeSeconds >= 0) || !(hw.linkBytesPerSecond > 0) || !(hw.sramBytesPerChip > 0)) {
    throw new AppError('invalid_option', 'The C2C bandwidth and the SRAM per chip must be positive numbers.');
  }
  const workload = options.workload ?? LLMPERF_WORKLOAD;
  const blocks = blocksOf(preset);
  const needed = fewestChips(blocks, hw);
  if (!needed) {
    throw new AppError('plan_does_not_fit', `${preset.name} does not fit in ${MAX_CHIPS} chips of ${(hw.sramBytesPerChip / 2 ** 20).toFixed(0)} MiB; give each chip more SRAM.`);
  }
  let plan = needed;
  if (options.chips !== undefined) {
    const chips = options.chips;
    if (!Number.isInteger(chips) || chips < 1 || (chips > CHIPS_PER_NODE && chips % CHIPS_PER_NODE !== 0)) {
      throw new AppError('invalid_option', `${chips} chips do not fill whole nodes of ${CHIPS_PER_NODE}; use up to 8 chips or a multiple of 8.`);
    }
    const fixed = planFor(blocks, chips, hw);
    if (!fixed) {
      throw new AppError('plan_does_not_fit', `${preset.name} needs at least ${needed.chips} chips of ${(hw.sramBytesPerChip / 2 ** 20).toFixed(0)} MiB (or no more pipeline stages than its ${blocks.length} blocks); ${chips} do not hold it.`);
    }
    plan = fixed;
  }

  const bucket = bucketFor(workload.promptTokens + workload.outputTokens);
  const sendCycles = (M: number) => exchangeCycles(M * preset.dim * ACT_BYTES, hw);
  // Decode: one token walks every block of every stage in turn, then its id returns to the first stage.
  const breakdown: Breakdown = { weights: 0, vector: 0, c2c: 0 };
  const decodePath = new Map<Block['kind'], CriticalPath>();
  blocks.forEach((b, i) => {
    const path = decodePath.get(b.kind) ?? blockPath(preset, b.kind, 1, plan.tp, bucket, hw);
    decodePath.set(b.kind, path);
    for (const k of Object.keys(breakdown) as (keyof Breakdown)[]) breakdown[k] += path.parts[k];
    if (i > 0 && plan.stageOf[i] !== plan.stageOf[i - 1]) breakdown.c2c += sendCycles(1);
  });
  if (plan.stages > 1) breakdown.c2c += exchangeCycles(4, hw);
  const cyclesPerDecodeToken = breakdown.weights + breakdown.vector + breakdown.c2c;

  // Prefill: chunks of PREFILL_ROWS stream through the stages; the first token falls out of the last chunk.
  const chunkPaths = new Map<Block['kind'], number>();
  const stageCycles = new Array<number>(plan.stages).fill(0);
  blocks.forEach((b, i) => {
    const rows = b.kind === 'head' ? 1 : PREFILL_ROWS;
    const cycles = chunkPaths.get(b.kind) ?? blockPath(preset, b.kind, rows, plan.tp, bucket, hw).t;
    chunkPaths.set(b.kind, cycles);
    stageCycles[plan.stageOf[i]!]! += cycles + (i > 0 && plan.stageOf[i] !== plan.stageOf[i - 1] ? sendCycles(PREFILL_ROWS) : 0);
  });
  const chunks = Math.ceil(workload.promptTokens / PREFILL_ROWS);
  const prefillCycles = stageCycles.reduce((a, b) => a + b, 0) + (chunks - 1) * Math.max(...stageCycles);
  // The host sends the prompt's token ids and reads the first token back over PCIe.
  const hostSeconds = ((workload.promptTokens + 1) * 4) / PCIE_BYTES_PER_SECOND;

  const dominantTerm = (Object.keys(breakdown) as (keyof Breakdown)[]).reduce((a, b) => (breakdown[b] > breakdown[a] ? b : a));
  const kvBytes = preset.nLayers * preset.servedContext * 2 * preset.nKvHeads * preset.headDim * KV_BYTES;
  return {
    chips: plan.chips,
    tp: plan.tp,
    stages: plan.stages,
    chipsNeeded: needed.chips,
    residentBytes: { weights: blocks.reduce((a, b) => a + b.bytes, 0) - kvBytes, kv: kvBytes, maxPerChip: plan.maxPerChip },
    collectivesPerLayer: plan.tp > 1 ? 2 : 0,
    allReduceBytes: preset.dim * ACT_BYTES,
    cyclesPerDecodeToken,
    breakdown,
    dominantTerm,
    decode_tok_s: CLOCK_HZ / cyclesPerDecodeToken,
    ttft_ms: (prefillCycles / CLOCK_HZ + hostSeconds) * 1000,
    hostMs: hostSeconds * 1000,
  };
}
