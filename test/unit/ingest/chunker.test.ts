import { beforeAll, describe, expect, it } from 'vitest';
import { chunkDocument, chunkOptionsFor, type ChunkOptions } from '../../../src/main/ingest/chunker';
import type { Block, SourcePage } from '../../../src/main/ingest/document';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { rowsToTableBlocks } from '../../../src/main/ingest/converters/table';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { estimatedTokenCounter, loadTokenCounter, type TokenCounter } from '../../../src/main/ingest/tokens';

// Budgets are measured with the real all-MiniLM-L6-v2 WordPiece tokenizer shipped under test/fixtures.
const tokenizerFolder = MINILM_TOKENIZER_DIR;
let counter: TokenCounter;
let options: ChunkOptions;
beforeAll(async () => {
  counter = await loadTokenCounter(tokenizerFolder);
  options = { maxTokens: 64, overlapTokens: 12, counter };
});

const para = (text: string, headingPath: string[] = []): Block => ({ kind: 'paragraph', text, headingPath });
const page = (number: number, blocks: Block[], label: string | null = null): SourcePage => ({ number, label, blocks });
const sentence = (i: number) => `Sentence number ${i} explains how trace trees record hot loops in the interpreter.`;

describe('chunkDocument', () => {
  it('keeps every chunk within the token budget and points back to exact page text', () => {
    const pages = [page(1, [para(Array.from({ length: 12 }, (_, i) => sentence(i)).join(' '))], 'iv'), page(2, [para(sentence(99))], '1')].map(placeBlocks);
    // Each sentence is 14 word pieces: an overlap budget of 16 carries exactly one sentence over.
    const chunks = chunkDocument(pages, { ...options, overlapTokens: 16 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(counter.count(chunk.text)).toBeLessThanOrEqual(64);
    const first = chunks[0];
    expect(pages[0].text.slice(first.charStart, first.charEnd).trim()).toBe(first.text);
    expect(first).toMatchObject({ pageStart: 1, labelStart: 'iv', ordinal: 0 });
    expect(chunks.at(-1)).toMatchObject({ pageEnd: 2, labelEnd: '1' });
    // Consecutive chunks of one paragraph overlap by whole sentences.
    const lastSentenceOfFirst = first.text.split(/(?<=\.) /).at(-1)!;
    expect(chunks[1].text.startsWith(lastSentenceOfFirst)).toBe(true);
  });

  it('starts a new chunk at each heading and records the heading path', () => {
    const blocks: Block[] = [
      { kind: 'heading', text: 'Intro', headingPath: ['Intro'] },
      para('Short intro.', ['Intro']),
      { kind: 'heading', text: 'Details', headingPath: ['Intro', 'Details'] },
      para('Short details.', ['Intro', 'Details']),
    ];
    const chunks = chunkDocument([placeBlocks(page(1, blocks))], options);
    expect(chunks.map((c) => [c.text, c.headingPath])).toEqual([
      ['Intro\n\nShort intro.', 'Intro'],
      ['Details\n\nShort details.', 'Intro › Details'],
    ]);
  });

  it('keeps a small table whole and splits a large one by rows with the header repeated', () => {
    const header = '| Benchmark | Speedup |\n| --- | --- |';
    const rows = Array.from({ length: 40 }, (_, i) => `| benchmark-${i} | ${i}.5x |`);
    const small = { kind: 'table' as const, text: [header, ...rows.slice(0, 2)].join('\n'), tableHeader: header, headingPath: [] };
    const large = { kind: 'table' as const, text: [header, ...rows].join('\n'), tableHeader: header, headingPath: [] };
    expect(chunkDocument([placeBlocks(page(1, [small]))], options).map((c) => c.text)).toEqual([small.text]);
    const parts = chunkDocument([placeBlocks(page(1, [large]))], options);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.text.startsWith(header)).toBe(true);
      expect(part.kind).toBe('table');
    }
    expect(parts.flatMap((p) => p.text.split('\n').slice(2))).toEqual(rows);
  });

  it('names the rows each piece of a long table holds, with the header on every piece', () => {
    const rows = [['Benchmark', 'Speedup'], ...Array.from({ length: 80 }, (_, i) => [`bench-${i + 1}`, `${i}.5x`])];
    const blocks = rowsToTableBlocks(rows, []);
    expect(blocks.map((b) => b.tableRows)).toEqual([
      { first: 1, last: 25, total: 80 },
      { first: 26, last: 50, total: 80 },
      { first: 51, last: 75, total: 80 },
      { first: 76, last: 80, total: 80 },
    ]);
    // A budget that holds a 25-row block: its rows named in the context; the last two blocks share a chunk and its range.
    const whole = chunkDocument([placeBlocks(page(1, blocks))], { ...options, maxTokens: 400 });
    expect(whole.map((c) => c.context)).toEqual(['rows 1–25 of 80', 'rows 26–50 of 80', 'rows 51–80 of 80'].map((r) => `Benchmark Speedup › ${r}`));
    // A smaller budget cuts each block again: every piece starts with the header and names exactly the rows it shows.
    const pieces = chunkDocument([placeBlocks(page(1, blocks))], options);
    expect(pieces.length).toBeGreaterThan(4);
    for (const piece of pieces) {
      const lines = piece.text.split('\n');
      expect(lines.slice(0, 2)).toEqual(['| Benchmark | Speedup |', '| --- | --- |']);
      const numbers = lines.slice(2).map((line) => Number(/bench-(\d+)/.exec(line)![1]));
      expect(piece.context).toBe(`Benchmark Speedup › rows ${numbers[0]}–${numbers.at(-1)} of 80`);
    }
    // A table that fits one block says nothing about rows.
    expect(chunkDocument([placeBlocks(page(1, rowsToTableBlocks(rows.slice(0, 4), [])))], options).map((c) => c.context)).toEqual(['Benchmark Speedup']);
  });

  it('splits Chinese text at sentence ends, not spaces', () => {
    const text = Array.from({ length: 30 }, (_, i) => `这是关于软件包维护的第${i}个句子，内容比较长一些。`).join('');
    const chunks = chunkDocument([placeBlocks(page(1, [para(text)]))], options);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.text.endsWith('。')).toBe(true);
  });

  it('budgets with the documented estimate when no tokenizer is available', () => {
    expect(estimatedTokenCounter.count('Trace-based compilation')).toBe(5); // Trace, -, based, compil|ation
    expect(estimatedTokenCounter.count('维护人员')).toBe(4);
    expect(chunkOptionsFor(256, estimatedTokenCounter)).toMatchObject({ maxTokens: 248, overlapTokens: 37 });
  });
});
