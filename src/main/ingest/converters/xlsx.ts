import ExcelJS from 'exceljs';
import type { Converter } from '../document';
import { problems } from '../outcome';
import { isMarkupPart, ZipPackage } from '../zip';
import { rowsToTableBlocks } from './table';

// Workbooks through exceljs: each worksheet is one "page" whose heading is the sheet name.

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('text' in value) return String(value.text);
  if ('result' in value) return value.result === undefined ? '' : cellText(value.result as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

export const convertXlsx: Converter = async function* (input) {
  // Limits and damage are found here, part by part and bounded, before exceljs inflates the package again.
  ZipPackage.open(input.bytes, input.limits, 'Excel workbook').verify(isMarkupPart);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(input.bytes) as never);
  } catch (cause) {
    throw problems.corruptDocument('Excel workbook', 'its sheets cannot be read', cause);
  }
  const sheets = workbook.worksheets;
  input.onProgress(0, sheets.length);
  for (const [index, sheet] of sheets.entries()) {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row) => {
      const values: string[] = [];
      row.eachCell({ includeEmpty: true }, (c, column) => (values[column - 1] = cellText(c.value)));
      rows.push(Array.from(values, (v) => v ?? ''));
    });
    const heading = sheet.name;
    yield { number: index + 1, label: heading, blocks: [{ kind: 'heading', text: heading, headingPath: [heading] }, ...rowsToTableBlocks(rows, [heading])] };
    input.onProgress(index + 1, sheets.length);
  }
  return { title: workbook.title || null, pageCount: sheets.length, pagesWithoutText: [], garbledPages: [] };
};
