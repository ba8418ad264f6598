// SentencePiece-style tokenizer from GGUF metadata (tokenizer.ggml.model = "llama"), the algorithm of
// llama.cpp's llm_tokenizer_spm: greedy merges of adjacent pieces by highest vocabulary score, then byte fallback.

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface SpmVocab {
  tokens: string[];
  scores: number[];
  types: number[];
  addSpacePrefix: boolean;
}

interface Symbol { text: string; prev: number; next: number }
interface Bigram { left: number; right: number; score: number; size: number }

export class SpmTokenizer {
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Control/user-defined tokens matched verbatim in text before SentencePiece runs, longest first. */
  private readonly specials: { text: string; id: number }[] = [];

  constructor(private readonly vocab: SpmVocab) {
    vocab.tokens.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
      const type = vocab.types[id] ?? TOKEN_TYPE.normal;
      const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
      if (type === TOKEN_TYPE.byte && m) this.byteIds[parseInt(m[1]!, 16)] = id;
      if ((type === TOKEN_TYPE.control || type === TOKEN_TYPE.userDefined) && t.length > 0) this.specials.push({ text: t, id });
    });
    this.specials.sort((a, b) => b.text.length - a.text.length);
  }

  encode(text: string): number[] {
    const out: number[] = [];
    let first = true;
    for (const part of this.splitSpecials(text)) {
      if (typeof part === 'number') { out.push(part); continue; }
      let t = part;
      if (this.vocab.addSpacePrefix && first) t = ' ' + t;
      this.encodePiece(t.replaceAll(' ', '\u2581'), out);
      first = false;
    }
    return out;
  }

  private splitSpecials(text: string): (string | number)[] {
    if (!this.specials.length) return text ? [text] : [];
    const parts: (string | number)[] = [];
    let start = 0;
    for (let i = 0; i < text.length; ) {
      const hit = text.charCodeAt(i) === 60 /* < */ || text.charCodeAt(i) === 91 /* [ */ ? this.specials.find((s) => text.startsWith(s.text, i)) : undefined;
      if (hit) {
        if (i > start) parts.push(text.slice(start, i));
        parts.push(hit.id);
        i += hit.text.length;
        start = i;
      } else i++;
    }
    if (start < text.length) parts.push(text.slice(start));
    return parts;
  }

  private encodePiece(text: string, out: number[]): void {
    const symbols: Symbol[] = Array.from(text).map((ch, i, all) => ({ text: ch, prev: i - 1, next: i + 1 < all.length ? i + 1 : -1 }));
    const queue: Bigram[] = [];
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const joined = symbols[left]!.text + symbols[right]!.text;
      const id = this.ids.get(joined);
      if (id === undefined) return;
      queue.push({ left, right, score: this.vocab.scores[id] ?? 0, size: joined.length });
    };
    for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
    // A linear scan for the best bigram keeps this short; prompts are small next to the forward pass.
    while (queue.length) {
      let best = 0;
      for (let i = 1; i < queue.length; i++) {
        const a = queue[i]!, b = queue[best]!;
        if (a.score > b.score || (a.score === b.score && a.left < b.left)) best = i;
      }
      const bigram = queue.splice(best, 1)[0]!;
      const left = symbols[bigram.left]!, right = symbols[bigram.right]!;
      if (!left.text || !right.text || left.text.length + right.text.length !== bigram.size) continue;
      left.text += right.text;
      right.text = '';
      left.next = right.next;
      if (right.next >= 0) symbols[right.next]!.prev = bigram.left;
      tryAdd(left.prev, bigram.left);
      tryAdd(bigram.left, left.next);
    }
    for (let i = 0; i !== -1 && i < symbols.length; i = symbols[i]!.next) {
      const s = symbols[i]!;
      const id = this.ids.get(s.text);
      if (id !== undefined) { out.push(id); continue; }
      for (const byte of new TextEncoder().encode(s.text)) {
        const bid = this.byteIds[byte]!;
        out.push(bid >= 0 ? bid : (this.ids.get('<unk>') ?? 0));
      }
    }
  }

  /** The bytes a token stands for in output text (control tokens print nothing). */
  tokenBytes(id: number): Uint8Array {
    const type = this.vocab.types[id] ?? TOKEN_TYPE.normal;
    const t = this.vocab.tokens[id] ?? '';
    if (type === TOKEN_TYPE.control || type === TOKEN_TYPE.unknown || type === TOKEN_TYPE.unused) return new Uint8Array(0);
    if (type === TOKEN_TYPE.byte) return Uint8Array.of(parseInt(t.slice(3, 5), 16));
    return new TextEncoder().encode(t.replaceAll('\u2581', ' '));
  }

  decode(ids: number[]): string {
    const bytes: number[] = [];
    for (const id of ids) bytes.push(...this.tokenBytes(id));
    let text = new TextDecoder().decode(Uint8Array.from(bytes));
    if (this.vocab.addSpacePrefix && text.startsWith(' ')) text = text.slice(1);
    return text;
  }
}
