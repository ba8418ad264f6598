import { useEffect, useRef, useState } from 'react';
import { useT } from '../../i18n';
import { useChatStore } from '../../stores/chat/store';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { closeMetersDrawer, showView, toggleMeters, toggleMetersDrawer, useUiStore } from '../../stores/ui/store';
import { useActiveDocumentCount } from '../../stores/library/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import { Icon } from '../layout/icons';
import { COMPACT_WINDOW, useMediaQuery } from '../layout/useMediaQuery';
import { MetersPanel } from '../meters/MetersPanel';
import { Composer } from './Composer';
import { MessageView } from './MessageView';
import './chat.css';

export function ChatView() {
  const t = useT();
  // The viewer takes the meters' place while open: the chat keeps a readable width at 1280 px.
  const compact = useMediaQuery(COMPACT_WINDOW);
  const columnOpen = useUiStore((s) => s.metersOpen && s.viewerSource === null);
  const drawerOpen = useUiStore((s) => s.metersDrawerOpen);
  const metersOpen = compact ? drawerOpen : columnOpen;
  const threadId = useChatStore((s) => s.threadId);
  const threadTitle = useWorkspaceStore((s) => s.threads.find((th) => th.id === threadId)?.title);
  return (
    <div className={`chat-layout ${metersOpen && !compact ? 'with-meters' : ''}`}>
      <section className="chat" aria-label={t('nav.chat')}>
        <header className="view-header">
          <h1 className="chat-title">{threadTitle ?? t('threads.new')}</h1>
          <div className="header-controls">
            <ModeSwitch />
            <ProviderSwitch />
            <button className="button icon-button ghost" aria-label={t('meters.toggle')} aria-pressed={metersOpen} title={t('meters.title')} onClick={compact ? toggleMetersDrawer : toggleMeters} data-testid="toggle-meters">
              <Icon name="meters" />
            </button>
          </div>
        </header>
        <MessageList />
        <AnswerStatus />
        <Composer />
      </section>
      {metersOpen && !compact && <MetersPanel />}
      {metersOpen && compact && (
        <>
          <div className="drawer-backdrop" onClick={closeMetersDrawer} />
          <MetersPanel drawer onClose={closeMetersDrawer} />
        </>
      )}
    </div>
  );
}

function MessageList() {
  const t = useT();
  const ids = useChatStore((s) => s.messageIds);
  const documentCount = useActiveDocumentCount();
  const scroller = useRef<HTMLDivElement>(null);
  // Follow the stream while the reader is at the bottom; leave them be once they scroll up.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    let pinned = true;
    const onScroll = () => (pinned = element.scrollHeight - element.scrollTop - element.clientHeight < 80);
    const observer = new MutationObserver(() => pinned && (element.scrollTop = element.scrollHeight));
    element.addEventListener('scroll', onScroll);
    observer.observe(element, { childList: true, subtree: true, characterData: true });
    return () => {
      element.removeEventListener('scroll', onScroll);
      observer.disconnect();
    };
  }, []);
  return (
    <div className="messages" ref={scroller} role="region" aria-label={t('chat.messages')}>
      {ids.length === 0 ? (
        <div className="chat-empty">
          <h2>{t('chat.emptyTitle')}</h2>
          <p className="muted">{t('chat.emptyBody')}</p>
          {documentCount === 0 && (
            <>
              <p className="muted">{t('chat.noDocuments')}</p>
              <button className="button primary" onClick={() => showView('library')}>
                {t('chat.addDocuments')}
              </button>
            </>
          )}
        </div>
      ) : (
        <div className="message-column">
          {ids.map((id) => (
            <MessageView key={id} id={id} />
          ))}
        </div>
      )}
    </div>
  );
}

/** Tells screen readers once that an answer ended, instead of reading every streamed token. */
function AnswerStatus() {
  const t = useT();
  const streamingId = useChatStore((s) => s.streamingId);
  const [announcement, setAnnouncement] = useState('');
  const last = useRef<number | null>(null);
  useEffect(() => {
    const ended = last.current;
    last.current = streamingId;
    if (streamingId !== null) return setAnnouncement('');
    if (ended === null) return;
    const status = useChatStore.getState().messages[ended]?.status;
    setAnnouncement(status === 'complete' ? t('chat.answerComplete') : status === 'cancelled' ? t('chat.cancelled') : status === 'error' ? t('chat.answerFailed') : '');
  }, [streamingId, t]);
  return (
    <p className="visually-hidden" role="status" data-testid="answer-status">
      {announcement}
    </p>
  );
}

export function ProviderSwitch() {
  const t = useT();
  const provider = useSettingsStore((s) => s.settings?.provider ?? 'lpu');
  // "Server" is offered once one is added; it is named after the active one.
  const server = useSettingsStore((s) => s.settings?.openAiServers.find((x) => x.id === s.settings?.openAiServerId) ?? s.settings?.openAiServers[0]);
  const ids = server ? (['lpu', 'groq', 'openai'] as const) : (['lpu', 'groq'] as const);
  const name = (id: (typeof ids)[number]) => (id === 'lpu' ? t('provider.lpu') : id === 'groq' ? t('provider.groq') : (server?.name ?? t('provider.openai')));
  return (
    <div className="segmented" role="radiogroup" aria-label={t('provider.label')}>
      {ids.map((id) => (
        <button key={id} type="button" role="radio" aria-checked={provider === id} title={name(id)} onClick={() => void updateSettings({ provider: id })} data-testid={`provider-${id}`}>
          <Icon name={id === 'lpu' ? 'bolt' : id === 'groq' ? 'cloud' : 'server'} size={14} /> <span className="provider-label">{name(id)}</span>
        </button>
      ))}
    </div>
  );
}

function ModeSwitch() {
  const t = useT();
  const mode = useSettingsStore((s) => s.settings?.answerMode ?? 'documents');
  return (
    <label className="mode-switch">
      <span className="visually-hidden">{t('chat.mode')}</span>
      <select value={mode} onChange={(e) => void updateSettings({ answerMode: e.target.value as 'documents' | 'chat' })} aria-label={t('chat.mode')}>
        <option value="documents">{t('chat.mode.documents')}</option>
        <option value="chat">{t('chat.mode.chat')}</option>
      </select>
    </label>
  );
}
