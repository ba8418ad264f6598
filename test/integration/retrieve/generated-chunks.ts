import type { ParsedDocument } from '../../../src/main/ingest/parse';

// Generated chunks for the keyword-index tests: words from a small vocabulary drawn with a skewed distribution, so some
// terms are in most chunks and others in a handful, and exact copies of a few chunks, whose scores tie.

export const VOCABULARY = ('cell protein patient running runs ran gene expression tumour mouse model risk dose trial effect ' +
  'insulin receptor signal pathway kinase neuron brain memory sleep diet obesity vaccine virus immune response').split(' ');

export const wordFrom = (next: () => number) => VOCABULARY[Math.floor(VOCABULARY.length * next() ** 2.5)];
const sentence = (next: () => number, words: number) => Array.from({ length: words }, () => wordFrom(next)).join(' ');

export type GeneratedChunk = { body: string; heading: string; context: string };

/** `count` chunks, then exact copies of the first `copies`: their scores tie, and the order among them must still be FTS5's. */
export function generatedChunks(next: () => number, count: number, copies = 40): GeneratedChunk[] {
  const chunks = Array.from({ length: count }, () => ({
    body: sentence(next, 5 + Math.floor(next() * 40)),
    heading: next() < 0.3 ? sentence(next, 1 + Math.floor(next() * 3)) : '',
    context: next() < 0.2 ? sentence(next, 2) : '',
  }));
  return [...chunks, ...chunks.slice(0, copies)];
}

/** A one-page parse result holding these chunks, as ingestion's storeParsedDocument takes it. */
export function parsedDocument(generated: GeneratedChunk[]): ParsedDocument {
  const chunks = generated.map((chunk, ordinal) => ({
    ordinal, text: chunk.body, tokenCount: 1, pageStart: 1, pageEnd: 1, labelStart: null, labelEnd: null,
    charStart: 0, charEnd: chunk.body.length, headingPath: chunk.heading, context: chunk.context, kind: 'paragraph' as const,
  }));
  const page = { number: 1, label: null, text: chunks.map((chunk) => chunk.text).join(' '), ocr: null };
  return { status: 'indexed', format: 'text', title: 'p', pageCount: 1, chunkCount: chunks.length, notice: null, pagesHeldPeak: 1, pages: [page], chunks };
}
