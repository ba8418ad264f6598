import { useEffect, useRef, useState } from 'react';
import { getDocument, GlobalWorkerOptions, TextLayer, type PDFDocumentProxy, type RenderTask } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import type { PageOcr } from '../../../shared/contract/library';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { useT } from '../../i18n';
import { findPassage } from './findPassage';

GlobalWorkerOptions.workerSrc = workerUrl;

// The last opened PDF stays loaded so paging through it or clicking its other citations is instant.
let cached: { documentId: number; pdf: Promise<PDFDocumentProxy> } | null = null;

function openPdf(documentId: number): Promise<PDFDocumentProxy> {
  if (cached?.documentId === documentId) return cached.pdf;
  void cached?.pdf.then((pdf) => pdf.destroy()).catch(() => undefined);
  const pdf = client.library.original({ documentId }).then(({ bytesBase64 }) => {
    const bytes = Uint8Array.from(atob(bytesBase64), (c) => c.charCodeAt(0));
    return getDocument({ data: bytes, isEvalSupported: false }).promise;
  });
  cached = { documentId, pdf };
  pdf.catch(() => (cached = null));
  return pdf;
}

/**
 * One PDF page drawn by pdf.js with its text layer; spans of the cited passage are highlighted.
 * Each render draws into a fresh canvas and text layer off-screen and swaps them in when complete, and a newer page,
 * passage or width cancels the older render: two renders never share a canvas, so quick clicks cannot leave it blank.
 */
export function PdfPage({ documentId, page, passage, width, onPageCount }: { documentId: number; page: number; passage: string | null; width: number; onPageCount(n: number): void }) {
  const t = useT();
  const surface = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ loading: boolean; error: string | null; highlighted: number }>({ loading: true, error: null, highlighted: 0 });

  useEffect(() => {
    let cancelled = false;
    let task: RenderTask | null = null;
    let layer: TextLayer | null = null;
    setState((s) => ({ ...s, loading: true, error: null }));
    (async () => {
      const pdf = await openPdf(documentId);
      if (cancelled) return;
      onPageCount(pdf.numPages);
      const pdfPage = await pdf.getPage(Math.min(Math.max(1, page), pdf.numPages));
      if (cancelled) return;
      const viewport = pdfPage.getViewport({ scale: width / pdfPage.getViewport({ scale: 1 }).width });
      const ratio = window.devicePixelRatio || 1;
      const canvas = document.createElement('canvas');
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.style.width = `${viewport.width}px`;
      canvas.style.height = `${viewport.height}px`;
      canvas.dataset.testid = 'pdf-canvas';
      task = pdfPage.render({ canvas, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] });
      await task.promise;
      if (cancelled) return;
      const textContentSource = await pdfPage.getTextContent();
      if (cancelled) return;
      const container = document.createElement('div');
      container.className = 'textLayer';
      container.style.setProperty('--total-scale-factor', String(viewport.scale));
      layer = new TextLayer({ textContentSource, container, viewport });
      await layer.render();
      if (cancelled) return;
      let highlighted = passage ? highlightSpans(layer.textDivs, layer.textContentItemsStr, passage) : 0;
      // A scanned page has no text layer: its OCR word boxes mark the cited words instead.
      if (passage && textContentSource.items.length === 0) {
        const { pages } = await client.library.pages({ documentId, from: pdfPage.pageNumber, to: pdfPage.pageNumber });
        if (cancelled) return;
        highlighted = highlightOcrWords(container, pages[0]?.ocr?.words ?? [], passage);
      }
      surface.current!.replaceChildren(canvas, container);
      setState({ loading: false, error: null, highlighted });
      container.querySelector('.passage-highlight')?.scrollIntoView({ block: 'center' });
    })().catch((error) => !cancelled && setState({ loading: false, error: errorMessage(error), highlighted: 0 }));
    return () => {
      cancelled = true;
      task?.cancel();
      layer?.cancel();
    };
  }, [documentId, page, passage, width, onPageCount]);

  return (
    <div className="pdf-page" data-testid="pdf-page" data-page={page} data-loaded={!state.loading && !state.error} data-highlighted={state.highlighted}>
      {state.loading && <p className="viewer-status muted">{t('viewer.loading')}</p>}
      {state.error && (
        <p className="viewer-status error-text" role="alert">
          {state.error}
        </p>
      )}
      <div className="pdf-surface" ref={surface} />
    </div>
  );
}

/** Indexes of the strings (joined by spaces) that overlap the passage's range. */
function overlapping(strings: string[], passage: string): number[] {
  const starts: number[] = [];
  let text = '';
  for (const s of strings) {
    starts.push(text.length);
    text += `${s} `;
  }
  const range = findPassage(text, passage);
  if (!range) return [];
  return strings.flatMap((s, i) => (s.trim() && starts[i] + s.length > range.start && starts[i] < range.end ? [i] : []));
}

/** Marks every text item that overlaps the passage's range in the page's concatenated text. */
function highlightSpans(divs: HTMLElement[], strings: string[], passage: string): number {
  const marked = overlapping(strings, passage).filter((i) => divs[i]);
  for (const i of marked) divs[i].classList.add('passage-highlight');
  return marked.length;
}

/** Draws a highlight over each OCR word of the passage; boxes are fractions of the page, so they fit any zoom. */
function highlightOcrWords(container: HTMLElement, words: PageOcr['words'], passage: string): number {
  const marked = overlapping(words.map((w) => w.text), passage);
  for (const i of marked) {
    const [left, top, right, bottom] = words[i].box;
    const mark = document.createElement('div');
    mark.className = 'passage-highlight ocr-word';
    Object.assign(mark.style, { left: `${left * 100}%`, top: `${top * 100}%`, width: `${(right - left) * 100}%`, height: `${(bottom - top) * 100}%` });
    container.append(mark);
  }
  return marked.length;
}
