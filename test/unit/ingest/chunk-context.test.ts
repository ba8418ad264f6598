import { beforeAll, describe, expect, it } from 'vitest';
import { pageContext, statementTitle, tableContext } from '../../../src/main/ingest/chunk-context';
import { chunkDocument, type ChunkOptions } from '../../../src/main/ingest/chunker';
import type { Block, SourcePage } from '../../../src/main/ingest/document';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';

let options: ChunkOptions;
beforeAll(async () => {
  options = { maxTokens: 64, overlapTokens: 12, counter: await loadTokenCounter(MINILM_TOKENIZER_DIR), documentLabel: 'Northwind Traders, Inc. · 10-K · FY2022' };
});

const para = (text: string): Block => ({ kind: 'paragraph', text, headingPath: [] });
const page = (number: number, blocks: Block[]): SourcePage => ({ number, label: null, blocks });
const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `Purchases of land, buildings and equipment line ${i + from} 1,234.5 (987.6) 1,100.0`).join('\n');

describe('statementTitle', () => {
  it('recognises the primary statements by their printed titles', () => {
    expect(statementTitle('CONSOLIDATED STATEMENTS OF CASH FLOWS')).toBe('CONSOLIDATED STATEMENTS OF CASH FLOWS (cash flow statement)');
    expect(statementTitle('Consolidated Balance Sheets')).toBe('Consolidated Balance Sheets (balance sheet)');
    expect(statementTitle('Consolidated Statements of Financial Position')).toBe('Consolidated Statements of Financial Position (balance sheet)');
    expect(statementTitle('Consolidated Statements of Earnings')).toBe('Consolidated Statements of Earnings (income statement)');
    expect(statementTitle('Consolidated Statements of Operations (continued)')).toBe('Consolidated Statements of Operations (income statement)');
    expect(statementTitle("Consolidated Statements of Shareholders' Equity")).toBe("Consolidated Statements of Shareholders' Equity (statement of equity)");
  });

  it('ignores references to statements, contents lines and long sentences', () => {
    expect(statementTitle('Notes to Consolidated Financial Statements')).toBeNull();
    expect(statementTitle('Consolidated Balance Sheets 45')).toBeNull();
    expect(statementTitle('See the consolidated statements of cash flows for the amounts paid.')).toBeNull();
    expect(statementTitle('Risk Factors')).toBeNull();
  });
});

describe('pageContext and tableContext', () => {
  it('carries a statement onto a continued page only', () => {
    const statement = placeBlocks(page(1, [para('Northwind Traders, Inc.'), para('Consolidated Balance Sheets'), para(lines(3))]));
    const continued = placeBlocks(page(2, [para('Consolidated balance sheet (continued)'), para(lines(3))]));
    const other = placeBlocks(page(3, [para('Liquidity'), para('We fund operations with cash.')]));
    const first = pageContext(statement, null);
    expect(first).toBe('Consolidated Balance Sheets (balance sheet)');
    expect(pageContext(placeBlocks(page(2, [para('(continued)'), para(lines(2))])), first)).toBe(first);
    expect(pageContext(continued, first)).toBe('Consolidated balance sheet (balance sheet)');
    expect(pageContext(other, first)).toBeNull();
  });

  it("names a table by the short line above it and its header row", () => {
    const blocks = placeBlocks(
      page(1, [para('Segment results'), { kind: 'table', text: '| Segment | 2022 |\n| --- | --- |\n| North | 5 |', tableHeader: '| Segment | 2022 |\n| --- | --- |', headingPath: [] }]),
    ).blocks;
    expect(tableContext(blocks, 1)).toBe('Segment results › Segment 2022');
  });
});

describe('chunkDocument context', () => {
  it('gives every chunk of a statement the document label and the statement, and other chunks only the label', () => {
    const pages = [
      page(1, [para('Consolidated Statements of Cash Flows'), para(lines(20))]),
      page(2, [
        { kind: 'heading', text: 'Risk Factors', headingPath: ['Risk Factors'] },
        { kind: 'paragraph', text: 'Demand for our products may fall.', headingPath: ['Risk Factors'] },
      ]),
    ].map(placeBlocks);
    const chunks = chunkDocument(pages, options);
    const statementChunks = chunks.filter((c) => c.pageStart === 1);
    expect(statementChunks.length).toBeGreaterThan(2);
    // The rows far below the title still say which statement they belong to.
    for (const chunk of statementChunks) {
      expect(chunk.context).toBe('Northwind Traders, Inc. · 10-K · FY2022 › Consolidated Statements of Cash Flows (cash flow statement)');
    }
    expect(chunks.find((c) => c.pageStart === 2)?.context).toBe('Northwind Traders, Inc. · 10-K · FY2022');
  });

  it('repeats a split table\'s title and header row, and the rows it holds, in the context of each piece', () => {
    const header = '| Benchmark | Speedup |\n| --- | --- |';
    const rows = Array.from({ length: 40 }, (_, i) => `| benchmark-${i} | ${i}.5x |`);
    const table: Block = { kind: 'table', text: [header, ...rows].join('\n'), tableHeader: header, headingPath: [] };
    const parts = chunkDocument([placeBlocks(page(1, [para('Table 3: speedups'), table]))], { ...options, documentLabel: '' }).filter((c) => c.kind === 'table');
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.context).toMatch(/^Table 3: speedups › Benchmark Speedup › rows \d+–\d+ of 40$/);
  });
});
