import { memo, useMemo } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import type { AnswerSource } from '../../../shared/contract/chat';
import { useT } from '../../i18n';
import { linkCitations } from '../../stores/chat/reducer';
import { openSource } from '../../stores/ui/store';
import { pageLabel } from './pageLabel';

const remarkPlugins = [remarkGfm];

/** Answer text as Markdown (GFM tables, code); raw HTML is dropped and [n] becomes a citation chip. */
export const AnswerMarkdown = memo(function AnswerMarkdown({ content, sources }: { content: string; sources: AnswerSource[] }) {
  const t = useT();
  const byOrdinal = useMemo(() => new Map(sources.map((s) => [s.ordinal, s])), [sources]);
  const text = useMemo(() => linkCitations(content, new Set(byOrdinal.keys())), [content, byOrdinal]);
  const components = useMemo<Components>(
    () => ({
      a({ href, children }) {
        const cite = href?.match(/^#cite-(\d+)$/);
        const source = cite ? byOrdinal.get(Number(cite[1])) : undefined;
        if (source) {
          return (
            <button
              type="button"
              className="citation-chip"
              data-testid="citation"
              aria-label={t('chat.openSource', { n: source.ordinal, title: source.documentTitle, page: pageLabel(source, t) })}
              title={`${source.documentTitle} · ${pageLabel(source, t)}`}
              onClick={(event) => openSource(source, event.currentTarget)}
            >
              {source.ordinal}
            </button>
          );
        }
        // Links a model writes are shown, not followed: nothing in an answer navigates the app.
        return (
          <span className="answer-link" title={href}>
            {children}
          </span>
        );
      },
      img({ alt }) {
        return <span className="faint">[{alt}]</span>;
      },
    }),
    [byOrdinal, t],
  );
  return (
    <div className="markdown">
      <Markdown remarkPlugins={remarkPlugins} components={components} skipHtml>
        {text}
      </Markdown>
    </div>
  );
});
