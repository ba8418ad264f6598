import { useState } from 'react';
import { useT } from '../../i18n';
import { useUiStore } from '../../stores/ui/store';

/** The dialog behind askText(): one labelled field, Enter to save, Esc to cancel. */
export function TextPromptDialog() {
  const prompt = useUiStore((s) => s.textPrompt);
  if (!prompt) return null;
  return <PromptForm key={prompt.title + prompt.value} title={prompt.title} initial={prompt.value} resolve={prompt.resolve} />;
}

function PromptForm({ title, initial, resolve }: { title: string; initial: string; resolve(value: string | null): void }) {
  const t = useT();
  const [value, setValue] = useState(initial);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && resolve(null)}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onKeyDown={(e) => e.key === 'Escape' && resolve(null)}
        onSubmit={(e) => {
          e.preventDefault();
          resolve(value.trim() || null);
        }}
      >
        <label className="field">
          <span>{title}</span>
          <input type="text" autoFocus value={value} onChange={(e) => setValue(e.target.value)} onFocus={(e) => e.target.select()} data-testid="text-prompt-input" />
        </label>
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={() => resolve(null)}>
            {t('workspace.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={!value.trim()}>
            {t('dialog.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
