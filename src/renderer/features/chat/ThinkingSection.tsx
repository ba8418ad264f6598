import { useState } from 'react';
import { useT } from '../../i18n';
import { formatCount } from '../../i18n/format';
import type { Thinking } from '../../stores/chat/reducer';

/**
 * A reasoning model's thinking above its answer: collapsed by default, its summary counting tokens and time
 * live while the model thinks; opened, the text streams in. Plain text, never Markdown: its [n] are not citations.
 */
export function ThinkingSection({ thinking, live }: { thinking: Thinking; live: boolean }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const facts = [
    thinking.tokens !== null ? t('chat.reasoning.tokens', { n: formatCount(thinking.tokens) }) : null,
    thinking.ms !== null ? t('time.seconds', { n: (thinking.ms / 1000).toFixed(1) }) : null,
  ].filter(Boolean);
  return (
    <details className="reasoning" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="thinking" data-live={live}>
      <summary>
        {live && <span className="spinner" aria-hidden="true" />}
        <span className="reasoning-title">{live ? t('chat.reasoning.live') : t('chat.reasoning.title')}</span>
        {facts.length > 0 && <span className="faint" data-testid="thinking-facts"> · {facts.join(' · ')}</span>}
      </summary>
      {open && (
        <div className="reasoning-text" data-testid="thinking-text">
          {thinking.text}
        </div>
      )}
    </details>
  );
}
