// Byte-level BPE (GPT-2's bytes_to_unicode alphabet) over typed arrays. It encodes and decodes exactly as
// tokenizers.js does for the vocabularies it accepts, at a fraction of the heap: tokenizers.js keeps every token
// and merge as strings plus a JSON-keyed rank map (~15 MiB for a 49k vocabulary), this keeps ~2.5 MiB of arrays.
// Builders return undefined for anything it would not reproduce exactly, and callers fall back to tokenizers.js.

// ---- GPT-2's byte alphabet -------------------------------------------------------------------------------------

/** bytes_to_unicode: printable bytes stand for themselves, the other 68 take code points 256..323 in order. */
const CHAR_OF_BYTE = new Uint16Array(256);
/** Inverse of CHAR_OF_BYTE; -1 for code points outside the alphabet. */
const BYTE_OF_CHAR = new Int16Array(256 + 68).fill(-1);
{
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    CHAR_OF_BYTE[b] = printable(b) ? b : next++;
    BYTE_OF_CHAR[CHAR_OF_BYTE[b]!] = b;
  }
}

/** The byte a GPT-2 alphabet code unit stands for, or -1 when the code unit is outside the alphabet. */
export function byteOfChar(code: number): number {
  return code < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[code]! : -1;
}

// ---- Pre-tokenization ------------------------------------------------------------------------------------------

/** Splits text into pieces; each piece is later BPE-encoded on its own. */
type PieceSplitter = (text: string) => string[];

/** The pre-tokenizer chain before byte-level BPE: zero or more splits, then ByteLevel (always last). */
export interface PreTokenization {
  splits: PieceSplitter[];
  /** ByteLevel's use_regex: split each piece again with GPT-2's pattern. */
  gpt2Pattern: boolean;
  /** ByteLevel's add_prefix_space: a piece not starting with a space gets one. */
  addPrefixSpace: boolean;
}

/** Llama 3's split pattern as tokenizer.json and llama.cpp spell it (Oniguruma). */
export const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** Qwen2's split pattern: Llama 3's with single digits. */
export const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// The JavaScript tokenizers.js compiles those patterns to (its Oniguruma rewrite): (?i:) spelled out, \s as White_Space.
const KNOWN_SPLITS = new Map<string, RegExp>([
  [LLAMA3_SPLIT, /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\p{White_Space}\p{L}\p{N}]+[\r\n]*|\p{White_Space}*[\r\n]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu],
  [QWEN2_SPLIT, /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\p{White_Space}\p{L}\p{N}]+[\r\n]*|\p{White_Space}*[\r\n]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu],
]);

/** ByteLevel's own pattern in tokenizers.js (JavaScript's \s, unlike the split patterns above). */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Split with behavior Isolated: matches and the text between them both become pieces (tokenizers.js regex_split). */
function isolateMatches(pattern: RegExp): PieceSplitter {
  return (text) => {
    const pieces: string[] = [];
    let previous = 0;
    for (const match of text.matchAll(pattern)) {
      if (previous < match.index) pieces.push(text.slice(previous, match.index));
      if (match[0].length > 0) pieces.push(match[0]);
      previous = match.index + match[0].length;
    }
    if (previous < text.length) pieces.push(text.slice(previous));
    return pieces;
  };
}

/** Keeps only the matches, as tokenizers.js' Digits and ByteLevel do with text.match. */
function keepMatches(pattern: RegExp): PieceSplitter {
  return (text) => text.match(pattern) ?? [];
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a tokenizer.json pre_tokenizer this file reproduces exactly; undefined for any other. */
export function recognisePreTokenizer(config: unknown): PreTokenization | undefined {
  if (!isObject(config)) return undefined;
  const chain = config.type === 'Sequence' && Array.isArray(config.pretokenizers) ? (config.pretokenizers as unknown[]) : [config];
  const byteLevel = chain.at(-1);
  if (!isObject(byteLevel) || byteLevel.type !== 'ByteLevel') return undefined;
  const splits: PieceSplitter[] = [];
  for (const step of chain.slice(0, -1)) {
    if (!isObject(step)) return undefined;
    if (step.type === 'Digits') {
      splits.push(keepMatches(step.individual_digits ? /[^\d]+|\d/gu : /[^\d]+|\d+/gu));
      continue;
    }
    // tokenizers.js treats every non-inverted Split behaviour except "Removed" as Isolated.
    const regex = isObject(step.pattern) && typeof step.pattern.Regex === 'string' ? KNOWN_SPLITS.get(step.pattern.Regex) : undefined;
    const behavior = typeof step.behavior === 'string' ? step.behavior.toLowerCase() : '';
    if (step.type !== 'Split' || !regex || step.invert === true || behavior === 'removed') return undefined;
    splits.push(isolateMatches(regex));
  }
  return { splits, gpt2Pattern: byteLevel.use_regex !== false, addPrefixSpace: byteLevel.add_prefix_space === true };
}

// ---- Vocabulary: token bytes packed in one buffer, looked up by an open-addressing hash over those bytes ----------

const PRESENT = 1; // tokenizers.js has a string for this id (a repeated GGUF string leaves the earlier id without one)
const BYTE_LEVEL = 2; // every character is in the alphabet, so BPE can produce it and the hash indexes it
const ADDED = 4; // an added token: matched verbatim in text, decoded verbatim
const SPECIAL = 8; // skipped when decoding

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

function hashPair(left: number, right: number): number {
  const hash = Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca6b);
  return (hash ^ (hash >>> 15)) >>> 0;
}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 2)));

/** Token id → bytes (the decoder's bytes), and byte string → id for tokens BPE can produce. */
class TokenTable {
  bytes: Uint8Array;
  private used = 0;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly flags: Uint8Array;
  /** Open addressing over BYTE_LEVEL tokens' bytes: id + 1, 0 when empty. At most half full. */
  private readonly slots: Int32Array;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size * 8);
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
    this.flags = new Uint8Array(size);
    this.slots = new Int32Array(nextPowerOfTwo(size * 2));
  }

  /**
   * Stores a token's text as the bytes tokenizers.js' ByteLevel decoder gives it: alphabet characters become their
   * byte, any other code point becomes 0 (its lookup misses and Uint8Array stores undefined as 0).
   */
  setText(id: number, text: string): void {
    if (this.bytes.length - this.used < text.length) this.grow(text.length);
    let at = this.used, byteLevel = true;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const byte = byteOfChar(code);
      if (byte < 0) {
        byteLevel = false;
        if (code >= 0xd800 && code < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++; // one code point
      }
      this.bytes[at++] = byte < 0 ? 0 : byte;
    }
    this.start[id] = this.used;
    this.end[id] = at;
    this.used = at;
    this.flags[id] = (this.flags[id]! & ~BYTE_LEVEL) | PRESENT | (byteLevel ? BYTE_LEVEL : 0);
  }

  /** Indexes a BYTE_LEVEL token's bytes; an earlier id with the same bytes is returned (and replaced). */
  index(id: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hashBytes(this.bytes, this.start[id]!, this.end[id]!) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0 || this.sameBytes(held, this.bytes, this.start[id]!, this.end[id]!)) {
        this.slots[slot] = id + 1;
        return held;
      }
    }
  }

  /** The id whose bytes are bytes[start, end), or -1. */
  lookup(bytes: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hashBytes(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0 || this.sameBytes(held, bytes, start, end)) return held;
    }
  }

  /** Drops the growth slack once every token is in. */
  trim(): void {
    this.bytes = this.bytes.slice(0, this.used);
  }

  private sameBytes(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.start[id]!;
    if (this.end[id]! - from !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.bytes[from + i] !== bytes[start + i]) return false;
    return true;
  }

  private grow(atLeast: number): void {
    const grown = new Uint8Array(this.bytes.length * 2 + atLeast);
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }
}

/** Merge rules keyed by (left id, right id): rank (the rule's index) and the id of the merged token. */
class MergeTable {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly merged: Int32Array;
  /** Open addressing: rank + 1, 0 when empty. At most half full. */
  private readonly slots: Int32Array;

  constructor(count: number) {
    this.left = new Int32Array(count);
    this.right = new Int32Array(count);
    this.merged = new Int32Array(count);
    this.slots = new Int32Array(nextPowerOfTwo(count * 2));
  }

  /** A repeated pair takes the later rank, as tokenizers.js' rank Map does. */
  add(rank: number, left: number, right: number, merged: number): void {
    this.left[rank] = left;
    this.right[rank] = right;
    this.merged[rank] = merged;
    const mask = this.slots.length - 1;
    for (let slot = hashPair(left, right) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0 || (this.left[held] === left && this.right[held] === right)) {
        this.slots[slot] = rank + 1;
        return;
      }
    }
  }

  /** The rank of merging left with right, or -1 when no rule does. */
  rank(left: number, right: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hashPair(left, right) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot]! - 1;
      if (held < 0 || (this.left[held] === left && this.right[held] === right)) return held;
    }
  }
}

// ---- Added tokens ----------------------------------------------------------------------------------------------

export interface AddedTokenSpec {
  id: number;
  content: string;
  special: boolean;
  /** Trims whitespace before it in the text (tokenizer.json's lstrip). */
  lstrip: boolean;
  /** Trims whitespace after it (rstrip). */
  rstrip: boolean;
}

interface TrieNode { next: Map<number, TrieNode>; word?: string }

/** tokenizers.js' DictionarySplitter: at each position the longest added token starting there, else move on. */
function splitOnWords(root: TrieNode, text: string): string[] {
  const sections: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length;) {
    let node: TrieNode | undefined = root, match: string | undefined;
    for (let j = i; j < text.length && (node = node.next.get(text.charCodeAt(j))); j++) if (node.word) match = node.word;
    if (match === undefined) { i++; continue; }
    if (i > start) sections.push(text.slice(start, i));
    sections.push(match);
    i += match.length;
    start = i;
  }
  if (start < text.length) sections.push(text.slice(start));
  return sections;
}

// ---- The tokenizer ---------------------------------------------------------------------------------------------

/** Everything a byte-level BPE is built from, whichever file it came from. */
export interface ByteBpeSource {
  /** One past the largest token id. */
  size: number;
  /** Visits the vocabulary in the order tokenizers.js builds its map: a repeated string ends up with its last id. */
  forEachToken(visit: (text: string, id: number) => void): void;
  /** Merge rules by rank: "left right" (GGUF, older tokenizer.json) or [left, right]. */
  merges: { readonly length: number; at(rank: number): unknown };
  addedTokens: AddedTokenSpec[];
  preTokenization: PreTokenization;
  /** tokenizer.json's ignore_merges: a piece that is already a token is not split into merges. */
  ignoreMerges: boolean;
  /** The model's unk_token: emitted for bytes without a token and decoded for ids without one. */
  unknownToken: string | null;
  /** tokenizer_config's additional_special_tokens: also skipped when decoding. */
  extraSpecialTokens: string[];
  /** clean_up_tokenization_spaces (tokenizers.js defaults it to true). */
  cleanUpSpaces: boolean;
}

/** tokenizers.js skips caching longer pieces too; the cap bounds the cache at ~1 MiB. */
const CACHED_PIECE_MAX_LENGTH = 256;
const CACHE_CAPACITY = 10_000;
const PAIR_KEY_SCALE = 2 ** 32; // heap key = rank * 2^32 + position, exact in a double while rank < MAX_MERGES
const MAX_MERGES = 2 ** 21;
/** Scratch buffers up to this many elements are kept between calls; a longer word allocates its own. */
const KEPT_SCRATCH = 1 << 16;

/** One word's BPE state: symbol ids linked by next/previous, and the min-heap of candidate pairs. */
class WordWorkspace {
  readonly symbols: Int32Array;
  readonly next: Int32Array;
  readonly previous: Int32Array;
  /** Each merge pushes at most two pairs, so length - 1 + 2 * (length - 1) entries suffice. */
  readonly heap: Float64Array;
  constructor(readonly capacity: number) {
    this.symbols = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
    this.heap = new Float64Array(capacity * 3);
  }
}

export class ByteBpe {
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly addedIds = new Map<string, number>();
  private readonly addedContent = new Map<number, string>();
  private readonly addedTrie: TrieNode = { next: new Map() };
  private readonly stripBefore = new Set<string>();
  private readonly stripAfter = new Set<string>();
  private readonly cache = new Map<string, number[]>();
  private readonly utf8Decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  private unknownId = -1;
  // Scratch reused across words and decodes; anything larger than KEPT_SCRATCH is allocated for one call only.
  private word = new Uint8Array(1024);
  private workspace = new WordWorkspace(1024);
  private decodeBuffer = new Uint8Array(1024);

  private constructor(
    private readonly tokens: TokenTable,
    private readonly merges: MergeTable,
    private readonly pre: PreTokenization,
    private readonly ignoreMerges: boolean,
    private readonly cleanUpSpaces: boolean,
  ) {}

  /**
   * Builds the tables, or returns undefined when the vocabulary is one tokenizers.js would treat in ways these tables
   * do not model (a merge naming or making a string that is not a token, an added token renaming a vocabulary id).
   */
  static build(source: ByteBpeSource): ByteBpe | undefined {
    if (source.merges.length >= MAX_MERGES) return undefined;
    const tokens = new TokenTable(source.size);
    const added = new Map(source.addedTokens.map((t) => [t.id, t]));
    let renamesToken = false;
    source.forEachToken((text, id) => {
      if (added.has(id) && added.get(id)!.content !== text) renamesToken = true;
      tokens.setText(id, text);
      if (tokens.flags[id]! & BYTE_LEVEL) {
        const shadowed = tokens.index(id);
        if (shadowed >= 0 && shadowed !== id) tokens.flags[shadowed] = 0;
      }
    });
    if (renamesToken) return undefined;
    for (const token of source.addedTokens) {
      // Added tokens override the string → id map but leave any earlier holder of the string decodable.
      if (!(tokens.flags[token.id]! & PRESENT)) tokens.setText(token.id, token.content);
      if (tokens.flags[token.id]! & BYTE_LEVEL) tokens.index(token.id);
      tokens.flags[token.id]! |= ADDED | (token.special ? SPECIAL : 0);
    }
    tokens.trim();
    const merges = new MergeTable(source.merges.length);
    const scratch = new Uint8Array(1024);
    const idOf = (text: string, from: number, to: number) => {
      if (to - from > scratch.length) return -1;
      for (let i = from; i < to; i++) {
        const byte = byteOfChar(text.charCodeAt(i));
        if (byte < 0) return -1;
        scratch[i - from] = byte;
      }
      return tokens.lookup(scratch, 0, to - from);
    };
    const mergedBytes = new Uint8Array(2048);
    for (let rank = 0; rank < source.merges.length; rank++) {
      const rule = source.merges.at(rank);
      let left: number, right: number;
      if (typeof rule === 'string') {
        const space = rule.indexOf(' ');
        if (space < 0) continue; // one string only: tokenizers.js keys it as a pair that never occurs
        const end = rule.indexOf(' ', space + 1); // split(' ', 2) ignores anything after a second space
        left = idOf(rule, 0, space);
        right = idOf(rule, space + 1, end < 0 ? rule.length : end);
      } else if (Array.isArray(rule) && rule.length === 2 && typeof rule[0] === 'string' && typeof rule[1] === 'string') {
        left = idOf(rule[0], 0, rule[0].length);
        right = idOf(rule[1], 0, rule[1].length);
      } else continue;
      if (left < 0 || right < 0) return undefined;
      const leftLength = tokens.end[left]! - tokens.start[left]!, rightLength = tokens.end[right]! - tokens.start[right]!;
      if (leftLength + rightLength > mergedBytes.length) return undefined;
      mergedBytes.set(tokens.bytes.subarray(tokens.start[left], tokens.end[left]), 0);
      mergedBytes.set(tokens.bytes.subarray(tokens.start[right], tokens.end[right]), leftLength);
      const merged = tokens.lookup(mergedBytes, 0, leftLength + rightLength);
      if (merged < 0) return undefined;
      merges.add(rank, left, right, merged);
    }
    const bpe = new ByteBpe(tokens, merges, source.preTokenization, source.ignoreMerges, source.cleanUpSpaces);
    for (let byte = 0; byte < 256; byte++) bpe.byteIds[byte] = tokens.lookup(Uint8Array.of(byte), 0, 1);
    for (const token of source.addedTokens) {
      bpe.addedIds.set(token.content, token.id);
      bpe.addedContent.set(token.id, token.content);
      if (token.lstrip) bpe.stripBefore.add(token.content);
      if (token.rstrip) bpe.stripAfter.add(token.content);
      if (token.content.length === 0) continue; // tokenizers.js' splitter never matches an empty token
      let node = bpe.addedTrie;
      for (let i = 0; i < token.content.length; i++) {
        const code = token.content.charCodeAt(i);
        let child = node.next.get(code);
        if (!child) node.next.set(code, (child = { next: new Map() }));
        node = child;
      }
      node.word = token.content;
    }
    for (const text of source.extraSpecialTokens) {
      const id = bpe.idOfText(text);
      if (id >= 0) tokens.flags[id]! |= SPECIAL;
    }
    if (source.unknownToken !== null) {
      bpe.unknownId = bpe.idOfText(source.unknownToken);
      if (bpe.unknownId < 0) return undefined; // tokenizers.js would emit an id it does not have
    }
    return bpe;
  }

  /** Ids for text: added tokens matched verbatim first, then pre-tokenization and BPE on each piece. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const sections = splitOnWords(this.addedTrie, text);
    for (let i = 0; i < sections.length; i++) {
      if (this.stripBefore.has(sections[i]!) && i > 0) sections[i - 1] = sections[i - 1]!.trimEnd();
      if (this.stripAfter.has(sections[i]!) && i < sections.length - 1) sections[i + 1] = sections[i + 1]!.trimStart();
    }
    for (const section of sections) {
      if (section.length === 0) continue;
      const addedId = this.addedIds.get(section);
      if (addedId !== undefined) ids.push(addedId);
      else for (const piece of this.preTokenize(section)) this.encodePiece(piece, ids);
    }
    return ids;
  }

  /** Text for ids, special tokens skipped (as tokenizers.js' decode with skip_special_tokens). */
  decode(ids: readonly number[]): string {
    const parts: string[] = [];
    let pending = 0; // bytes of consecutive non-added tokens, decoded as one UTF-8 run
    for (const requested of ids) {
      const id = this.resolve(requested);
      if (id < 0) continue;
      const flags = this.tokens.flags[id]!;
      if (flags & SPECIAL) continue;
      if (flags & ADDED) {
        if (pending > 0) parts.push(this.utf8Decoder.decode(this.decodeBuffer.subarray(0, pending)));
        pending = 0;
        parts.push(this.addedContent.get(id)!);
        continue;
      }
      const start = this.tokens.start[id]!, length = this.tokens.end[id]! - start;
      if (this.decodeBuffer.length < pending + length) {
        const grown = new Uint8Array((pending + length) * 2);
        grown.set(this.decodeBuffer.subarray(0, pending));
        this.decodeBuffer = grown;
      }
      this.decodeBuffer.set(this.tokens.bytes.subarray(start, start + length), pending);
      pending += length;
    }
    if (pending > 0) parts.push(this.utf8Decoder.decode(this.decodeBuffer.subarray(0, pending)));
    if (this.decodeBuffer.length > KEPT_SCRATCH) this.decodeBuffer = new Uint8Array(1024);
    const text = parts.join('');
    return this.cleanUpSpaces ? cleanUpTokenizationSpaces(text) : text;
  }

  /** The UTF-8 bytes decode gives this token, for streaming: exact even when a token ends mid character. */
  tokenBytes(requested: number): Uint8Array {
    const id = this.resolve(requested);
    if (id < 0 || this.tokens.flags[id]! & SPECIAL) return new Uint8Array(0);
    if (this.tokens.flags[id]! & ADDED) return new TextEncoder().encode(this.addedContent.get(id));
    return this.tokens.bytes.subarray(this.tokens.start[id], this.tokens.end[id]);
  }

  /** The id tokenizers.js maps an added token's text to, if it is one. */
  addedTokenId(content: string): number | undefined {
    return this.addedIds.get(content);
  }

  /** An id without a string decodes as the unknown token, as in tokenizers.js. */
  private resolve(id: number): number {
    return id >= 0 && id < this.tokens.size && this.tokens.flags[id]! & PRESENT ? id : this.unknownId;
  }

  /** The id of a token's text (added tokens first), or -1. */
  private idOfText(text: string): number {
    const added = this.addedIds.get(text);
    if (added !== undefined) return added;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const byte = byteOfChar(text.charCodeAt(i));
      if (byte < 0) return -1;
      bytes[i] = byte;
    }
    return this.tokens.lookup(bytes, 0, bytes.length);
  }

  private preTokenize(section: string): string[] {
    let pieces = [section];
    for (const split of this.pre.splits) pieces = pieces.flatMap(split);
    if (!this.pre.gpt2Pattern && !this.pre.addPrefixSpace) return pieces;
    return pieces.flatMap((piece) => {
      const text = this.pre.addPrefixSpace && !piece.startsWith(' ') ? ` ${piece}` : piece;
      return this.pre.gpt2Pattern ? (text.match(GPT2_PATTERN) ?? []) : [text];
    });
  }

  private encodePiece(piece: string, ids: number[]): void {
    let pieceIds = this.cache.get(piece);
    if (pieceIds === undefined) {
      const capacity = piece.length * 3;
      if (capacity > this.word.length && capacity <= KEPT_SCRATCH) this.word = new Uint8Array(capacity);
      const word = capacity <= this.word.length ? this.word : new Uint8Array(capacity);
      pieceIds = this.mergeWord(word, writeUtf8(piece, word));
      if (piece.length < CACHED_PIECE_MAX_LENGTH) {
        if (this.cache.size >= CACHE_CAPACITY) this.cache.clear();
        this.cache.set(piece, pieceIds);
      }
    }
    for (const id of pieceIds) ids.push(id);
  }

  /**
   * BPE on word[0, length): repeatedly merge the adjacent pair with the lowest rank, the leftmost on ties
   * (tokenizers.js orders its queue by rank + position / length, the same order). Heap entries that no longer
   * describe their pair are skipped when popped.
   */
  private mergeWord(word: Uint8Array, length: number): number[] {
    if (length === 0) return [];
    if (this.ignoreMerges) {
      const whole = this.tokens.lookup(word, 0, length);
      if (whole >= 0) return [whole];
    }
    if (length > this.workspace.capacity && length <= KEPT_SCRATCH) this.workspace = new WordWorkspace(length);
    const work = length <= this.workspace.capacity ? this.workspace : new WordWorkspace(length);
    const { symbols, next, previous, heap } = work;
    for (let i = 0; i < length; i++) {
      symbols[i] = this.byteIds[word[i]!]!;
      next[i] = i + 1 < length ? i + 1 : -1;
      previous[i] = i - 1;
    }
    let heapSize = 0;
    for (let i = 0; i + 1 < length; i++) heapSize = this.pushPair(work, heapSize, i);
    while (heapSize > 0) {
      const key = heap[0]!;
      heapSize = heapPopMin(heap, heapSize);
      const rank = Math.floor(key / PAIR_KEY_SCALE), at = key - rank * PAIR_KEY_SCALE;
      const right = next[at]!;
      // Stale: the left symbol was absorbed (marked -2) or either side has merged since.
      if (symbols[at] === -2 || right < 0 || this.merges.rank(symbols[at]!, symbols[right]!) !== rank) continue;
      symbols[at] = this.merges.merged[rank]!;
      symbols[right] = -2;
      next[at] = next[right]!;
      if (next[at]! >= 0) previous[next[at]!] = at;
      if (previous[at]! >= 0) heapSize = this.pushPair(work, heapSize, previous[at]!);
      if (next[at]! >= 0) heapSize = this.pushPair(work, heapSize, at);
    }
    const ids: number[] = [];
    for (let at = 0; at >= 0; at = next[at]!) {
      // A byte without a token (-1) becomes the unknown token, or nothing when the model has none.
      const id = symbols[at]! >= 0 ? symbols[at]! : this.unknownId;
      if (id >= 0) ids.push(id);
    }
    return ids;
  }

  /** Queues the pair starting at symbol `at` if a rule merges it; returns the heap's new size. */
  private pushPair(work: WordWorkspace, heapSize: number, at: number): number {
    const rank = this.merges.rank(work.symbols[at]!, work.symbols[work.next[at]!]!);
    return rank < 0 ? heapSize : heapPush(work.heap, heapSize, rank * PAIR_KEY_SCALE + at);
  }
}

/** Writes text as UTF-8 into out (lone surrogates as U+FFFD, like TextEncoder); returns the length. */
function writeUtf8(text: string, out: Uint8Array): number {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code < 0x80) { out[n++] = code; continue; }
      if (code < 0x800) { out[n++] = 0xc0 | (code >> 6); out[n++] = 0x80 | (code & 63); continue; }
      if (code >= 0xd800 && code < 0xe000) {
        const low = text.charCodeAt(i + 1);
        if (code < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
          out[n++] = 0xf0 | (code >> 18); out[n++] = 0x80 | ((code >> 12) & 63);
          out[n++] = 0x80 | ((code >> 6) & 63); out[n++] = 0x80 | (code & 63);
          continue;
        }
        code = 0xfffd;
      }
      out[n++] = 0xe0 | (code >> 12); out[n++] = 0x80 | ((code >> 6) & 63); out[n++] = 0x80 | (code & 63);
    }
    return n;
  }


/** Binary min-heap push on heap[0, size); returns the new size. */
function heapPush(heap: Float64Array, size: number, key: number): number {
  let at = size;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (heap[parent]! <= key) break;
    heap[at] = heap[parent]!;
    at = parent;
  }
  heap[at] = key;
  return size + 1;
}

/** Removes heap[0] from heap[0, size); returns the new size. */
function heapPopMin(heap: Float64Array, size: number): number {
  const last = heap[--size]!;
  let at = 0;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
    if (heap[child]! >= last) break;
    heap[at] = heap[child]!;
    at = child;
  }
  heap[at] = last;
  return size;
}

/** tokenizers.js' clean_up_tokenization: drops the space English tokenizers put before punctuation and contractions. */
function cleanUpTokenizationSpaces(text: string): string {
  return text.replace(/ \./g, '.').replace(/ \?/g, '?').replace(/ !/g, '!').replace(/ ,/g, ',').replace(/ ' /g, "'")
    .replace(/ n't/g, "n't").replace(/ 'm/g, "'m").replace(/ 's/g, "'s").replace(/ 've/g, "'ve").replace(/ 're/g, "'re");
}

// ---- tokenizer.json --------------------------------------------------------------------------------------------

/** A Hugging Face tokenizer.json this file reproduces exactly, or undefined (then tokenizers.js runs it). */
export function byteBpeFromTokenizerJson(json: JsonObject, config: JsonObject): ByteBpe | undefined {
  const model = json.model;
  if (!isObject(model) || model.type !== 'BPE' || !isObject(model.vocab) || !Array.isArray(model.merges)) return undefined;
  if (model.byte_fallback === true || model.end_of_word_suffix || model.continuing_subword_suffix) return undefined;
  if (!isObject(json.decoder) || json.decoder.type !== 'ByteLevel') return undefined;
  if (config.remove_space === true || config.do_lowercase_and_remove_accent === true) return undefined;
  if (!postProcessorKeepsTokens(json.post_processor)) return undefined;
  const preTokenization = recognisePreTokenizer(json.pre_tokenizer);
  if (!preTokenization) return undefined;
  const addedTokens = (Array.isArray(json.added_tokens) ? json.added_tokens : []).filter(isObject).map((t) => ({
    id: Number(t.id), content: String(t.content), special: t.special === true, lstrip: t.lstrip === true, rstrip: t.rstrip === true,
    normalized: typeof t.normalized === 'boolean' ? t.normalized : t.special !== true,
  }));
  if (!addedTokens.every((t) => Number.isInteger(t.id) && t.id >= 0)) return undefined;
  // No normalizer, or an empty sequence when no added token goes through it (tokenizers.js splits those in a second pass).
  const normalizer = json.normalizer;
  const noOpNormalizer = isObject(normalizer) && normalizer.type === 'Sequence' && Array.isArray(normalizer.normalizers) && normalizer.normalizers.length === 0;
  if (normalizer !== null && !(noOpNormalizer && addedTokens.every((t) => !t.normalized))) return undefined;
  const vocab = model.vocab as Record<string, number>;
  let size = 0;
  for (const text in vocab) size = Math.max(size, vocab[text]! + 1);
  for (const token of addedTokens) size = Math.max(size, token.id + 1);
  const extra = Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens : [];
  return ByteBpe.build({
    size,
    forEachToken: (visit) => { for (const text in vocab) visit(text, vocab[text]!); },
    merges: model.merges as unknown[],
    addedTokens,
    preTokenization,
    ignoreMerges: model.ignore_merges === true,
    unknownToken: typeof model.unk_token === 'string' ? model.unk_token : null,
    extraSpecialTokens: extra.filter((t): t is string => typeof t === 'string'),
    cleanUpSpaces: typeof config.clean_up_tokenization_spaces === 'boolean' ? config.clean_up_tokenization_spaces : true,
  });
}

/** encode() passes add_special_tokens false, so these post-processors return the tokens unchanged. */
function postProcessorKeepsTokens(processor: unknown): boolean {
  if (processor === null) return true;
  if (!isObject(processor)) return false;
  if (processor.type === 'ByteLevel') return true;
  if (processor.type === 'Sequence') return Array.isArray(processor.processors) && processor.processors.every(postProcessorKeepsTokens);
  if (processor.type !== 'TemplateProcessing' || !Array.isArray(processor.single)) return false;
  const sequences = (processor.single as unknown[]).filter((item) => isObject(item) && 'Sequence' in item);
  return sequences.length === 1 && isObject(sequences[0]) && isObject(sequences[0].Sequence) && sequences[0].Sequence.id === 'A';
}
