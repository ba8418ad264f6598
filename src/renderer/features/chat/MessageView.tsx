import { memo, useEffect, useRef, useState } from 'react';
import { useLanguage, useT } from '../../i18n';
import { askQuestion, canRetry, regenerateAnswer, retryAnswer, useChatStore } from '../../stores/chat/store';
import { visibleNotices } from '../../stores/chat/selectors';
import { openSettings, useUiStore } from '../../stores/ui/store';
import type { ChatMessage, Notice } from '../../stores/chat/reducer';
import { Icon } from '../layout/icons';
import { AnswerMarkdown } from './AnswerMarkdown';
import { noticeText } from './noticeText';
import { CachedTag, ServedChannel } from './ServedTag';
import { SourcesList } from './SourcesList';
import { ThinkingSection } from './ThinkingSection';

/** One message; subscribes to its own entry so streaming re-renders only this message. */
export const MessageView = memo(function MessageView({ id }: { id: number }) {
  const message = useChatStore((s) => s.messages[id]);
  // A search hit brings its message into view and marks it.
  const shown = useUiStore((s) => s.shownMessageId === id);
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (shown) element.current?.scrollIntoView({ block: 'center' });
  }, [shown]);
  if (!message) return null;
  return (
    <div ref={element} className={shown ? 'shown-message' : undefined} data-message-id={id} data-shown={shown}>
      {message.role === 'user' ? <UserMessage message={message} /> : <AssistantMessage message={message} />}
    </div>
  );
});

function UserMessage({ message }: { message: ChatMessage }) {
  const t = useT();
  return (
    <article className="message user" aria-label={t('chat.you')} data-testid="user-message">
      <div className="bubble">{message.content}</div>
    </article>
  );
}

function AssistantMessage({ message }: { message: ChatMessage }) {
  const t = useT();
  const busy = useChatStore((s) => s.streamingId !== null);
  const streaming = message.status === 'streaming';
  // Joined to a string so the selector's result compares by value and the message re-renders only when it changes.
  const isLatest = useChatStore((s) => s.messageIds.at(-1) === message.id);
  const shownKinds = useChatStore((s) => visibleNotices(s.messageIds, s.messages, message.id).map((n) => n.kind).join(' '));
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(message.content);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <article className="message assistant" aria-label={t('chat.assistant')} aria-busy={streaming} data-testid="assistant-message" data-status={message.status}>
      <header className="message-meta">
        <span className="assistant-name">{t('chat.assistant')}</span>
        {message.provider && <ProviderTag provider={message.provider} model={message.model} />}
        <CachedTag served={message.served} />
      </header>
      {!streaming && <ServedChannel served={message.served} />}
      {message.notices.filter((notice) => shownKinds.split(' ').includes(notice.kind)).map((notice) => (
        <p key={notice.kind} className="notice" data-kind={notice.kind} data-reason={notice.reason} role="status">
          <NoticeText notice={notice} />
          {(notice.kind === 'extractive' || notice.kind === 'keyword_only') && (
            <button className="notice-action" onClick={() => openSettings('models')}>
              {t('chat.openModels')}
            </button>
          )}
          {notice.kind === 'length_limit' && isLatest && !streaming && (
            <button className="notice-action" onClick={() => askQuestion(t('chat.continuePrompt'))} disabled={busy} data-testid="continue-answer">
              {t('chat.continue')}
            </button>
          )}
        </p>
      ))}
      {message.thinking && <ThinkingSection thinking={message.thinking} live={streaming && !message.content} />}
      {streaming && !message.content && !message.thinking && (
        <p className="thinking muted">
          <span className="spinner" /> {t('chat.thinking')}
        </p>
      )}
      {message.content && <AnswerMarkdown content={message.content} sources={message.sources} />}
      {streaming && message.content && <span className="caret" aria-hidden="true" />}
      {message.status === 'cancelled' && <p className="faint">{t('chat.cancelled')}</p>}
      {message.status === 'error' && message.error && (
        <div className="answer-error">
          <p className="error-text" role="alert">
            {message.error}
          </p>
          <div className="answer-error-actions">
            {canRetry(message) && (
              <button className="button small" onClick={() => retryAnswer(message.id)} disabled={busy} data-testid="retry">
                <Icon name="refresh" size={14} />
                {t('chat.retry')}
              </button>
            )}
            {(message.errorCode?.startsWith('groq_') || message.errorCode?.startsWith('openai_')) && (
              <button className="button small" onClick={() => openSettings('answers')}>
                {t('chat.openProviders')}
              </button>
            )}
          </div>
        </div>
      )}
      {message.uncited && message.status === 'complete' && <p className="notice warn">{t('chat.uncited')}</p>}
      {message.sources.length > 0 && <SourcesList sources={message.sources} />}
      {!streaming && (
        <div className="message-actions">
          <button className="button small ghost" onClick={() => void copy()} disabled={!message.content}>
            <Icon name="copy" size={14} />
            {copied ? t('chat.copied') : t('chat.copy')}
          </button>
          {message.id > 0 && (
            <button className="button small ghost" onClick={() => regenerateAnswer(message.id)} disabled={busy} data-testid="regenerate">
              <Icon name="refresh" size={14} />
              {t('chat.regenerate')}
            </button>
          )}
        </div>
      )}
    </article>
  );
}

function ProviderTag({ provider, model }: { provider: string; model: string | null }) {
  const t = useT();
  const name = provider === 'lpu' ? t('provider.lpu') : provider === 'groq' ? t('provider.groq') : provider === 'openai' ? t('provider.openai') : t('chat.provider.extractive');
  return (
    <span className={`pill ${provider === 'extractive' ? '' : 'accent'}`} title={model ?? undefined}>
      {name}
      {model && provider !== 'extractive' ? ` · ${model.split('/').pop()}` : ''}
    </span>
  );
}

function NoticeText({ notice }: { notice: Notice }) {
  const t = useT();
  const language = useLanguage();
  return noticeText(notice, language, t);
}
