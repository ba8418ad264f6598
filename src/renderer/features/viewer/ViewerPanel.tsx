import { useCallback, useEffect, useRef, useState } from 'react';
import { useT } from '../../i18n';
import { useLibraryStore } from '../../stores/library/store';
import { closeViewer, returnFocusToOpener, useUiStore } from '../../stores/ui/store';
import { userFacingPath } from '../../../shared/file-names';
import { pageLabel } from '../chat/pageLabel';
import { Icon } from '../layout/icons';
import { PdfPage } from './PdfPage';
import { TextPage } from './TextPage';
import './viewer.css';

/** Opens a citation: the PDF page itself, or the converted page text for other formats, at the cited page. */
export function ViewerPanel() {
  const t = useT();
  const source = useUiStore((s) => s.viewerSource)!;
  const documentType = useLibraryStore((s) => (source.documentId === null ? null : (s.documents[source.documentId]?.type ?? null)));
  const [page, setPage] = useState(source.pageStart);
  const [pageCount, setPageCount] = useState<number | null>(null);
  const [width, setWidth] = useState(0);
  const body = useRef<HTMLDivElement>(null);
  const isPdf = (documentType ?? source.documentPath.split('.').pop() ?? '').toLowerCase() === 'pdf';

  useEffect(() => {
    setPage(source.pageStart);
    setPageCount(null);
  }, [source]);
  useEffect(() => {
    const element = body.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(200, Math.floor(element.clientWidth - 32))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => returnFocusToOpener, []);
  const onPageCount = useCallback((n: number) => setPageCount(n), []);
  const passage = page >= source.pageStart && page <= source.pageEnd ? source.passage : null;

  return (
    <aside className="viewer" aria-label={t('viewer.title')} data-testid="viewer">
      <header className="viewer-header">
        <div className="viewer-title">
          <span className="source-ordinal">{source.ordinal}</span>
          <div>
            <h2 title={userFacingPath(source.documentPath)}>{source.documentTitle}</h2>
            <p className="faint">{pageLabel(source, t)}</p>
          </div>
        </div>
        <button className="button icon-button ghost" aria-label={t('viewer.close')} onClick={closeViewer}>
          <Icon name="close" />
        </button>
      </header>
      {source.documentId !== null && (
        <div className="viewer-pager">
          <button className="button small ghost icon-button" aria-label={t('viewer.previous')} disabled={page <= 1} onClick={() => setPage(page - 1)}>
            <Icon name="chevronLeft" size={14} />
          </button>
          <span data-testid="viewer-page">
            {t('viewer.page', { page })} {pageCount !== null && <span className="faint">{t('viewer.of', { n: pageCount })}</span>}
          </span>
          <button className="button small ghost icon-button" aria-label={t('viewer.next')} disabled={pageCount !== null && page >= pageCount} onClick={() => setPage(page + 1)}>
            <Icon name="chevronRight" size={14} />
          </button>
        </div>
      )}
      <div className="viewer-body" ref={body}>
        {source.documentId === null ? (
          <p className="viewer-status muted">{t('viewer.removed')}</p>
        ) : isPdf ? (
          width > 0 && <PdfPage documentId={source.documentId} page={page} passage={passage} width={width} onPageCount={onPageCount} />
        ) : (
          <TextPage documentId={source.documentId} page={page} passage={passage} onPageCount={onPageCount} />
        )}
      </div>
      <section className="viewer-passage">
        <h3>{t('viewer.passage')}</h3>
        <blockquote>{source.passage}</blockquote>
      </section>
    </aside>
  );
}
