import { describe, expect, it } from 'vitest';
import { convertCsv } from '../../../src/main/ingest/converters/csv';
import { convertXlsx } from '../../../src/main/ingest/converters/xlsx';
import { defaultLimits, type Converter } from '../../../src/main/ingest/document';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { toBlocks } from '../../../src/renderer/features/viewer/pageBlocks';
import { makeXlsx } from '../../fixtures/ingest/generated-documents';

// What the text viewer shows for generated spreadsheets: the stored page text goes through the viewer's own block
// splitter, and each table the converter gave cells for comes back as those cells (header first), pipes and all.

async function viewerBlocks(convert: Converter, bytes: Uint8Array, fileName: string) {
  const run = convert({ bytes, fileName, limits: defaultLimits, onProgress: () => undefined });
  const pages = [];
  for (let step = await run.next(); !step.done; step = await run.next()) pages.push(placeBlocks(step.value));
  return pages.map((page) => toBlocks(page.text, null));
}

describe('viewer text of generated documents', () => {
  it('shows a workbook sheet as a table of its cells', async () => {
    const rows = [
      ['Station', 'Rainfall (mm)', 'Note'],
      ['North | ridge', '41', 'gauge moved'],
      ['South', '38', ''],
    ];
    const [sheet] = await viewerBlocks(convertXlsx, makeXlsx([{ name: 'Rain', rows }]), 'rain.xlsx');
    const tables = sheet!.filter((b) => b.table);
    expect(tables).toHaveLength(1);
    expect(tables[0]!.table).toMatchObject({ header: rows[0], rows: rows.slice(1) });
    expect(sheet!.some((b) => !b.table && b.text.includes('|'))).toBe(false);
  });

  it('shows a CSV file as a table, repeated header and all, however many blocks it takes', async () => {
    const lines = ['id,name', ...Array.from({ length: 60 }, (_, i) => `${i + 1},item ${i + 1}`)];
    const [page] = await viewerBlocks(convertCsv, new TextEncoder().encode(lines.join('\n')), 'items.csv');
    const tables = page!.filter((b) => b.table);
    expect(tables.length).toBeGreaterThan(1);
    expect(tables.every((b) => b.table!.header.join() === 'id,name')).toBe(true);
    expect(tables.flatMap((b) => b.table!.rows).map((row) => row[1])).toEqual(Array.from({ length: 60 }, (_, i) => `item ${i + 1}`));
  });
});
