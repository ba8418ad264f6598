// GGUF byte-level BPE vocabularies (tokenizer.ggml.model = "gpt2"); the pre-tokenizer follows llama.cpp's
// tokenizer.ggml.pre names. byteBpeFromGguf builds byte-bpe.ts' tables straight from the metadata arrays;
// bpeTokenizerJson describes the same tokenizer as a tokenizer.json, for tokenizers.js (fallback and test oracle).

import { materialised, type StringList } from '../loader/gguf';
import { ByteBpe, LLAMA3_SPLIT, QWEN2_SPLIT, recognisePreTokenizer, type AddedTokenSpec } from './byte-bpe';

/** The tokenizer.json pre_tokenizer llama.cpp's tokenizer.ggml.pre name stands for. */
function ggufPreTokenizer(pre: string): unknown {
  const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
  if (pre === 'llama-bpe' || pre === 'llama3' || pre === 'smaug-bpe') return { type: 'Sequence', pretokenizers: [split(LLAMA3_SPLIT), byteLevel(false)] };
  if (pre === 'qwen2') return { type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), byteLevel(false)] };
  if (pre === 'smollm') return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] };
  return byteLevel(true);
}

/** GGUF control (3) and user-defined (4) tokens are tokenizers.js' added tokens; control tokens are special. */
export function ggufAddedTokens(md: Map<string, unknown>): AddedTokenSpec[] {
  const tokens = md.get('tokenizer.ggml.tokens') as StringList;
  const types = (md.get('tokenizer.ggml.token_type') as ArrayLike<number> | undefined) ?? [];
  const added: AddedTokenSpec[] = [];
  for (let id = 0; id < types.length; id++) {
    if (types[id] === 3 || types[id] === 4) added.push({ id, content: tokens.at(id)!, special: types[id] === 3, lstrip: false, rstrip: false });
  }
  return added;
}

/** The typed-array tokenizer for a gpt2 vocabulary, or undefined when only tokenizers.js reproduces it. */
export function byteBpeFromGguf(md: Map<string, unknown>): ByteBpe | undefined {
  const tokens = md.get('tokenizer.ggml.tokens') as StringList;
  const preTokenization = recognisePreTokenizer(ggufPreTokenizer(String(md.get('tokenizer.ggml.pre') ?? 'default')));
  if (!preTokenization) return undefined;
  return ByteBpe.build({
    size: tokens.length,
    forEachToken: (visit) => { for (let id = 0; id < tokens.length; id++) visit(tokens.at(id)!, id); },
    merges: (md.get('tokenizer.ggml.merges') as StringList | undefined) ?? [],
    addedTokens: ggufAddedTokens(md),
    preTokenization,
    ignoreMerges: false,
    unknownToken: null,
    extraSpecialTokens: [],
    // bpeTokenizerJson's config leaves clean_up_tokenization_spaces unset, which tokenizers.js reads as true.
    cleanUpSpaces: true,
  });
}

/** The gpt2 vocabulary as a tokenizer.json plus tokenizer_config for tokenizers.js. */
export function bpeTokenizerJson(md: Map<string, unknown>): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const tokens = materialised(md.get('tokenizer.ggml.tokens') as StringList);
  const merges = materialised((md.get('tokenizer.ggml.merges') as StringList | undefined) ?? []);
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  const added_tokens = ggufAddedTokens(md).map(({ id, content, special }) => ({ id, content, special, single_word: false, lstrip: false, rstrip: false, normalized: false }));
  const bos = md.get('tokenizer.ggml.bos_token_id') as number | undefined;
  const eos = md.get('tokenizer.ggml.eos_token_id') as number | undefined;
  const json = {
    version: '1.0',
    added_tokens,
    normalizer: null,
    pre_tokenizer: ggufPreTokenizer(String(md.get('tokenizer.ggml.pre') ?? 'default')),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
  const config = {
    bos_token: bos !== undefined ? tokens[bos] : null,
    eos_token: eos !== undefined ? tokens[eos] : null,
    add_bos_token: (md.get('tokenizer.ggml.add_bos_token') as boolean | undefined) ?? false,
    tokenizer_class: 'PreTrainedTokenizer',
  };
  return { json, config };
}
