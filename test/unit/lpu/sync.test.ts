import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { lower } from '../../../src/main/lpu/compiler/passes/lower';
import { quantize } from '../../../src/main/lpu/compiler/passes/quantize';
import { partition } from '../../../src/main/lpu/compiler/passes/partition';
import { planMemory } from '../../../src/main/lpu/compiler/passes/plan-memory';
import { planSync, verifySync } from '../../../src/main/lpu/compiler/passes/sync';
import type { ModelConfig } from '../../../src/main/lpu/loader/model-source';

// SmolLM2-135M's shape (the bench model): the plan depends on the config alone, not on weight values.
const SMOLLM2: ModelConfig = {
  architecture: 'llama', name: 'smollm2-135m-shape', dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, headDim: 64,
  vocabSize: 49152, contextLength: 8192, ropeTheta: 100000, rmsEps: 1e-5, tiedEmbeddings: true, qkvBias: false,
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
