import { describe, expect } from 'vitest';
import { parseFile } from '../../../src/main/ingest/parse';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// A real earnings release from the FinanceBench development set through the real parser and chunker: the profile
// read from its first page names every chunk, and the statement pages say which statement they are.
const RELEASE = 'corpus/financebench-dev/pdfs/JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf';

describe('contextual headers on a real filing', () => {
  itWithCorpus(
    [RELEASE],
    "names the organisation, ticker, form and quarter in every chunk, and the statement on the statement's pages",
    async () => {
      const parsed = await parseFile({ filePath: corpusFile(RELEASE), chunkTokens: 256 }, await loadTokenCounter(MINILM_TOKENIZER_DIR), () => {});
      if (parsed.status !== 'indexed') throw new Error(parsed.problem.message);
      expect(parsed.pageCount).toBe(24);
      for (const chunk of parsed.chunks) expect(chunk.context.startsWith('Johnson & Johnson · JNJ · 8-K · Q2 FY2023')).toBe(true);
      const statementPages = new Set(parsed.chunks.filter((c) => c.context.includes('(income statement)')).map((c) => c.pageStart));
      // Pages 9-11 hold the condensed statement of earnings (the question set's evidence for Q2 margins is page 10).
      expect([...statementPages].sort((a, b) => a - b)).toEqual([9, 10, 11]);
      // No running footer or page number became a heading.
      for (const chunk of parsed.chunks) for (const heading of chunk.headingPath.split(' › ').filter(Boolean)) expect(heading).not.toMatch(/^\d+$|\s\d{1,3}$/);
    },
    120_000,
  );
});
