import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';

// Chunks are budgeted in the embedder's own word pieces. Without a tokenizer the count is an estimate:
// one piece per CJK character, one per punctuation mark or short word, ceil(length / 6) per longer word. It errs high
// on English prose (BERT WordPiece: 22 pieces where it counts 26), so chunks stay under the model limit.

export interface TokenCounter {
  /** Tokens in `text`, without special tokens. */
  count(text: string): number;
  /** What the count is based on: a tokenizer folder, or 'estimate'. */
  readonly source: string;
  /** Words whose counts are remembered now, for tokenizers that count word by word (BERT WordPiece). */
  readonly rememberedWords?: number;
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

/** Words whose piece counts are remembered; the memory starts over beyond this (a long filing uses ~20k). */
const REMEMBERED_WORDS = 50_000;
/** Whitespace that every BERT pre-tokenizer splits at and that yields no piece. */
const ASCII_WHITESPACE = /[ \t\n\r]+/;

/**
 * Whether the tokenizer counts a text as the sum of its whitespace-separated words: a WordPiece model behind BERT's
 * pre-tokenizer (splits at whitespace and punctuation) and BERT's normaliser (character by character).
 */
async function countsWordByWord(folder: string): Promise<boolean> {
  const config = JSON.parse(await readFile(path.join(folder, 'tokenizer.json'), 'utf8')) as {
    model?: { type?: string };
    pre_tokenizer?: { type?: string } | null;
    normalizer?: { type?: string } | null;
  };
  return config.model?.type === 'WordPiece' && config.pre_tokenizer?.type === 'BertPreTokenizer' && (!config.normalizer || config.normalizer.type === 'BertNormalizer');
}

/** Loads a transformers.js tokenizer from a local folder (tokenizer.json + tokenizer_config.json); never downloads. */
export async function loadTokenCounter(folder: string): Promise<TokenCounter> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const encode = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).length;
  if (!(await countsWordByWord(folder).catch(() => false))) return { source: folder, count: encode };
  // Chunking counts every block and a long document repeats its vocabulary: each word is tokenized once.
  const words = new Map<string, number>();
  return {
    source: folder,
    get rememberedWords() {
      return words.size;
    },
    count(text) {
      let tokens = 0;
      for (const word of text.split(ASCII_WHITESPACE)) {
        if (!word) continue;
        let pieces = words.get(word);
        if (pieces === undefined) {
          if (words.size >= REMEMBERED_WORDS) words.clear();
          pieces = encode(word);
          words.set(word, pieces);
        }
        tokens += pieces;
      }
      return tokens;
    },
  };
}
