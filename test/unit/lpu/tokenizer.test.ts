import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { readGgufMetadata } from '../../../src/main/lpu/loader/gguf';
import { createTokenizer } from '../../../src/main/lpu/tokenizer';
import { SpmTokenizer } from '../../../src/main/lpu/tokenizer/spm';
import { bpeTokenizerFromHfFolder } from '../../../src/main/lpu/loader/gguf-writer';
import { bpeTokenizerJson } from '../../../src/main/lpu/tokenizer/gguf-bpe';
import { tinySpmVocab } from '../../fixtures/lpu/tiny-models';

const STORIES = path.resolve('../shared/models/stories260K-gguf/stories260K.gguf');
const SMOLLM = path.resolve('../shared/models/tokenizers/SmolLM-360M-Instruct');
const SCIFACT = path.resolve('../shared/corpus/scifact/corpus.jsonl');

/** Varied text: scientific abstracts, Markdown, code, CJK, emoji, special tokens, odd whitespace. */
function variedSample(): string[] {
  const abstracts = readFileSync(SCIFACT, 'utf8').split('\n').slice(0, 150).filter(Boolean)
    .map((line) => { const d = JSON.parse(line) as { title: string; text: string }; return `${d.title}\n${d.text}`; });
  return [
    ...abstracts,
    readFileSync(path.resolve('../shared/corpus/docs/text/unstructured-README.md'), 'utf8'),
    readFileSync(path.resolve('src/main/lpu/tokenizer/spm.ts'), 'utf8'),
    '日本語のテキストと中文文本，还有한국어。 Ünïcödé  naïve café — “quotes” ‘single’ …',
    '🙂👍🏽👨‍👩‍👧‍👦 emoji 🇫🇷 flags',
    '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n', 'a<|endoftext|>b <|im_end|>  <|im_start|>',
    "I'm you've they're it's DON'T He'LL", '12345678901234 3.14159 1,000,000 0x1F',
    '\t\ttabs\n\n\n  spaces   \r\n crlf \u00a0nbsp\u3000ideographic', 'x'.repeat(300), ' leading and trailing  ',
  ];
}

describe('SentencePiece tokenizer from GGUF metadata', () => {
  it('encodes stories260K prompts as llama.cpp does (BOS, space prefix, score-ordered merges)', async () => {
    const tok = await createTokenizer({ kind: 'gguf', metadata: readGgufMetadata(STORIES).metadata as Map<string, unknown> });
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

describe('byte-level BPE from GGUF metadata (gpt2) via tokenizers.js', () => {
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

describe('byte-level BPE without transformers.js', () => {
  it('encodes and decodes exactly like transformers.js on varied text, for each pre-tokenizer', async () => {
    const bpe = bpeTokenizerFromHfFolder(SMOLLM, 'smollm');
    const samples = variedSample();
    for (const pre of ['smollm', 'llama-bpe', 'qwen2']) {
      const md = new Map<string, unknown>([
        ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.pre', pre], ['tokenizer.ggml.tokens', bpe.tokens],
        ['tokenizer.ggml.token_type', bpe.tokenTypes], ['tokenizer.ggml.merges', bpe.merges],
        ['tokenizer.ggml.bos_token_id', bpe.bosId], ['tokenizer.ggml.eos_token_id', bpe.eosId], ['tokenizer.ggml.add_bos_token', false],
      ]);
      const ours = await createTokenizer({ kind: 'gguf', metadata: md });
      const { json, config } = bpeTokenizerJson(md);
      const oracle = new (PreTrainedTokenizer as unknown as new (j: unknown, c: unknown) => {
        encode(t: string, o: { add_special_tokens: boolean }): number[]; decode(ids: number[], o: { skip_special_tokens: boolean }): string;
      })(json, config);
      for (const text of samples) {
        const ids = oracle.encode(text, { add_special_tokens: false });
        expect(ours.encode(text, { addBos: false })).toEqual(ids);
        expect(ours.decode(ids)).toBe(oracle.decode(ids, { skip_special_tokens: true }));
      }
    }
  }, 60_000);
});

describe('streaming bytes per token', () => {
  it('byte-level tokens concatenate to the exact UTF-8 of the text, even split inside a character', async () => {
    const tok = await createTokenizer({ kind: 'hf-folder', folder: SMOLLM });
    const text = 'naïve café 日本語 🙂';
    const ids = tok.encode(text);
    const bytes = ids.flatMap((id) => Array.from(tok.tokenBytes(id)));
    expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(text);
  });
});
