import { AutoTokenizer, env } from '@huggingface/transformers';

// Chunks are budgeted in the embedder's own word pieces. Without a tokenizer the count is an estimate:
// one piece per CJK character, one per punctuation mark or short word, ceil(length / 6) per longer word. It errs high
// on English prose (BERT WordPiece: 22 pieces where it counts 26), so chunks stay under the model limit.

export interface TokenCounter {
  /** Tokens in `text`, without special tokens. */
  count(text: string): number;
  /** What the count is based on: a tokenizer folder, or 'estimate'. */
  readonly source: string;
}

const piece = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

export const estimatedTokenCounter: TokenCounter = {
  source: 'estimate',
  count(text) {
    let tokens = 0;
    for (const [match] of text.matchAll(piece)) tokens += match.length > 6 && /^[\p{L}\p{N}]/u.test(match) ? Math.ceil(match.length / 6) : 1;
    return tokens;
  },
};

/** Loads a transformers.js tokenizer from a local folder (tokenizer.json + tokenizer_config.json); never downloads. */
export async function loadTokenCounter(folder: string): Promise<TokenCounter> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  return {
    source: folder,
    count: (text) => tokenizer.encode(text, { add_special_tokens: false }).length,
  };
}
