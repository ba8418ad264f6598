// GGUF byte-level BPE vocabularies (tokenizer.ggml.model = "gpt2") rebuilt as a tokenizer.json so
// tokenizers.js (the BPE inside transformers.js) does the BPE; the pre-tokenizer follows llama.cpp's tokenizer.ggml.pre names.

const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function preTokenizer(pre: string): unknown {
  const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });
  if (pre === 'llama-bpe' || pre === 'llama3' || pre === 'smaug-bpe') return { type: 'Sequence', pretokenizers: [split(LLAMA3_SPLIT), byteLevel(false)] };
  if (pre === 'qwen2') return { type: 'Sequence', pretokenizers: [split(QWEN2_SPLIT), byteLevel(false)] };
  if (pre === 'smollm') return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel(true)] };
  return byteLevel(true);
}

export function bpeTokenizerJson(md: Map<string, unknown>): { json: Record<string, unknown>; config: Record<string, unknown> } {
  const tokens = md.get('tokenizer.ggml.tokens') as string[];
  const types = (md.get('tokenizer.ggml.token_type') as number[] | undefined) ?? [];
  const merges = (md.get('tokenizer.ggml.merges') as string[] | undefined) ?? [];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  const added_tokens = tokens
    .map((content, id) => ({ id, content, type: types[id] }))
    .filter((t) => t.type === 3 || t.type === 4)
    .map(({ id, content, type }) => ({ id, content, special: type === 3, single_word: false, lstrip: false, rstrip: false, normalized: false }));
  const bos = md.get('tokenizer.ggml.bos_token_id') as number | undefined;
  const eos = md.get('tokenizer.ggml.eos_token_id') as number | undefined;
  const json = {
    version: '1.0',
    added_tokens,
    normalizer: null,
    pre_tokenizer: preTokenizer(String(md.get('tokenizer.ggml.pre') ?? 'default')),
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
