// The benchmark prompt: real English (SciFact abstracts) cut to exactly N tokens of SmolLM2's reference tokenizer
// (transformers.js on the tokenizer.json shipped under test/fixtures), so both engines evaluate the same text of a known length.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { corpusFile } from '../../support/corpus';


export async function benchPromptText(tokens: number): Promise<string> {
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(SMOLLM_TOKENIZER_DIR);
  const tokenizer = await AutoTokenizer.from_pretrained('SmolLM-360M-Instruct');
  const abstracts = readFileSync(corpusFile('corpus/scifact/corpus.jsonl'), 'utf8').split('\n').slice(0, 40)
    .filter(Boolean).map((line) => (JSON.parse(line) as { text: string }).text);
  const ids = tokenizer.encode(abstracts.join('\n\n'), { add_special_tokens: false });
  if (ids.length < tokens) throw new Error(`the SciFact excerpt has only ${ids.length} tokens`);
  // Decoding a prefix can merge differently when re-encoded; trim until the round trip gives exactly `tokens`.
  for (let cut = tokens; cut < tokens + 16; cut++) {
    const text = tokenizer.decode(ids.slice(0, cut));
    if (tokenizer.encode(text, { add_special_tokens: false }).length === tokens) return text;
  }
  throw new Error(`no prefix of the SciFact excerpt re-encodes to exactly ${tokens} tokens`);
}
