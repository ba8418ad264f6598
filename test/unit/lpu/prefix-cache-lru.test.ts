// The KV snapshot cache on a hand-built arena: lookup by token-prefix hash resumes at the longest common prefix,
// rows are copied back exactly, the LRU budget holds, and a snapshot that cannot be allocated evicts the others
// and is skipped instead of failing the answer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Program } from '../../../src/main/lpu/compiler/passes/emit';
import { PREFIX_BLOCK_TOKENS, PrefixCache, prefixBlockHashes } from '../../../src/main/lpu/runtime/prefix-cache';
import type { KvCacheState } from '../../../src/main/lpu/runtime/generate';

const BUCKET = 128, HEAD_BYTES = 8; // one KV tensor of 2 heads × BUCKET positions × 8 bytes
function setup(budgetBytes: number) {
  const program = {
    bucket: BUCKET, rows: 8, chipBase: [0],
    tensors: [{ id: 'k0', kind: 'kv', shape: [2, BUCKET, 4] }],
    memory: { allocations: [{ tensor: 'k0', chip: 0, offset: 64, bytes: 2 * BUCKET * HEAD_BYTES }] },
  } as unknown as Program;
  const buffer = new ArrayBuffer(64 + 2 * BUCKET * HEAD_BYTES);
  const arena = new Uint8Array(buffer);
  const cache = new PrefixCache(program, { buffer }, budgetBytes);
  const kv: KvCacheState = { tokens: new Int32Array(BUCKET), length: 0 };
  /** Writes rows whose bytes encode (head, position, token) as if prefill had run over `tokens`. */
  const fill = (tokens: number[]) => {
    for (let h = 0; h < 2; h++) for (let p = 0; p < tokens.length; p++) arena.fill((h * 31 + tokens[p]! * 7 + p) & 255, 64 + h * BUCKET * HEAD_BYTES + p * HEAD_BYTES, 64 + h * BUCKET * HEAD_BYTES + (p + 1) * HEAD_BYTES);
    kv.tokens.set(tokens);
    kv.length = tokens.length;
  };
  const row = (h: number, p: number) => arena[64 + h * BUCKET * HEAD_BYTES + p * HEAD_BYTES];
  return { cache, kv, fill, row, arena };
}
const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

afterEach(() => vi.restoreAllMocks());

describe('PrefixCache', () => {
  it('hashes whole blocks of the token prefix, chained', () => {
    const a = prefixBlockHashes(seq(0, 40)), b = prefixBlockHashes([...seq(0, 20), 999, ...seq(21, 19)]);
    expect(a).toHaveLength(Math.floor(40 / PREFIX_BLOCK_TOKENS));
    expect(b[0]).toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
  });

  it('resumes from the longest common prefix with the exact rows, and only when it beats the live cache', () => {
    const { cache, kv, fill, row, arena } = setup(1 << 20);
    const first = seq(100, 50);
    fill(first);
    expect(cache.save(kv, 'a')).toBe(true);
    const expected = [row(0, 36), row(1, 36)];
    arena.fill(0);
    fill(seq(500, 10)); // another conversation overwrote the live cache
    const prompt = [...first.slice(0, 37), 7, 8, 9];
    expect(cache.restore(prompt, kv)).toBe(37);
    expect(kv.length).toBe(37);
    expect([row(0, 36), row(1, 36)]).toEqual(expected);
    expect(row(0, 37)).toBe(0); // nothing past the common prefix is copied
    expect(cache.restore(prompt, kv)).toBe(0); // the live cache already holds it
  });

  it('evicts least recently used snapshots to its budget, and keeps one cache per thread', () => {
    const bytesPer30 = 30 * 2 * HEAD_BYTES;
    const { cache, kv, fill } = setup(2 * bytesPer30);
    fill(seq(1000, 30)); cache.save(kv, 'a');
    fill(seq(2000, 30)); cache.save(kv, 'b');
    fill(seq(1000, 30)); expect(cache.restore([...seq(1000, 30), 1], { tokens: new Int32Array(BUCKET), length: 0 })).toBe(30); // a is now the most recent
    fill(seq(3000, 30)); cache.save(kv, 'c');
    expect(cache.stats).toMatchObject({ entries: 2, bytes: 2 * bytesPer30, evictions: 1 });
    expect(cache.lookup([...seq(2000, 30), 1])).toBeUndefined(); // b went
    fill([...seq(3000, 30), 5, 6]); cache.save(kv, 'c'); // c's follow-up replaces c's previous cache
    // c's previous cache was replaced (not evicted); a was evicted to make room for 32 tokens.
    expect(cache.cached).toEqual([32]);
    expect(cache.stats.evictions).toBe(2);
    cache.setBudget(0);
    expect(cache.stats).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('drops every snapshot when a new one cannot be allocated, and skips it if memory is still short', () => {
    const { cache, kv, fill } = setup(1 << 20);
    fill(seq(1, 20)); cache.save(kv, 'a');
    const slice = Uint8Array.prototype.slice;
    const spy = vi.spyOn(Uint8Array.prototype, 'slice').mockImplementationOnce(() => { throw new RangeError('Array buffer allocation failed'); });
    fill(seq(100, 20));
    expect(cache.save(kv, 'b')).toBe(true); // the retry after evicting succeeded
    expect(cache.stats.entries).toBe(1);
    expect(cache.lookup(seq(1, 20))).toBeUndefined();
    spy.mockImplementation(function (this: Uint8Array) { throw new RangeError('Array buffer allocation failed'); });
    fill(seq(300, 20));
    expect(cache.save(kv, 'c')).toBe(false);
    expect(cache.stats.entries).toBe(0);
    spy.mockImplementation(function (this: Uint8Array, ...args: [number?, number?]) { return slice.apply(this, args); });
  });
});
