export interface SamplingOptions {
  greedy?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
}

/** mulberry32: a tiny seeded PRNG so a seed gives the same tokens on every run and machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks the next token from logits (modified in place by the repetition penalty). Scratch arrays are
 * sized to the vocabulary once per sampler, so sampling allocates nothing per token.
 */
export class Sampler {
  private readonly order: Int32Array;
  private readonly probs: Float64Array;
  private readonly seen: Uint8Array;
  private readonly random: () => number;
  constructor(vocabSize: number, private readonly opts: SamplingOptions) {
    this.seen = new Uint8Array(vocabSize);
    this.order = new Int32Array(vocabSize);
    this.probs = new Float64Array(vocabSize);
    this.random = seededRandom(opts.seed ?? 0x5eed);
  }

  get isGreedy(): boolean {
    return this.opts.greedy === true || (this.opts.temperature ?? 1) <= 0;
  }

  sample(logits: Float32Array, history: ArrayLike<number>, historyLength: number): number {
    const n = logits.length;
    const penalty = this.opts.repetitionPenalty ?? 1;
    if (penalty !== 1) {
      // CTRL-style penalty, once per distinct token seen.
      for (let i = 0; i < historyLength; i++) {
        const id = history[i]!;
        if (this.seen[id]) continue;
        this.seen[id] = 1;
        const v = logits[id]!;
        logits[id] = v > 0 ? v / penalty : v * penalty;
      }
      for (let i = 0; i < historyLength; i++) this.seen[history[i]!] = 0;
    }
    if (this.isGreedy) {
      let best = 0;
      for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
      return best;
    }
    const temperature = this.opts.temperature ?? 1;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
    let sum = 0;
    for (let i = 0; i < n; i++) { const p = Math.exp((logits[i]! - max) / temperature); this.probs[i] = p; sum += p; }
    // Tokens below 1e-9 of the most likely one (p_max = 1/sum here) cannot matter: drop them before sorting.
    let count = 0;
    const floor = 1e-9;
    for (let i = 0; i < n; i++) {
      this.probs[i] = this.probs[i]! / sum;
      if (this.probs[i]! * sum >= floor) this.order[count++] = i;
    }
    // Sort candidates by probability (descending, then id) so top-k/top-p cut a deterministic prefix.
    const candidates = this.order.subarray(0, count);
    candidates.sort((a, b) => this.probs[b]! - this.probs[a]! || a - b);
    const topK = Math.min(count, this.opts.topK && this.opts.topK > 0 ? this.opts.topK : count);
    const topP = this.opts.topP ?? 1;
    let keep = 0, mass = 0;
    while (keep < topK) { mass += this.probs[candidates[keep]!]!; keep++; if (mass >= topP) break; }
    let r = this.random() * mass;
    for (let i = 0; i < keep; i++) {
      r -= this.probs[this.order[i]!]!;
      if (r <= 0) return this.order[i]!;
    }
    return this.order[keep - 1]!;
  }
}
