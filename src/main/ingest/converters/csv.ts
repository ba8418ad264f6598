import Papa from 'papaparse';
import type { Converter } from '../document';
import { problems } from '../outcome';
import { decodeText } from '../../text/decode';
import { rowsToTableBlocks } from './table';

// CSV/TSV: papaparse detects the delimiter; the first row is the header.

export const convertCsv: Converter = async function* (input) {
  input.onProgress(0, 1);
  const parsed = Papa.parse<string[]>(decodeText(input.bytes).text, { skipEmptyLines: 'greedy' });
  if (parsed.data.length === 0 && parsed.errors.length) throw problems.corruptDocument('CSV file', 'its rows cannot be read');
  const blocks = rowsToTableBlocks(parsed.data, []);
  input.onProgress(1, 1);
  yield { number: 1, label: null, blocks };
  return { title: null, pageCount: 1, pagesWithoutText: [], garbledPages: [] };
};
