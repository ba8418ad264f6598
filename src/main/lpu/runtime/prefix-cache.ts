import { createHash } from 'node:crypto';
import type { ArenaMemory } from '../kernels/abi';
import type { Program } from '../compiler/passes/emit';
import type { LpuTokenizer, ChatMessage } from '../tokenizer';
import { beginKvStep, type KvCacheState } from './generate';
import type { StepRunner } from './step-runner';
import { canResumeAt, kvRingOf, type KvRing } from './kv-ring';

/** Tokens per hashed block: a prompt's prefix is looked up by the chained hash of its whole blocks. */
export const PREFIX_BLOCK_TOKENS = 16;

/** Default LRU budget of the KV snapshots, per loaded model. */
export const DEFAULT_PREFIX_CACHE_MB = 256;

/**
 * One saved KV cache: the tokens at positions 0..n-1 and their K/V rows, one copy per KV head run of the arena
 * (a sliding-window layer's run is its whole ring, at most `slots` rows, in the arena's slot order).
 */
interface KvSnapshot {
  /** Hash of the whole token sequence (identical snapshots are stored once). */
  key: string;
  tokens: Int32Array;
  rows: Uint8Array[];
  /** The lowest position the rings hold (KvCacheState.ringFrom); 0 without rings. */
  ringFrom: number;
  bytes: number;
  /** Chained hashes of the whole blocks of `tokens`, as indexed. */
  blocks: string[];
  /** The thread whose latest answer this is; undefined for fixed prefixes (system prompts, templates). */
  thread?: string;
}

export interface PrefixCacheStats {
  entries: number;
  bytes: number;
  budgetBytes: number;
  evictions: number;
}

/**
 * Chained hashes of the whole PREFIX_BLOCK_TOKENS blocks of `tokens` (up to `length`): entry k identifies the
 * prefix tokens[0 .. (k+1)·B), so two sequences share entry k exactly when they share that prefix.
 */
export function prefixBlockHashes(tokens: ArrayLike<number>, length = tokens.length): string[] {
  const out: string[] = [];
  const block = new Int32Array(PREFIX_BLOCK_TOKENS);
  let previous = '';
  for (let end = PREFIX_BLOCK_TOKENS; end <= length; end += PREFIX_BLOCK_TOKENS) {
    for (let i = 0; i < PREFIX_BLOCK_TOKENS; i++) block[i] = tokens[end - PREFIX_BLOCK_TOKENS + i]!;
    previous = createHash('sha1').update(previous).update(new Uint8Array(block.buffer)).digest('base64');
    out.push(previous);
  }
  return out;
}

/**
 * KV snapshots keyed by a hash of their token prefix, kept per model and shared by every thread: fixed prefixes
 * (system prompts, quick-action templates, computed once the way an LPU deployment precompiles common prompts)
 * and each thread's cache after its latest answer. Before a generation the snapshot sharing the longest common
 * token prefix with the prompt is copied back into the arena's KV tensors, so a follow-up evaluates only its new
 * tokens and a prompt whose passages changed resumes where it first differs. The K/V of position p depend only on
 * tokens 0..p, so results are unchanged. Snapshots live under an LRU budget in bytes; a snapshot that cannot be
 * allocated first evicts the others, and is skipped rather than failing the answer.
 */
export class PrefixCache {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, KvSnapshot>();
  private readonly byBlock = new Map<string, Set<KvSnapshot>>();
  private readonly byThread = new Map<string, KvSnapshot>();
  /** Each KV head's run of position rows: `positions` of them (the bucket, or a ring's slots). */
  private readonly kvHeadRuns: { at: number; rowBytes: number; positions: number }[];
  private readonly arena: Uint8Array;
  private readonly ring: KvRing | undefined;
  /** K/V bytes of one position across every head of every layer (a snapshot past a ring's slots holds less). */
  readonly bytesPerToken: number;
  private held = 0;
  private evictions = 0;

  constructor(private readonly program: Program, memory: ArenaMemory, private budgetBytes = DEFAULT_PREFIX_CACHE_MB * 2 ** 20) {
    this.arena = new Uint8Array(memory.buffer);
    const kv = new Map(program.tensors.filter((t) => t.kind === 'kv').map((t) => [t.id, t]));
    // A cache is [nKvHeads, positions, headDim]: each head's positions are a contiguous run of rows.
    this.kvHeadRuns = program.memory.allocations.filter((a) => kv.has(a.tensor)).flatMap((a) => {
      const [heads, positions] = kv.get(a.tensor)!.shape as [number, number];
      const headBytes = a.bytes / heads;
      return Array.from({ length: heads }, (_, h) => ({ at: program.chipBase[a.chip]! + a.offset + h * headBytes, rowBytes: headBytes / positions, positions }));
    });
    this.ring = kvRingOf(program);
    this.bytesPerToken = this.kvHeadRuns.reduce((s, r) => s + r.rowBytes, 0);
  }

  /** Token counts of the cached snapshots, least recently used first. */
  get cached(): number[] {
    return [...this.entries.values()].map((s) => s.tokens.length);
  }

  get stats(): PrefixCacheStats {
    return { entries: this.entries.size, bytes: this.held, budgetBytes: this.budgetBytes, evictions: this.evictions };
  }

  /** Changes the LRU budget, evicting down to it at once. */
  setBudget(bytes: number): void {
    this.budgetBytes = Math.max(0, bytes);
    this.evictTo(this.budgetBytes);
  }

  /** Drops every snapshot (memory pressure, model unload). */
  clear(): void {
    this.evictTo(0);
  }

  /**
   * Computes the K/V of `prefix` (prefill steps from position 0, leaving the live cache holding exactly it) and
   * keeps a copy. A prefix already cached, empty, or too long for the bucket is skipped. Returns its length.
   */
  async add(prefix: number[], runner: StepRunner, kv: KvCacheState): Promise<number> {
    if (prefix.length === 0 || prefix.length >= this.program.bucket) return 0;
    if (this.entries.has(sequenceKey(prefix, prefix.length))) return prefix.length;
    const rows = this.program.rows, ids = new Int32Array(rows);
    for (let pos = 0; pos < prefix.length; pos += rows) {
      const m = Math.min(rows, prefix.length - pos);
      ids.set(prefix.slice(pos, pos + m));
      beginKvStep(kv, this.ring, pos, m); // the cache is being rewritten
      await runner.step(ids, m, pos);
    }
    kv.tokens.set(prefix);
    kv.length = prefix.length;
    this.save(kv);
    return prefix.length;
  }

  /**
   * Keeps a copy of what the live cache holds, as `thread`'s latest cache when given (replacing its previous one).
   * A snapshot another one already extends is not stored twice; one that extends others replaces them.
   * Returns false when it did not fit the budget or memory.
   */
  save(kv: KvCacheState, thread?: string): boolean {
    const n = kv.length;
    if (n === 0) return false;
    const bytes = this.snapshotBytes(n);
    const key = sequenceKey(kv.tokens, n);
    const same = this.entries.get(key);
    if (same) {
      this.touch(same);
      if (thread !== undefined) this.assign(same, thread);
      return true;
    }
    if (thread !== undefined) {
      const previous = this.byThread.get(thread);
      // A thread keeps one cache: its previous one goes unless another thread or a fixed prefix also uses it.
      if (previous) { this.byThread.delete(thread); this.dropIfOrphaned(previous, thread); }
    }
    if (bytes > this.budgetBytes) return false;
    this.evictTo(this.budgetBytes - bytes);
    let rows: Uint8Array[];
    try {
      rows = this.copyOut(n);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.clear(); // out of memory: the snapshots go before anything else does
      try { rows = this.copyOut(n); } catch (again) { if (again instanceof RangeError) return false; throw again; }
    }
    const tokens = kv.tokens.slice(0, n);
    const snapshot: KvSnapshot = { key, tokens, rows, bytes, ringFrom: kv.ringFrom ?? 0, blocks: prefixBlockHashes(tokens), thread };
    // A fixed prefix that extends another fixed prefix holds everything the shorter one does.
    if (thread === undefined) {
      for (const other of [...this.entries.values()]) {
        if (other.thread === undefined && other.tokens.length < n && commonPrefix(other.tokens, other.tokens.length, tokens) === other.tokens.length) this.remove(other);
      }
    }
    this.entries.set(key, snapshot);
    this.held += bytes;
    for (const b of snapshot.blocks) {
      let set = this.byBlock.get(b);
      if (!set) this.byBlock.set(b, (set = new Set()));
      set.add(snapshot);
    }
    if (thread !== undefined) this.byThread.set(thread, snapshot);
    return true;
  }

  /**
   * Before a generation: if a snapshot shares a longer token prefix with `prompt` than the live cache does, copies
   * the K/V rows of that common prefix into the arena and makes the live cache state say so. Returns the tokens
   * restored (0 if the live cache was as good or nothing matched).
   */
  restore(prompt: number[], kv: KvCacheState): number {
    const live = this.resumable(commonPrefix(kv.tokens, kv.length, prompt), kv.ringFrom ?? 0, prompt);
    const best = this.lookup(prompt);
    if (!best || best.length <= live) return 0;
    for (let r = 0; r < this.kvHeadRuns.length; r++) {
      const run = this.kvHeadRuns[r]!;
      // a ring goes back whole: its slots hold the window before the common prefix's end
      const positions = run.positions < this.program.bucket ? Math.min(run.positions, best.snapshot.tokens.length) : best.length;
      this.arena.set(best.snapshot.rows[r]!.subarray(0, positions * run.rowBytes), run.at);
    }
    kv.tokens.set(best.snapshot.tokens.subarray(0, best.length));
    kv.length = best.length;
    kv.ringFrom = best.snapshot.ringFrom;
    this.touch(best.snapshot);
    return best.length;
  }

  /** The snapshot sharing the longest token prefix with `prompt` (most recent on a tie), by block hash then token by token. */
  lookup(prompt: number[]): { snapshot: KvSnapshot; length: number } | undefined {
    const hashes = prefixBlockHashes(prompt);
    let candidates: Iterable<KvSnapshot> = this.entries.values();
    for (let k = hashes.length - 1; k >= 0; k--) {
      const hit = this.byBlock.get(hashes[k]!);
      if (hit?.size) { candidates = hit; break; }
    }
    let best: { snapshot: KvSnapshot; length: number } | undefined;
    for (const s of candidates) {
      const length = this.resumable(commonPrefix(s.tokens, s.tokens.length, prompt), s.ringFrom, prompt);
      if (length > 0 && (!best || length > best.length || (length === best.length && this.recency(s) > this.recency(best.snapshot)))) best = { snapshot: s, length };
    }
    return best;
  }

  private copyOut(n: number): Uint8Array[] {
    return this.kvHeadRuns.map((t) => this.arena.slice(t.at, t.at + Math.min(n, t.positions) * t.rowBytes));
  }

  /** Bytes of a snapshot of n positions: a ring keeps at most its slots. */
  private snapshotBytes(n: number): number {
    return this.kvHeadRuns.reduce((sum, t) => sum + Math.min(n, t.positions) * t.rowBytes, 0);
  }

  /**
   * A common prefix of `length` tokens, or 0 when the rings no longer hold the window generate would resume in
   * (it recomputes at least the prompt's last token, so it resumes at most at prompt.length − 1).
   */
  private resumable(length: number, ringFrom: number, prompt: number[]): number {
    return canResumeAt(this.ring, ringFrom, Math.min(length, prompt.length - 1)) ? length : 0;
  }

  private recency(s: KvSnapshot): number {
    let i = 0;
    for (const e of this.entries.values()) { if (e === s) return i; i++; }
    return -1;
  }

  private touch(s: KvSnapshot): void {
    this.entries.delete(s.key);
    this.entries.set(s.key, s);
  }

  private assign(s: KvSnapshot, thread: string): void {
    const previous = this.byThread.get(thread);
    this.byThread.set(thread, s);
    if (previous && previous !== s) this.dropIfOrphaned(previous, thread);
  }

  /** Removes `thread`'s former snapshot unless it is a fixed prefix or another thread now resumes from it. */
  private dropIfOrphaned(s: KvSnapshot, thread: string): void {
    if (s.thread !== thread) return;
    for (const owned of this.byThread.values()) if (owned === s) return;
    this.remove(s);
  }

  private evictTo(bytes: number): void {
    for (const s of this.entries.values()) {
      if (this.held <= bytes) break;
      this.remove(s);
      this.evictions++;
    }
  }

  private remove(s: KvSnapshot): void {
    if (!this.entries.delete(s.key)) return;
    this.held -= s.bytes;
    for (const b of s.blocks) {
      const set = this.byBlock.get(b);
      set?.delete(s);
      if (set?.size === 0) this.byBlock.delete(b);
    }
    for (const [thread, owned] of this.byThread) if (owned === s) this.byThread.delete(thread);
  }
}

function sequenceKey(tokens: ArrayLike<number>, length: number): string {
  return createHash('sha1').update(new Uint8Array(Int32Array.from({ length }, (_, i) => tokens[i]!).buffer)).digest('base64');
}

function commonPrefix(held: ArrayLike<number>, length: number, prompt: ArrayLike<number>): number {
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
