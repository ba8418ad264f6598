import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readGgufMetadata } from '../../../src/main/lpu/loader/gguf';
import { createTokenizer } from '../../../src/main/lpu/tokenizer';
import { SpmTokenizer } from '../../../src/main/lpu/tokenizer/spm';
import { bpeTokenizerFromHfFolder } from '../../../src/main/lpu/loader/gguf-writer';
import { tinySpmVocab } from '../../fixtures/lpu/tiny-models';

const STORIES = path.resolve('../shared/models/stories260K-gguf/stories260K.gguf');
const SMOLLM = path.resolve('../shared/models/tokenizers/SmolLM-360M-Instruct');

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

describe('byte-level BPE from GGUF metadata (gpt2) via transformers.js', () => {
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

describe('streaming bytes per token', () => {
  it('byte-level tokens concatenate to the exact UTF-8 of the text, even split inside a character', async () => {
    const tok = await createTokenizer({ kind: 'hf-folder', folder: SMOLLM });
    const text = 'naïve café 日本語 🙂';
    const ids = tok.encode(text);
    const bytes = ids.flatMap((id) => Array.from(tok.tokenBytes(id)));
    expect(new TextDecoder().decode(Uint8Array.from(bytes))).toBe(text);
  });
});
