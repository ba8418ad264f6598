import { useEffect, useState } from 'react';
import type { AnswerSource, ConversationHit } from '../../../shared/contract/chat';
import { hitLocation, type SearchHit } from '../../../shared/contract/search';
import { fileName } from '../../../shared/file-names';
import { useT } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { openThread } from '../../stores/chat/store';
import { openSource, showMessage, showView } from '../../stores/ui/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import './search.css';

/** Opens a document hit in the viewer beside the chat, with the passage highlighted. */
function openPassage(hit: SearchHit, ordinal: number): void {
  const source: AnswerSource = {
    ordinal,
    ...hitLocation(hit),
    passage: hit.text,
    cited: false,
  };
  showView('chat');
  openSource(source);
}

/** Where the passage sits: its contextual header (filing, period, statement) and its headings, each once. */
function passageContext(hit: SearchHit): string {
  const parts = [hit.context, hit.headingPath].map((part) => part.trim()).filter(Boolean);
  return [...new Set(parts)].join(' · ');
}

/** Ctrl+Shift+F: thread titles and messages of this workspace; a hit opens its thread at the message. */
export function SearchView() {
  const t = useT();
  const workspaceId = useWorkspaceStore((s) => s.activeWorkspaceId);
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; hits: ConversationHit[]; passages: SearchHit[]; error: string | null } | null>(null);

  useEffect(() => {
    const needle = query.trim();
    if (!needle) return setResult(null);
    let current = true;
    // Typing fast sends one search once the user pauses, not one per key.
    const timer = setTimeout(() => {
      const scope = workspaceId ?? undefined;
      // Conversations and documents side by side; a document search that fails still shows the conversations.
      Promise.all([client.threads.search({ query: needle, workspaceId: scope }), client.search.query({ query: needle, k: 8, workspaceId: scope }).then((r) => r.hits, () => [])]).then(
        ([hits, passages]) => current && setResult({ query: needle, hits, passages, error: null }),
        (error) => current && setResult({ query: needle, hits: [], passages: [], error: errorMessage(error) }),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, workspaceId]);

  const open = async (hit: ConversationHit) => {
    await openThread(hit.threadId);
    showMessage(hit.messageId);
  };

  return (
    <div className="page search-view">
      <div className="page-inner">
        <header className="page-header">
          <div className="titles">
            <h1>{t('search.title')}</h1>
            <p className="muted">{t('search.subtitle')}</p>
          </div>
        </header>
        <input id="search-input" type="search" autoFocus value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('search.placeholder')} aria-label={t('search.title')} data-testid="search-input" />
        {result?.error && (
          <p className="error-text" role="alert">
            {result.error}
          </p>
        )}
        {result && !result.error && <h2 className="search-section">{t('search.conversations')}</h2>}
        {result && !result.error && result.hits.length === 0 && <p className="muted">{t('search.empty', { query: result.query })}</p>}
        {result && result.hits.length > 0 && (
          <ol className="search-hits" aria-label={t('search.results', { n: result.hits.length })} data-testid="search-hits">
            {result.hits.map((hit) => (
              <li key={`${hit.threadId}-${hit.messageId ?? 'title'}`}>
                <button className="search-hit card" onClick={() => void open(hit)} data-testid="search-hit" data-message-id={hit.messageId ?? undefined}>
                  <span className="search-hit-thread">{hit.threadTitle}</span>
                  <span className="faint">{hit.messageId === null ? t('search.inTitle') : hit.role === 'user' ? t('chat.you') : t('chat.assistant')}</span>
                  <span className="search-hit-snippet">{hit.snippet}</span>
                </button>
              </li>
            ))}
          </ol>
        )}
        {result && result.passages.length > 0 && (
          <>
            <h2 className="search-section">{t('search.documents')}</h2>
            <ol className="search-hits" data-testid="search-passages">
              {result.passages.map((hit, i) => (
                <li key={hit.chunkId}>
                  <button className="search-hit card" onClick={() => openPassage(hit, i + 1)} data-testid="search-passage">
                    <span className="search-hit-thread">{fileName(hit.document.path)}</span>
                    <span className="faint">{t('search.page', { page: hit.pages.labelStart ?? hit.pages.start })}</span>
                    {passageContext(hit) && (
                      <span className="search-hit-context" data-testid="search-passage-context">
                        {passageContext(hit)}
                      </span>
                    )}
                    <span className="search-hit-snippet">{hit.text.length > 240 ? `${hit.text.slice(0, 240)}…` : hit.text}</span>
                  </button>
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </div>
  );
}
