import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { lower } from '../../../src/main/lpu/compiler/passes/lower';
import { quantize } from '../../../src/main/lpu/compiler/passes/quantize';
import { partition } from '../../../src/main/lpu/compiler/passes/partition';
import { planMemory } from '../../../src/main/lpu/compiler/passes/plan-memory';
import { planSync, verifySync, type Cut } from '../../../src/main/lpu/compiler/passes/sync';
import { workerColumns } from '../../../src/main/lpu/runtime/parallel/partition';
import type { ModelConfig } from '../../../src/main/lpu/loader/model-source';

// SmolLM2-135M's shape (the bench model): the plan depends on the config alone, not on weight values.
const SMOLLM2: ModelConfig = {
  architecture: 'llama', name: 'smollm2-135m-shape', dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64,
  vocabSize: 49152, contextLength: 8192, ropeTheta: 100000, rmsEps: 1e-5, tiedEmbeddings: true, qkvBias: false,
};

// Qwen2.5-1.5B's shape (bench:lpu --shape qwen2.5-1.5b): 8 chips cut q into 192-row shards (1.5 heads of 128), k/v
// into 32 rows and the FFN's 8,960 rows into 1,120 (4.375 Q8_K groups of 256), so no chip shard is a whole unit.
const QWEN25_15B: ModelConfig = {
  architecture: 'qwen2', name: 'qwen2.5-1.5b-shape', dim: 1536, hiddenDim: 8960, nLayers: 28, nHeads: 12, nKvHeads: 2, headDim: 128,
  vocabSize: 151936, contextLength: 32768, ropeTheta: 1e6, rmsEps: 1e-6, tiedEmbeddings: false, qkvBias: true,
};

describe('sync pass', () => {
  const { program } = compile(SMOLLM2, { weights: 'int8', bucket: 1024 });

  it('halves the decode barriers of SmolLM2\'s shape and drops the prefill ones that only memory reuse caused', () => {
    // Before this pass (a barrier at every change of cut or reuse of bytes): 301 per decode step (10 per layer) and
    // 333 per prefill chunk (11 per layer).
    expect(program.stats.barriers).toEqual({ decodeStep: 151, decodePerLayer: 5, prefillChunk: 303, prefillPerLayer: 10 });
    const layer = program.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.layer === 1);
    const barrierBefore = new Set(program.sync.decode.barriers);
    // a layer meets at: its first norm, attention, the output projection, the FFN's norm and the down projection
    expect(layer.filter(({ i }) => barrierBefore.has(i)).map(({ op }) => op.kind)).toEqual(['rmsnorm', 'attention', 'matmul', 'rmsnorm', 'matmul']);
  });

  it('cuts q/k/v on whole heads so RoPE and the KV store continue them, and gate/up on whole quantisation groups', () => {
    const cutOf = (output: string) => program.sync.decode.cuts[program.ops.findIndex((op) => op.kind === 'matmul' && op.outputs[0] === output)]!;
    expect(cutOf('q.3')).toEqual({ kind: 'cols', align: 64, ranges: [[0, 576]] });
    expect(cutOf('k.3')).toEqual({ kind: 'cols', align: 64, ranges: [[0, 192]] });
    expect(cutOf('gate.3')).toEqual({ kind: 'cols', align: 32, ranges: [[0, 1536]] });
    expect(cutOf('ffn_out.3')).toEqual({ kind: 'cols', align: 4, ranges: [[0, 576]] });
  });

  it('the verifier rejects a memory plan that reuses bytes inside a barrier-free segment', () => {
    const part = partition(quantize(lower(SMOLLM2, 1024, 32), 'int8'), 1);
    const sync = planSync(part);
    expect(() => verifySync(part, planMemory(part, 1), sync)).toThrow(/shares bytes with .* in the same barrier-free segment/);
    const kept = planMemory(part, 1, undefined, [sync.decode.barriers, sync.prefill.barriers]);
    expect(() => verifySync(part, kept, sync)).not.toThrow();
    // keeping one segment's tensors apart costs a few activation rows, not a copy of the model
    expect(kept.bytesPerChip[0]! - planMemory(part, 1).bytesPerChip[0]!).toBeLessThan(1 << 20);
  });
});

describe('sync pass on chip shards that are not whole heads or quantisation groups (Qwen2.5-1.5B, Q4_K, 8 chips)', () => {
  const matrices = Object.fromEntries(Array.from({ length: QWEN25_15B.nLayers }, (_, l) =>
    ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'].map((m) => [`blk.${l}.${m}`, 'Q4_K'])).flat());
  const { program } = compile(QWEN25_15B, { chips: 8, bucket: 1024, storedTypes: { ...matrices, output: 'Q6_K' } });
  const decodeCut = (output: string) => program.sync.decode.cuts[program.ops.findIndex((op) => op.kind === 'matmul' && op.outputs[0] === output)] as Extract<Cut, { kind: 'cols' }>;

  it('fuses RoPE, the KV store and gating\'s quantize onto the matmuls\' cuts: 5 barriers per layer, as Llama\'s shape', () => {
    // Cutting each chip's shard separately left RoPE on worker 0 and gating's Q8_K quantize on partial groups: 6 per layer.
    expect(program.stats.barriers).toMatchObject({ decodeStep: 141, decodePerLayer: 5 });
    const barrierBefore = new Set(program.sync.decode.barriers);
    const layer = program.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.layer === 1);
    expect(layer.filter(({ i }) => barrierBefore.has(i)).map(({ op }) => op.kind)).toEqual(['rmsnorm', 'attention', 'quantize', 'rmsnorm', 'matmul']);
    for (const kind of ['rope', 'storeKv', 'addBias', 'siluMul']) {
      expect(layer.filter(({ op }) => op.kind === kind).map(({ i }) => program.sync.decode.cuts[i]!.kind)).toEqual(layer.filter(({ op }) => op.kind === kind).map(() => 'cols'));
    }
  });

  it('gives 2 and 3 workers shares of each matmul within one unit of each other, on whole heads and groups', () => {
    const shares = (output: string, workers: number) => Array.from({ length: workers }, (_, w) => workerColumns(decodeCut(output), w, workers));
    // per-shard cutting gave worker 0 all of k and v, 2/3 of q and 69% of gate and up
    expect(shares('q.3', 2)).toEqual([[0, 768], [768, 1536]]);
    expect(shares('k.3', 2)).toEqual([[0, 128], [128, 256]]);
    expect(shares('gate.3', 2)).toEqual([[0, 4608], [4608, 8960]]);
    expect(shares('gate.3', 3)).toEqual([[0, 3072], [3072, 6144], [6144, 8960]]);
    expect(shares('ffn_out.3', 2)).toEqual([[0, 768], [768, 1536]]);
    expect(shares('logits', 2)).toEqual([[0, 75968], [75968, 151936]]);
    for (const output of ['q.3', 'k.3', 'v.3', 'attn_out.3', 'gate.3', 'up.3', 'ffn_out.3', 'logits']) {
      const cut = decodeCut(output);
      for (const workers of [1, 2, 3]) {
        const widths = shares(output, workers).map(([a, b]) => b - a);
        expect(widths.reduce((a, b) => a + b, 0)).toBe(cut.ranges[cut.ranges.length - 1]![1]);
        expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(cut.align);
        for (const [a] of shares(output, workers)) expect(a % cut.align).toBe(0);
      }
    }
  });
});
