import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useT } from '../../i18n';
import { askAboutDocuments, askQuestion, stopAnswer, useChatStore } from '../../stores/chat/store';
import { Icon } from '../layout/icons';

export function Composer() {
  const t = useT();
  const [text, setText] = useState('');
  const streaming = useChatStore((s) => s.streamingId !== null);
  const selected = useChatStore((s) => s.documentIds.length);
  const input = useRef<HTMLTextAreaElement>(null);
  // Grow with the text as it wraps, up to 200 px; measured from 'auto' so it also shrinks.
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 200)}px`;
  }, [text]);

  const send = () => {
    const question = text.trim();
    if (!question || streaming) return;
    if (askQuestion(question)) setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {selected > 0 && (
        <div className="composer-scope">
          <span className="pill accent">{t('chat.selectedDocs', { n: selected })}</span>
          <button type="button" className="button small ghost" onClick={() => askAboutDocuments([])}>
            {t('chat.clearSelection')}
          </button>
        </div>
      )}
      <div className="composer-box">
        <textarea
          id="composer-input"
          ref={input}
          autoFocus
          rows={1}
          value={text}
          aria-label={t('chat.inputLabel')}
          placeholder={t('chat.placeholder')}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {streaming ? (
          <button type="button" className="button" onClick={stopAnswer} data-testid="stop" aria-keyshortcuts="Escape">
            <Icon name="stop" size={14} />
            {t('chat.stop')} <kbd>{t('chat.stopHint')}</kbd>
          </button>
        ) : (
          <button type="submit" className="button primary" disabled={!text.trim()} data-testid="send">
            <Icon name="send" size={14} />
            {t('chat.send')}
          </button>
        )}
      </div>
      <p className="composer-hint faint" title={t('chat.keyboardHint')}>
        {t('chat.keyboardHint')}
      </p>
    </form>
  );
}
