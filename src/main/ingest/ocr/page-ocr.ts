import type { Block, OcrPageFacts } from '../document';
import type { OcrPage } from './pool';

// Tesseract's paragraphs become the page's blocks; word boxes become fractions of the page, so the viewer can
// highlight cited words at any zoom on the rendered scan.

/** Below this mean confidence a page's OCR text is too unreliable to index (the threshold). */
export const MIN_OCR_CONFIDENCE = 60;

/** CJK lines come back with a space between every character; spaces only separate words in other scripts. */
const joinWords = (words: string[]) => words.reduce((text, word) => (text && !(/[\u3000-\u9fff\uff00-\uffef]$/.test(text) && /^[\u3000-\u9fff\uff00-\uffef]/.test(word)) ? `${text} ${word}` : text + word), '');

export function ocrBlocks(page: OcrPage, headingPath: string[]): Block[] {
  return page.paragraphs.map((lines) => ({ kind: 'paragraph', text: lines.map((line) => joinWords(line.words.map((w) => w.text))).join('\n'), headingPath }));
}

/** Facts kept with the page: its confidence and each word with its box as fractions of the image's width and height. */
export function ocrFacts(page: OcrPage, imageWidth: number, imageHeight: number): OcrPageFacts {
  const w = imageWidth || page.width || 1;
  const h = imageHeight || page.height || 1;
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  return {
    confidence: page.confidence,
    words: page.paragraphs.flatMap((lines) => lines.flatMap((line) => line.words)).map((word) => ({
      text: word.text,
      confidence: word.confidence,
      box: [round(word.box[0] / w), round(word.box[1] / h), round(word.box[2] / w), round(word.box[3] / h)],
    })),
  };
}

/** A page counts as read when OCR found text and is at least this sure of it. */
export const ocrReadable = (page: OcrPage) => page.confidence >= MIN_OCR_CONFIDENCE && page.paragraphs.length > 0;
