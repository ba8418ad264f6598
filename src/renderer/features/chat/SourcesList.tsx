import { useState } from 'react';
import type { AnswerSource } from '../../../shared/contract/chat';
import { useT } from '../../i18n';
import { openSource } from '../../stores/ui/store';
import { userFacingPath } from '../../../shared/file-names';
import { pageLabel } from './pageLabel';

/** The numbered passages the answer was given: document, page and the passage itself; click opens the viewer. */
export function SourcesList({ sources }: { sources: AnswerSource[] }) {
  const t = useT();
  const [open, setOpen] = useState(true);
  // Long lists start with the cited sources; the rest are one click away.
  const cited = sources.filter((s) => s.cited);
  const [showAll, setShowAll] = useState(false);
  const collapsible = sources.length > 3 && cited.length < sources.length;
  const shown = showAll || !collapsible ? sources : cited.length ? cited : sources.slice(0, 3);
  return (
    <section className="sources">
      <button className="sources-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t('chat.sources')} <span className="faint">· {sources.length}</span>
      </button>
      {open && (
        <ol className="source-list">
          {shown.map((source) => (
            <li key={source.ordinal}>
              <button className="source" onClick={(event) => openSource(source, event.currentTarget)} data-testid="source" data-cited={source.cited}>
                <span className="source-ordinal">{source.ordinal}</span>
                <span className="source-body">
                  <span className="source-title">
                    <span className="source-document" title={`${source.documentTitle} — ${userFacingPath(source.documentPath)}`}>
                      {source.documentTitle}
                    </span>
                    <span className="source-page faint">· {pageLabel(source, t)}</span>
                    {source.ocr && (
                      <span className="pill" title={t('library.ocr.title')} data-testid="source-ocr">
                        {t('library.ocr')}
                      </span>
                    )}
                    {source.cited && <span className="pill ok">{t('chat.cited')}</span>}
                  </span>
                  <span className="source-passage">{source.passage}</span>
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {open && collapsible && (
        <button className="button small ghost more-sources" onClick={() => setShowAll(!showAll)}>
          {showAll ? t('chat.showCitedSources') : t('chat.showAllSources', { n: sources.length })}
        </button>
      )}
    </section>
  );
}
