import { createRequire } from 'node:module';
import path from 'node:path';
import { problems } from '../outcome';
import { buildFragments, type LineFragment, type TextItem } from './pdf-layout';

// Opening a PDF and reading one page's text as line fragments: shared by the converter and its page-extraction threads.

export type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
export type PdfDocument = Awaited<ReturnType<PdfJs['getDocument']>['promise']>;

let pdfjsModule: Promise<PdfJs> | undefined;
export const loadPdfJs = () => (pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs'));

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** One page's text, laid out into fragments; plain data, so it crosses threads by structured clone. */
export interface ExtractedPage {
  number: number;
  width: number;
  height: number;
  fragments: LineFragment[];
}

export async function openPdf(pdfjs: PdfJs, bytes: Uint8Array, password: string | undefined): Promise<PdfDocument> {
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes), // a copy: pdfjs transfers the buffer it is given and refuses Node Buffers
    password,
    cMapUrl: path.join(pdfjsRoot, 'cmaps') + path.sep,
    cMapPacked: true,
    standardFontDataUrl: path.join(pdfjsRoot, 'standard_fonts') + path.sep,
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    return await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    const name = (error as Error)?.name;
    if (name === 'PasswordException') {
      const code = (error as { code?: number }).code;
      throw code === pdfjs.PasswordResponses.INCORRECT_PASSWORD && password ? problems.wrongPassword('PDF') : problems.passwordRequired('PDF');
    }
    if (name === 'InvalidPDFException') throw problems.corruptPdf('its structure is invalid', error);
    throw problems.corruptPdf('it cannot be opened', error);
  }
}

function toItems(content: { items: unknown[] }): TextItem[] {
  const items: TextItem[] = [];
  for (const raw of content.items) {
    const item = raw as { str?: string; transform?: number[]; width?: number; height?: number; hasEOL?: boolean };
    if (typeof item.str !== 'string' || !item.transform) continue;
    const [a, b, , , x, y] = item.transform;
    if (Math.abs(b) > Math.abs(a)) continue; // sideways margin text (arXiv stamps, rotated labels) is not part of the flow
    items.push({ str: item.str, x, y, width: item.width ?? 0, size: item.height || Math.hypot(a, b), hasEOL: item.hasEOL ?? false });
  }
  return items;
}

/** Reads one page's text layer; the page's objects are released before returning. */
export async function extractPage(doc: PdfDocument, number: number): Promise<ExtractedPage> {
  const page = await doc.getPage(number);
  try {
    const [, , width, height] = page.view;
    const content = await page.getTextContent();
    return { number, width, height, fragments: buildFragments(toItems(content)) };
  } finally {
    page.cleanup();
  }
}
