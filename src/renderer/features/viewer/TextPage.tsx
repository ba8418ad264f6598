import { useEffect, useMemo, useRef, useState } from 'react';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { useT } from '../../i18n';
import { toBlocks, type Block, type TableRows } from './pageBlocks';

type PageText = { number: number; label: string | null; text: string };

/** Converted text of one page, slide or sheet, with the cited chunk marked and its headings as anchors. */
export function TextPage({ documentId, page, passage, onPageCount }: { documentId: number; page: number; passage: string | null; onPageCount(n: number): void }) {
  const t = useT();
  const [loaded, setLoaded] = useState<{ page: PageText | null; error: string | null } | null>(null);
  const body = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let cancelled = false;
    setLoaded(null);
    client.library.pages({ documentId, from: page, to: page }).then(
      (result) => {
        if (cancelled) return;
        if (result.pageCount) onPageCount(result.pageCount);
        setLoaded({ page: result.pages[0] ?? null, error: null });
      },
      (error) => !cancelled && setLoaded({ page: null, error: errorMessage(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [documentId, page, onPageCount]);

  const blocks = useMemo(() => (loaded?.page ? toBlocks(loaded.page.text, passage) : []), [loaded, passage]);
  useEffect(() => {
    body.current?.querySelector('mark')?.scrollIntoView({ block: 'center' });
  }, [blocks]);

  if (!loaded) return <p className="viewer-status muted">{t('viewer.loading')}</p>;
  if (loaded.error)
    return (
      <p className="viewer-status error-text" role="alert">
        {loaded.error}
      </p>
    );
  const headings = blocks.filter((b) => b.heading);
  return (
    <div className="text-page" data-testid="text-page" data-page={page}>
      {headings.length > 1 && (
        <nav className="page-outline" aria-label={t('viewer.outline')}>
          <h3>{t('viewer.outline')}</h3>
          {headings.map((h) => (
            <a key={h.id} href={`#${h.id}`} onClick={(e) => (e.preventDefault(), document.getElementById(h.id)?.scrollIntoView({ block: 'start' }))}>
              {h.text}
            </a>
          ))}
        </nav>
      )}
      <div ref={body} className="page-text">
        {blocks.map((block) =>
          block.table ? (
            <PageTable key={block.id} table={block.table} />
          ) : block.heading ? (
            <h3 key={block.id} id={block.id}>
              <Marked block={block} />
            </h3>
          ) : (
            <p key={block.id}>
              <Marked block={block} />
            </p>
          ),
        )}
      </div>
    </div>
  );
}

/** A table the converter gave cells for, shown as one: the rows inside the cited passage are highlighted. */
function PageTable({ table }: { table: TableRows }) {
  const cell = (text: string, row: number) => (table.marked.includes(row) ? <mark className="passage-highlight">{text}</mark> : text);
  return (
    <div className="page-table">
      <table>
        <thead>
          <tr>
            {table.header.map((text, i) => (
              <th key={i}>{cell(text, 0)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {row.map((text, i) => (
                <td key={i}>{cell(text, r + 1)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Marked({ block }: { block: Block }) {
  if (!block.mark) return <>{block.text}</>;
  const [from, to] = block.mark;
  return (
    <>
      {block.text.slice(0, from)}
      <mark className="passage-highlight">{block.text.slice(from, to)}</mark>
      {block.text.slice(to)}
    </>
  );
}
