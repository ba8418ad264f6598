import { useEffect, useRef, useState } from 'react';
import { getDocument, GlobalWorkerOptions, TextLayer, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
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

/** One PDF page drawn by pdf.js with its text layer; spans of the cited passage are highlighted. */
export function PdfPage({ documentId, page, passage, width, onPageCount }: { documentId: number; page: number; passage: string | null; width: number; onPageCount(n: number): void }) {
  const t = useT();
  const canvas = useRef<HTMLCanvasElement>(null);
  const textLayer = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ loading: boolean; error: string | null }>({ loading: true, error: null });

  useEffect(() => {
    let cancelled = false;
    let layer: TextLayer | null = null;
    setState({ loading: true, error: null });
    (async () => {
      const pdf = await openPdf(documentId);
      if (cancelled) return;
      onPageCount(pdf.numPages);
      const pdfPage = await pdf.getPage(Math.min(Math.max(1, page), pdf.numPages));
      const viewport = pdfPage.getViewport({ scale: width / pdfPage.getViewport({ scale: 1 }).width });
      const ratio = window.devicePixelRatio || 1;
      const target = canvas.current!;
      target.width = Math.floor(viewport.width * ratio);
      target.height = Math.floor(viewport.height * ratio);
      target.style.width = `${viewport.width}px`;
      target.style.height = `${viewport.height}px`;
      await pdfPage.render({ canvas: target, viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] }).promise;
      if (cancelled) return;
      const container = textLayer.current!;
      container.replaceChildren();
      container.style.setProperty('--total-scale-factor', String(viewport.scale));
      layer = new TextLayer({ textContentSource: await pdfPage.getTextContent(), container, viewport });
      await layer.render();
      if (cancelled) return;
      if (passage) highlightSpans(layer.textDivs, layer.textContentItemsStr, passage);
      setState({ loading: false, error: null });
      container.querySelector('.passage-highlight')?.scrollIntoView({ block: 'center' });
    })().catch((error) => !cancelled && setState({ loading: false, error: errorMessage(error) }));
    return () => {
      cancelled = true;
      layer?.cancel();
    };
  }, [documentId, page, passage, width, onPageCount]);

  return (
    <div className="pdf-page" data-testid="pdf-page" data-page={page} data-loaded={!state.loading && !state.error}>
      {state.loading && <p className="viewer-status muted">{t('viewer.loading')}</p>}
      {state.error && (
        <p className="viewer-status error-text" role="alert">
          {state.error}
        </p>
      )}
      <div className="pdf-surface">
        <canvas ref={canvas} />
        <div ref={textLayer} className="textLayer" />
      </div>
    </div>
  );
}

/** Marks every text item that overlaps the passage's range in the page's concatenated text. */
function highlightSpans(divs: HTMLElement[], strings: string[], passage: string): void {
  const starts: number[] = [];
  let text = '';
  for (const s of strings) {
    starts.push(text.length);
    text += `${s} `;
  }
  const range = findPassage(text, passage);
  if (!range) return;
  strings.forEach((s, i) => {
    const start = starts[i];
    const end = start + s.length;
    if (s.trim() && end > range.start && start < range.end) divs[i]?.classList.add('passage-highlight');
  });
}
