import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { readGgufMetadata } from '../../../src/main/lpu/loader/gguf';
import { createTokenizer } from '../../../src/main/lpu/tokenizer';
import { SpmTokenizer } from '../../../src/main/lpu/tokenizer/spm';
import { bpeTokenizerFromHfFolder } from '../../../src/main/lpu/loader/gguf-writer';
import { bpeTokenizerJson, byteBpeFromGguf } from '../../../src/main/lpu/tokenizer/gguf-bpe';
import { byteBpeFromTokenizerJson, type ByteBpe } from '../../../src/main/lpu/tokenizer/byte-bpe';
import { tinySpmVocab } from '../../fixtures/lpu/tiny-models';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { corpusFile, itWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
const SMOLLM = SMOLLM_TOKENIZER_DIR;

/** 150 lines of the repo's own technical English: prose, tables, numbers, inline code. */
function proseLines(): string[] {
  const docs = ['docs/lpu-architecture.md', 'docs/lpu-performance.md', 'docs/lpu-timing.md', 'DEVELOPERS.md'].map((f) => readFileSync(path.resolve(f), 'utf8'));
  const lines = docs.join('\n').split('\n').filter((line) => line.trim().length > 20).slice(0, 150);
  expect(lines).toHaveLength(150); // the index ≥ 150 rule below picks the hand-made samples
  return lines;
}

/** Varied text: technical prose, Markdown, code, CJK, emoji, special tokens, odd whitespace. */
function variedSample(): string[] {
  return [
    ...proseLines(),
    readFileSync(path.resolve('DEVELOPERS.md'), 'utf8'),
    readFileSync(path.resolve('src/main/lpu/tokenizer/spm.ts'), 'utf8'),
    '日本語のテキストと中文文本，还有한국어。 Ünïcödé  naïve café — “quotes” ‘single’ …',
    '🙂👍🏽👨‍👩‍👧‍👦 emoji 🇫🇷 flags',
    '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n', 'a<|endoftext|>b <|im_end|>  <|im_start|>',
    "I'm you've they're it's DON'T He'LL", '12345678901234 3.14159 1,000,000 0x1F',
    '\t\ttabs\n\n\n  spaces   \r\n crlf \u00a0nbsp\u3000ideographic', 'x'.repeat(300), ' leading and trailing  ',
    // Added tokens glued to text, repeated, partial, and next to whitespace.
    'x<|im_start|><|im_start|>y<|im_end|>\n\n<|im_end', '<|endoftext|>', '  <|im_end|>  ', '<|im_start|', '<filename>a.py<file_sep>',
    // Long digit runs, long words, long whitespace and punctuation runs.
    '9'.repeat(1000), `v${'0123456789'.repeat(40)}.${'7'.repeat(33)}`, 'Donaudampfschifffahrtsgesellschaftskapitän'.repeat(120),
    'a'.repeat(5000), ' '.repeat(700), '!?'.repeat(400), 'aGVsbG8gd29ybGQ/PSs+'.repeat(200),
    // CJK, emoji (ZWJ sequences, skin tones, flags), combining marks, RTL, and CR/LF mixes with leading/trailing space.
    '漢字かなカナ한글 ไทย العربية עברית', '🏳️‍🌈🧑🏾‍💻🇯🇵🇺🇸 ❤️‍🔥 e\u0301 n\u0303', '\r\n\r\nA\rB\n\rC\r\n \r\n  ', ' \r\n', '\n', ' ', '',
    // Contraction casing, cleanup-sensitive punctuation, control bytes SmolLM has no token for, BOM, NEL, lone surrogates.
    "WE'RE we'Re 'S 'tis isn't , . ? ! ' ", 'a\u0004b\u0006c\u0013\u001d\u0000\u007f', '\ufeffBOM \u0085nel \u2028ls', 'lone \ud800 high \udc00 low',
  ];
}

/** The parts of SmolLM's tokenizer.json the variants below change. */
interface TokenizerJson { model: { merges: string[] } & Record<string, unknown>; added_tokens: Record<string, unknown>[]; [key: string]: unknown }
const readTokenizerJson = () => JSON.parse(readFileSync(path.join(SMOLLM, 'tokenizer.json'), 'utf8')) as TokenizerJson;

type Oracle = { encode(t: string, o: { add_special_tokens: boolean }): number[]; decode(ids: number[], o: { skip_special_tokens: boolean }): string };
const transformersJs = (json: unknown, config: unknown) => new (PreTrainedTokenizer as unknown as new (j: unknown, c: unknown) => Oracle)(json, config);

function gpt2Metadata(pre: string): Map<string, unknown> {
  const bpe = bpeTokenizerFromHfFolder(SMOLLM, pre);
  return new Map<string, unknown>([
    ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.pre', pre], ['tokenizer.ggml.tokens', bpe.tokens],
    ['tokenizer.ggml.token_type', bpe.tokenTypes], ['tokenizer.ggml.merges', bpe.merges],
    ['tokenizer.ggml.bos_token_id', bpe.bosId], ['tokenizer.ggml.eos_token_id', bpe.eosId], ['tokenizer.ggml.add_bos_token', false],
  ]);
}

/** Ids that split characters and words, and mix in special and added tokens: every decode path. */
function scrambledIds(vocabSize: number, count: number): number[][] {
  let seed = 12345;
  const random = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(random() * 40) }, () => (random() < 0.1 ? Math.floor(random() * 20) : Math.floor(random() * vocabSize))));
}

/** Exact agreement with transformers.js on encode, decode of our ids, decode of scrambled ids, and streamed bytes. */
function expectSameAsOracle(ours: ByteBpe, oracle: Oracle, samples: string[], vocabSize: number): void {
  for (const text of samples) {
    const ids = oracle.encode(text, { add_special_tokens: false });
    expect(ours.encode(text), JSON.stringify(text.slice(0, 80))).toEqual(ids);
    if (ids.length > 0) expect(ours.decode(ids)).toBe(oracle.decode(ids, { skip_special_tokens: true }));
  }
  for (const ids of scrambledIds(vocabSize, 300)) {
    const text = oracle.decode(ids, { skip_special_tokens: true });
    expect(ours.decode(ids)).toBe(text);
  }
}

describe('SentencePiece tokenizer from GGUF metadata', () => {
  itWithCorpus([STORIES], 'encodes stories260K prompts as llama.cpp does (BOS, space prefix, score-ordered merges)', async () => {
    const tok = await createTokenizer({ kind: 'gguf', metadata: readGgufMetadata(stories()).metadata as Map<string, unknown> });
    expect(tok.encode('Once upon a time')).toEqual([1, 403, 407, 261, 378]);
    expect(tok.decode([1, 403, 407, 261, 378])).toBe('Once upon a time');
    expect(tok.encode('Once', { addBos: false })).toEqual([403]);
    expect(tok.eosTokenIds).toEqual([2]);
  });

  it('falls back to byte tokens for characters outside the vocabulary and decodes them back', () => {
    const v = tinySpmVocab(300);
    const spm = new SpmTokenizer({ ...v, addSpacePrefix: true });
    const ids = spm.encode('hé');
    const eAcute = [0xc3, 0xa9].map((b) => v.tokens.indexOf(`<0x${b.toString(16).toUpperCase()}>`));
    expect(ids.slice(-2)).toEqual(eAcute);
    expect(spm.decode(ids)).toBe('hé');
  });

  it('matches control tokens in text verbatim', () => {
    const v = tinySpmVocab(300);
    const spm = new SpmTokenizer({ ...v, addSpacePrefix: false });
    expect(spm.encode('a</s>a')).toEqual([v.tokens.indexOf('a'), 2, v.tokens.indexOf('a')]);
  });
});

describe('byte-level BPE from GGUF metadata (gpt2)', () => {
  it('encodes like the original tokenizer.json and renders the GGUF chat template', async () => {
    const bpe = bpeTokenizerFromHfFolder(SMOLLM, 'smollm');
    const md = new Map<string, unknown>([
      ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.pre', 'smollm'], ['tokenizer.ggml.tokens', bpe.tokens],
      ['tokenizer.ggml.token_type', bpe.tokenTypes], ['tokenizer.ggml.merges', bpe.merges],
      ['tokenizer.ggml.bos_token_id', bpe.bosId], ['tokenizer.ggml.eos_token_id', bpe.eosId], ['tokenizer.ggml.add_bos_token', false],
    ]);
    const fromGguf = await createTokenizer({ kind: 'gguf', metadata: md, chatTemplate: bpe.chatTemplate });
    const fromFolder = await createTokenizer({ kind: 'hf-folder', folder: SMOLLM });
    const text = 'Hello world! Prices rose 12345 times in 2024 — naïve café.\n\tTabs  and  spaces';
    expect(fromGguf.encode(text)).toEqual(fromFolder.encode(text));
    expect(fromGguf.decode(fromGguf.encode(text))).toBe(text);
    expect(fromGguf.encode('<|im_start|>user')[0]).toBe(bpe.tokens.indexOf('<|im_start|>'));
    expect(fromGguf.eosTokenIds).toContain(2);
    const rendered = fromGguf.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(rendered).toContain('<|im_start|>user\nHi<|im_end|>\n');
    expect(rendered.endsWith('<|im_start|>assistant\n')).toBe(true);
  });
});

describe('byte-level BPE without transformers.js (byte-bpe.ts)', () => {
  it('encodes and decodes GGUF gpt2 vocabularies exactly like transformers.js, for each pre-tokenizer', () => {
    const samples = variedSample();
    for (const pre of ['smollm', 'llama-bpe', 'qwen2', 'default']) {
      const md = gpt2Metadata(pre);
      const ours = byteBpeFromGguf(md);
      expect(ours, `${pre} builds without tokenizers.js`).toBeDefined();
      const { json, config } = bpeTokenizerJson(md);
      expectSameAsOracle(ours!, transformersJs(json, config), samples, 49152);
    }
  }, 120_000);

  it('reproduces Hugging Face tokenizer.json variants it accepts: ignore_merges, lstrip/rstrip, prefix space, Split patterns', () => {
    const json = readTokenizerJson();
    const config = JSON.parse(readFileSync(path.join(SMOLLM, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const llama3PreTokenizer = bpeTokenizerJson(gpt2Metadata('llama-bpe')).json.pre_tokenizer;
    const samples = [...variedSample().filter((_, i) => i % 5 === 0 || i >= 150), 'say \n<|im_start|> hi <|im_end|>\n bye', 'Hello world, worlds!'];
    // Without the rule that makes "Ġworld", only ignore_merges still encodes " world" as that one token.
    const withoutWorldRule = json.model.merges.filter((m) => m.replace(' ', '') !== 'Ġworld').map((m) => m.split(' '));
    const ignoringMerges = { ...json, pre_tokenizer: llama3PreTokenizer, model: { ...json.model, ignore_merges: true, merges: withoutWorldRule } };
    const world = transformersJs(ignoringMerges, config).encode(' world', { add_special_tokens: false });
    expect(world).toHaveLength(1);
    expect(transformersJs({ ...ignoringMerges, model: { ...ignoringMerges.model, ignore_merges: false } }, config).encode(' world', { add_special_tokens: false })).not.toEqual(world);
    const variants: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['as shipped', json, config],
      ['llama3 split, ignore_merges, merges as pairs', ignoringMerges, config],
      ['lstrip/rstrip added tokens, cleanup on', { ...json, added_tokens: json.added_tokens.map((t, i) => ({ ...t, lstrip: i % 2 === 1, rstrip: i % 3 === 2 })) }, { ...config, clean_up_tokenization_spaces: true }],
      ['ByteLevel alone with add_prefix_space', { ...json, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } }, config],
    ];
    for (const [name, variant, variantConfig] of variants) {
      const ours = byteBpeFromTokenizerJson(variant, variantConfig);
      expect(ours, name).toBeDefined();
      expectSameAsOracle(ours!, transformersJs(variant, variantConfig), samples, 49152);
    }
  }, 120_000);

  it('declines tokenizer.json features it does not reproduce, so tokenizers.js runs them', async () => {
    const json = readTokenizerJson();
    const declined: Record<string, unknown>[] = [
      { ...json, normalizer: { type: 'NFC' } },
      { ...json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel' }] } },
      { ...json, decoder: { type: 'Metaspace' } },
      { ...json, model: { ...json.model, byte_fallback: true } },
      { ...json, model: { ...json.model, merges: [...json.model.merges, 'Ġ notatoken'] } },
    ];
    for (const variant of declined) expect(byteBpeFromTokenizerJson(variant, {})).toBeUndefined();
    const folder = mkdtempSync(path.join(tmpdir(), 'lockstep-tokenizer-'));
    try {
      const nfc = { ...json, normalizer: { type: 'NFC' } };
      writeFileSync(path.join(folder, 'tokenizer.json'), JSON.stringify(nfc));
      writeFileSync(path.join(folder, 'tokenizer_config.json'), readFileSync(path.join(SMOLLM, 'tokenizer_config.json')));
      const fallback = await createTokenizer({ kind: 'hf-folder', folder });
      const text = 'e\u0301 café <|im_start|>';
      const ids = transformersJs(nfc, {}).encode(text, { add_special_tokens: false });
      expect(ids).not.toEqual(transformersJs(json, {}).encode(text, { add_special_tokens: false })); // NFC composes é
      expect(fallback.encode(text)).toEqual(ids);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('streaming bytes per token', () => {
  it('byte-level tokens concatenate to the exact UTF-8 of the text, even split inside a character', async () => {
    for (const tok of [await createTokenizer({ kind: 'hf-folder', folder: SMOLLM }), await createTokenizer({ kind: 'gguf', metadata: gpt2Metadata('smollm') })]) {
      const text = 'naïve café 日本語 🙂 <|im_start|>';
      const ids = tok.encode(text);
      const bytes = ids.flatMap((id) => Array.from(tok.tokenBytes(id)));
      expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe('naïve café 日本語 🙂 ');
      expect(tok.tokenBytes(ids.at(-1)!)).toHaveLength(0);
    }
  });
});
