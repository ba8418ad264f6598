import type { ArenaMemory } from '../kernels/abi';
import type { Program } from '../compiler/passes/emit';
import type { LpuTokenizer, ChatMessage } from '../tokenizer';
import type { KvCacheState } from './generate';
import type { StepRunner } from './step-runner';

/** One precomputed prefix: its token ids and the K/V rows it produced, per KV head of each KV tensor allocation. */
interface PrefixSnapshot {
  tokens: Int32Array;
  rows: { at: number; bytes: Uint8Array }[];
}

/**
 * KV snapshots of fixed prompt prefixes (the system prompt, quick-action templates), computed once per model
 * the way an LPU deployment precompiles common prompts. The live cache only remembers the last conversation;
 * a snapshot survives any number of unrelated conversations and is copied back into the arena's KV tensors when
 * a prompt starts with it. The KV rows of a prefix do not depend on what follows, so results are unchanged.
 */
export class PrefixCache {
  private readonly snapshots: PrefixSnapshot[] = [];
  private readonly kvHeadRuns: { at: number; rowBytes: number }[];
  private readonly arena: Uint8Array;

  constructor(private readonly program: Program, memory: ArenaMemory) {
    this.arena = new Uint8Array(memory.buffer);
    const kv = new Map(program.tensors.filter((t) => t.kind === 'kv').map((t) => [t.id, t]));
    // A cache is [nKvHeads, positions, headDim]: each head's positions are a contiguous run of rows.
    this.kvHeadRuns = program.memory.allocations.filter((a) => kv.has(a.tensor)).flatMap((a) => {
      const [heads, positions] = kv.get(a.tensor)!.shape as [number, number];
      const headBytes = a.bytes / heads;
      return Array.from({ length: heads }, (_, h) => ({ at: program.chipBase[a.chip]! + a.offset + h * headBytes, rowBytes: headBytes / positions }));
    });
  }

  /** Token counts of the cached prefixes. */
  get cached(): number[] {
    return this.snapshots.map((s) => s.tokens.length);
  }

  /**
   * Computes the K/V of `prefix` (prefill steps from position 0, leaving the live cache holding exactly it) and
   * keeps a copy. A prefix already cached, empty, or too long for the bucket is skipped. Returns its length.
   */
  async add(prefix: number[], runner: StepRunner, kv: KvCacheState): Promise<number> {
    if (prefix.length === 0 || prefix.length >= this.program.bucket) return 0;
    if (this.snapshots.some((s) => s.tokens.length === prefix.length && s.tokens.every((t, i) => t === prefix[i]))) return prefix.length;
    const rows = this.program.rows, ids = new Int32Array(rows);
    kv.length = 0; // the cache is being rewritten
    for (let pos = 0; pos < prefix.length; pos += rows) {
      const m = Math.min(rows, prefix.length - pos);
      ids.set(prefix.slice(pos, pos + m));
      await runner.step(ids, m, pos);
    }
    kv.tokens.set(prefix);
    kv.length = prefix.length;
    this.snapshots.push({
      tokens: Int32Array.from(prefix),
      rows: this.kvHeadRuns.map((t) => ({ at: t.at, bytes: this.arena.slice(t.at, t.at + prefix.length * t.rowBytes) })),
    });
    return prefix.length;
  }

  /**
   * Before a generation: if a cached prefix of `prompt` is longer than what the live cache can reuse, copies
   * its K/V rows into the arena and makes the live cache state say so. Returns the tokens restored (0 if none).
   */
  restore(prompt: number[], kv: KvCacheState): number {
    const live = commonPrefix(kv.tokens, kv.length, prompt);
    let best: PrefixSnapshot | undefined;
    for (const s of this.snapshots) {
      if (s.tokens.length > live && s.tokens.length < prompt.length && commonPrefix(s.tokens, s.tokens.length, prompt) === s.tokens.length
        && s.tokens.length > (best?.tokens.length ?? 0)) best = s;
    }
    if (!best) return 0;
    for (const r of best.rows) this.arena.set(r.bytes, r.at);
    kv.tokens.set(best.tokens);
    kv.length = best.tokens.length;
    return best.tokens.length;
  }
}

function commonPrefix(held: Int32Array, length: number, prompt: number[]): number {
  const limit = Math.min(length, prompt.length);
  let n = 0;
  while (n < limit && held[n] === prompt[n]) n++;
  return n;
}

/**
 * Token ids of a prefix as they start a full prompt: a raw text prefix (BOS as the model wants), or leading chat
 * messages rendered without a generation prompt (ChatML closes each message, so the rendering is a prefix).
 */
export function prefixTokens(tokenizer: LpuTokenizer, prefix: { prompt?: string; messages?: ChatMessage[] }): number[] {
  if (prefix.messages?.length) return tokenizer.encode(tokenizer.applyChatTemplate(prefix.messages, { addGenerationPrompt: false }), { addBos: false });
  return tokenizer.encode(prefix.prompt ?? '');
}
