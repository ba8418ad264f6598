import { useState } from 'react';
import type { LibraryDocument } from '../../../shared/contract/library';
import { useT } from '../../i18n';
import { providePassword } from '../../stores/library/store';

export function PasswordDialog({ document, onClose }: { document: LibraryDocument; onClose(): void }) {
  const t = useT();
  const [password, setPassword] = useState('');
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="password-title"
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        onSubmit={(e) => {
          e.preventDefault();
          void providePassword(document.id, password);
          onClose();
        }}
      >
        <h2 id="password-title">{t('password.title')}</h2>
        <p className="muted">{t('password.body', { name: document.title })}</p>
        {document.errorCode === 'wrong_password' && document.errorMessage && (
          <p className="error-text" role="alert">
            {document.errorMessage}
          </p>
        )}
        <label className="field">
          <span>{t('password.label')}</span>
          <input type="password" autoFocus autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="password-input" />
        </label>
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            {t('password.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={!password}>
            {t('password.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
