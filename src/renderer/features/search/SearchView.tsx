import { useEffect, useState } from 'react';
import type { ConversationHit } from '../../../shared/contract/chat';
import { useT } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { openThread } from '../../stores/chat/store';
import { showMessage } from '../../stores/ui/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import './search.css';

/** Ctrl+Shift+F: thread titles and messages of this workspace; a hit opens its thread at the message. */
export function SearchView() {
  const t = useT();
  const workspaceId = useWorkspaceStore((s) => s.activeWorkspaceId);
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; hits: ConversationHit[]; error: string | null } | null>(null);

  useEffect(() => {
    const needle = query.trim();
    if (!needle) return setResult(null);
    let current = true;
    // Typing fast sends one search once the user pauses, not one per key.
    const timer = setTimeout(() => {
      client.threads.search({ query: needle, workspaceId: workspaceId ?? undefined }).then(
        (hits) => current && setResult({ query: needle, hits, error: null }),
        (error) => current && setResult({ query: needle, hits: [], error: errorMessage(error) }),
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
      </div>
    </div>
  );
}
