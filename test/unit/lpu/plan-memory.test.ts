import { describe, expect, it } from 'vitest';
import { packByLifetime, planMemory, ALIGN } from '../../../src/main/lpu/compiler/passes/plan-memory';
import type { Graph, Op, TensorDecl } from '../../../src/main/lpu/ir/graph';
import type { ModelConfig } from '../../../src/main/lpu/loader/model-source';
import { AppError } from '../../../src/shared/errors';

const config = { name: 'synthetic' } as ModelConfig;
const t = (id: string, kind: TensorDecl['kind'], n: number): TensorDecl => ({ id, kind, dtype: 'f32', shape: [1, n], layer: 0 });
const op = (id: number, inputs: string[], outputs: string[], chip = 0): Op => ({ id, kind: 'add', inputs, outputs, attrs: {}, layer: 0, chip });
const graph = (tensors: TensorDecl[], ops: Op[]): Graph => ({ config, bucket: 512, rows: 1, tensors: new Map(tensors.map((x) => [x.id, x])), ops });

/** True when two allocations on one chip overlap in both address range and lifetime. */
function clash(a: { offset: number; bytes: number; live?: [number, number] }, b: typeof a): boolean {
  const space = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
  const time = !a.live || !b.live || (a.live[0] <= b.live[1] && b.live[0] <= a.live[1]);
  return space && time;
}

describe('planMemory', () => {
  it('reuses an activation range once the earlier tensor is dead, and never overlaps live tensors', () => {
    // a → b → c → d chain: a and c never live together, so they can share space; weights are permanent.
    const g = graph(
      [t('w', 'weight', 256), t('a', 'act', 1024), t('b', 'act', 1024), t('c', 'act', 1024), t('d', 'act', 1024)],
      [op(0, ['w'], ['a']), op(1, ['a', 'w'], ['b']), op(2, ['b'], ['c']), op(3, ['c'], ['d'])],
    );
    const plan = planMemory(g, 1);
    const at = (id: string) => plan.allocations.find((x) => x.tensor === id)!;
    expect(at('w').offset).toBe(0);
    expect(at('a').live).toEqual([0, 1]);
    expect(at('c').live).toEqual([2, 3]);
    expect(at('c').offset).toBe(at('a').offset);
    for (const x of plan.allocations) for (const y of plan.allocations) if (x !== y) expect(clash(x, y)).toBe(false);
    // 1 KiB of weights + two 4 KiB activations alive at once.
    expect(plan.bytesPerChip[0]).toBe(1024 + 2 * 4096);
  });

  it('places each chip\'s tensors in that chip\'s SRAM', () => {
    const g = graph([t('w0', 'weight', 100), t('w1', 'weight', 300), t('x', 'act', 64)],
      [op(0, ['w0'], ['x'], 0), op(1, ['w1', 'x'], ['x'], 1)]);
    const plan = planMemory(g, 2);
    expect(plan.allocations.filter((a) => a.chip === 1).map((a) => a.tensor).sort()).toEqual(['w1', 'x']);
    expect(plan.bytesPerChip).toEqual([Math.ceil(400 / ALIGN) * ALIGN + 256, 1216 + 256]);
  });

  it('fails at compile time, naming the chip and sizes, when SRAM is too small', () => {
    const g = graph([t('w', 'weight', 1 << 20), t('x', 'act', 16)], [op(0, ['w'], ['x'])]);
    let error: unknown;
    try { planMemory(g, 1, 2 << 20); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('plan_does_not_fit');
    expect((error as AppError).message).toBe('The model needs 4.0 MiB of SRAM on chip 0, more than the 2.0 MiB a chip has. Compile for more chips (--chips) or a smaller context bucket.');
  });

  it('packByLifetime fills gaps first-fit by decreasing size', () => {
    const { offsets, end } = packByLifetime([
      { key: 'big', bytes: 512, live: [0, 9] },
      { key: 'early', bytes: 128, live: [0, 2] },
      { key: 'late', bytes: 128, live: [3, 9] },
    ], 0);
    expect(offsets.get('big')).toBe(0);
    expect(offsets.get('early')).toBe(512);
    expect(offsets.get('late')).toBe(512);
    expect(end).toBe(640);
  });
});
