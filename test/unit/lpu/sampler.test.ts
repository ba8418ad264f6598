import { describe, expect, it } from 'vitest';
import { Sampler } from '../../../src/main/lpu/runtime/sampler';

const logits = () => Float32Array.from([1, 3, 2.5, -1, 0]);

describe('Sampler', () => {
  it('greedy and temperature 0 pick the argmax', () => {
    expect(new Sampler(5, { greedy: true }).sample(logits(), [], 0)).toBe(1);
    expect(new Sampler(5, { temperature: 0 }).sample(logits(), [], 0)).toBe(1);
  });

  it('top-k 1 and a tiny top-p reduce to the argmax whatever the seed', () => {
    for (let seed = 0; seed < 20; seed++) {
      expect(new Sampler(5, { topK: 1, seed }).sample(logits(), [], 0)).toBe(1);
      expect(new Sampler(5, { topP: 0.01, seed }).sample(logits(), [], 0)).toBe(1);
    }
  });

  it('top-k 2 only ever returns the two most likely tokens', () => {
    const s = new Sampler(5, { topK: 2, temperature: 5, seed: 3 });
    const seen = new Set(Array.from({ length: 300 }, () => s.sample(logits(), [], 0)));
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('samples in proportion to softmax(logits / T)', () => {
    const s = new Sampler(3, { temperature: 1, seed: 99 });
    const counts = [0, 0, 0];
    const n = 6000;
    for (let i = 0; i < n; i++) counts[s.sample(Float32Array.from([0, Math.log(2), Math.log(3)]), [], 0)]!++;
    [1 / 6, 2 / 6, 3 / 6].forEach((p, i) => expect(Math.abs(counts[i]! / n - p)).toBeLessThan(0.02));
  });

  it('the repetition penalty divides positive and multiplies negative logits of seen tokens once', () => {
    const l = Float32Array.from([2, 1.9, -1]);
    expect(new Sampler(3, { greedy: true, repetitionPenalty: 2 }).sample(l, [0, 0, 2], 3)).toBe(1);
    expect(Array.from(l)).toEqual([1, 1.899999976158142, -2]);
  });
});
