import { useEffect, useRef } from 'react';
import { useT } from '../../i18n';
import { useUiStore } from '../../stores/ui/store';

/** The dialog behind askConfirm(): the question, Cancel (focused, so Enter never deletes by accident) and the action. */
export function ConfirmDialog() {
  const t = useT();
  const confirmation = useUiStore((s) => s.confirmation);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), [confirmation]);
  if (!confirmation) return null;
  const { message, action, resolve } = confirmation;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && resolve(false)}>
      <div className="dialog" role="alertdialog" aria-modal="true" aria-label={message} data-testid="confirm-dialog" onKeyDown={(e) => e.key === 'Escape' && resolve(false)}>
        <p>{message}</p>
        <div className="dialog-actions">
          <button type="button" className="button ghost" ref={cancel} onClick={() => resolve(false)}>
            {t('workspace.cancel')}
          </button>
          <button type="button" className="button primary danger" onClick={() => resolve(true)} data-testid="confirm-action">
            {action}
          </button>
        </div>
      </div>
    </div>
  );
}
