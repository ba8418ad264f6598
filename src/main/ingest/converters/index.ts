import type { Converter, DocumentFormat } from '../document';
import { convertCsv } from './csv';
import { convertDocx } from './docx';
import { convertEpub } from './epub';
import { convertHtml } from './html';
import { convertImage } from './image';
import { convertMarkdown } from './markdown';
import { convertPdf } from './pdf';
import { convertPptx } from './pptx';
import { convertText } from './text';
import { convertXlsx } from './xlsx';

/** One converter per format, all behind the same streaming interface. */
export const converters: Record<DocumentFormat, Converter> = {
  pdf: convertPdf,
  docx: convertDocx,
  pptx: convertPptx,
  xlsx: convertXlsx,
  csv: convertCsv,
  epub: convertEpub,
  html: convertHtml,
  markdown: convertMarkdown,
  text: convertText,
  image: convertImage,
};
