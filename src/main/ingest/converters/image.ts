import type { Converter } from '../document';
import { ocrBlocks, ocrFacts, ocrReadable } from '../ocr/page-ocr';

// A PNG, JPEG or TIFF file is one scanned page: tesseract reads the image as it is (the first frame of a TIFF).

export const convertImage: Converter = async function* (input) {
  input.onProgress(0, 1);
  if (!input.ocr) return { title: null, pageCount: 1, pagesWithoutText: [1], garbledPages: [], unreadableOcrPages: [] };
  const scan = await input.ocr.recognize(input.bytes);
  input.onProgress(1, 1);
  if (!ocrReadable(scan)) return { title: null, pageCount: 1, pagesWithoutText: [1], garbledPages: [], unreadableOcrPages: [{ number: 1, confidence: scan.confidence }] };
  yield { number: 1, label: null, blocks: ocrBlocks(scan, []), ocr: ocrFacts(scan, scan.width, scan.height) };
  return { title: null, pageCount: 1, pagesWithoutText: [], garbledPages: [], unreadableOcrPages: [] };
};
