import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openModel } from '../../../src/main/lpu/loader';
import { compile, compileCached } from '../../../src/main/lpu/compiler/pipeline';
import { chooseBucket, lower } from '../../../src/main/lpu/compiler/passes/lower';
import { verifyGraph } from '../../../src/main/lpu/ir/graph';
import { AppError } from '../../../src/shared/errors';
import { STORIES260K_SHAPE, tinyWeights, writeTinyGguf } from '../../fixtures/lpu/tiny-models';

// The program depends on the model's config alone, so stories260K's shape with random weights compiles to the golden IR.
const modelDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-compiler-'));
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));
const STORIES = path.join(modelDir, 'stories260K.gguf');
writeTinyGguf(STORIES, STORIES260K_SHAPE, tinyWeights(STORIES260K_SHAPE), 'F32', 'stories260K');
const GOLDEN_DIR = path.resolve('test/fixtures/lpu/stories260K-ir');
const PASSES = ['lower', 'quantize', 'partition', 'sync', 'planMemory', 'schedule', 'emit'];

describe('compiler pipeline on stories260K', () => {
  const source = openModel(STORIES);
  const { program, dumps } = compile(source.config, { weights: 'int8' }, 'golden');

  // Golden text per pass; regenerate on purpose with UPDATE_LPU_GOLDEN=1.
  it.each(PASSES)('IR after %s matches its golden file', (pass) => {
    const file = path.join(GOLDEN_DIR, `${pass}.txt`);
    if (process.env.UPDATE_LPU_GOLDEN === '1') {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(file, dumps[pass]!);
    }
    expect(existsSync(file)).toBe(true);
    expect(dumps[pass]).toBe(readFileSync(file, 'utf8'));
  });

  it('compiles deterministically', () => {
    expect(compile(source.config, { weights: 'int8' }, 'golden').program).toEqual(program);
  });

  it('inserts one activation quantize per shared int8 input and keeps f32 where K is not a multiple of 32', () => {
    const layer0 = program.ops.filter((op) => op.layer === 0);
    expect(layer0.filter((op) => op.kind === 'quantize').map((op) => op.inputs[0])).toEqual(['attn_in.0', 'att.0', 'ffn_in.0']);
    const down = layer0.find((op) => op.outputs[0] === 'ffn_out.0')!;
    expect(down.inputs).toEqual(['gate.0', 'blk.0.ffn_down']);
    expect(program.tensors.find((t) => t.id === 'blk.0.ffn_down')!.dtype).toBe('f32');
  });

  it('overlaps weight installs with vector work in the schedule', () => {
    const overlapped = program.decodeSchedule.some((ins) => ins.unit === 'MEM' && program.decodeSchedule.some((other) =>
      other.unit === 'VXM' && other.start < ins.start + ins.cycles && ins.start < other.start + other.cycles));
    expect(overlapped).toBe(true);
    expect(program.cycles.perDecodeToken).toBeLessThan(program.decodeSchedule.reduce((sum, ins) => sum + ins.cycles, 0));
  });

  it('caches the emitted program on disk keyed by model hash and options', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-compile-'));
    try {
      const first = compileCached(source.config, source.hash, { weights: 'f32' }, dir);
      expect(first.dumps.lower).toBeDefined();
      const second = compileCached(source.config, source.hash, { weights: 'f32' }, dir);
      expect(second.dumps).toEqual({}); // served from the cache, not recompiled
      expect(second.program).toEqual(first.program);
      expect(compileCached(source.config, source.hash, { weights: 'int8' }, dir).program.key).not.toBe(first.program.key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compiler checks', () => {
  const config = openModel(STORIES).config;

  it('picks the smallest bucket that fits and rejects unknown buckets', () => {
    expect(chooseBucket({ ...config, contextLength: 512 })).toBe(512);
    expect(chooseBucket({ ...config, contextLength: 8192 })).toBe(2048);
    expect(chooseBucket(config, 4096)).toBe(4096);
    expect(() => chooseBucket(config, 3000)).toThrow(/Context bucket 3000 is not one of 512, 1024, 2048, 4096, 8192/);
  });

  it('the verifier rejects a graph that reads a tensor before it is written', () => {
    const g = lower(config, 512, 4);
    const [first, second] = [g.ops[0]!, g.ops[1]!];
    g.ops[0] = { ...second, id: 0 };
    g.ops[1] = { ...first, id: 1 };
    expect(() => verifyGraph(g, 'test')).toThrow('test: op 0 (rmsnorm) reads x before it is written');
  });

  it('a chip count that does not fill nodes is a clear error', () => {
    expect(() => compile(config, { chips: 12 })).toThrow(AppError);
    expect(() => compile(config, { chips: 12 })).toThrow('12 chips do not fill whole nodes of 8; use up to 8 chips or a multiple of 8.');
  });

  it('a model too big for the given chips fails at compile time', () => {
    expect(() => compile(config, { chips: 1, capacityPerChip: 256 * 1024 })).toThrow(/more than the 0.3 MiB a chip has/);
  });
});
