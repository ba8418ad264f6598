import path from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';

// The chunker's token counter remembers each word's WordPiece count: checked against the tokenizer counting the whole
// text at once (the plain reference), exactly, on text built to break it.

const SMOLLM_DIR = path.join(path.dirname(MINILM_TOKENIZER_DIR), 'SmolLM-360M-Instruct');

async function reference(folder: string): Promise<(text: string) => number> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  const tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  return (text) => tokenizer.encode(text, { add_special_tokens: false }).length;
}

/** A small deterministic generator, so a failure names the same text every run. */
function* texts(): Generator<string> {
  const parts = [
    'Net revenues increased $1,234.5 million (3.2%) in fiscal 2018,', 'compared to 2017;', 'CVS Health®', 'Aetna’s',
    'naïve café résumé', 'ﬁnancial ﬂows', '营业收入增长', '東京都', 'e-mail: investor.relations@cvshealth.com',
    'https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany', '(in millions, except per share amounts)', '—', '…',
    'x'.repeat(130), 'supercalifragilisticexpialidocious', 'U.S.', '10-K', '2018-12-31', '\u00A0', '\u3000', '\u200B', '\uFEFF',
    'e\u0301', 'İstanbul', 'ß', 'Ⅻ', '½', '\u0007bell', 'tab\there', 'A', '.', '"', "'",
  ];
  const gaps = [' ', '  ', '\n', '\n\n', '\t', ' \r\n', '', '\u00A0'];
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let i = 0; i < 300; i++) {
    let text = '';
    for (let j = 1 + next(25); j > 0; j--) text += parts[next(parts.length)] + gaps[next(gaps.length)];
    yield text;
  }
  // The same words again: the remembered counts must still be right.
  yield 'Net revenues increased $1,234.5 million (3.2%) in fiscal 2018, compared to 2017; Net revenues increased';
}

describe('token counter', () => {
  it('counts exactly what the WordPiece tokenizer counts on the whole text, remembering words', async () => {
    const counter = await loadTokenCounter(MINILM_TOKENIZER_DIR);
    const exact = await reference(MINILM_TOKENIZER_DIR);
    for (const text of texts()) expect([text, counter.count(text)]).toEqual([text, exact(text)]);
    expect(counter.rememberedWords).toBeGreaterThan(50);
  });

  it('counts whole texts with a tokenizer that does not split at whitespace the BERT way (byte-level BPE)', async () => {
    const counter = await loadTokenCounter(SMOLLM_DIR);
    const exact = await reference(SMOLLM_DIR);
    expect(counter.rememberedWords).toBeUndefined();
    for (const text of [...texts()].slice(0, 40)) expect(counter.count(text)).toBe(exact(text));
  });
});
