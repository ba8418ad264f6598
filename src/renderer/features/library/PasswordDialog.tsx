import { useEffect, useState } from 'react';
import type { LibraryDocument } from '../../../shared/contract/library';
import { useLanguage, useT, type Language, type Translate } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { useLibraryStore } from '../../stores/library/store';
import { documentErrorText } from './documentError';
import { passwordOutcome } from './passwordOutcome';

const refusal = (d: LibraryDocument, language: Language, t: Translate) => (d.errorMessage ? documentErrorText(d.errorCode, d.errorMessage, language, t) : t('password.wrong'));

/** Asks for a PDF's password and stays open until it is accepted: a wrong one shows the error and a fresh field. */
export function PasswordDialog({ document, onClose }: { document: LibraryDocument; onClose(): void }) {
  const t = useT();
  const language = useLanguage();
  const live = useLibraryStore((s) => s.documents[document.id]) ?? document;
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState<LibraryDocument | null>(null);
  const [error, setError] = useState<string | null>(document.errorCode === 'wrong_password' ? refusal(document, language, t) : null);

  useEffect(() => {
    if (!submitted) return;
    const outcome = passwordOutcome(submitted, live);
    if (outcome === 'settled') onClose();
    else if (outcome === 'wrong') {
      setSubmitted(null);
      setPassword('');
      setError(refusal(live, language, t));
    }
  }, [submitted, live, onClose, t, language]);

  const submit = async () => {
    setError(null);
    setSubmitted(live);
    try {
      await client.library.providePassword({ documentId: document.id, password });
    } catch (cause) {
      setSubmitted(null);
      setError(errorMessage(cause));
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <form
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="password-title"
        data-testid="password-dialog"
        data-checking={submitted !== null}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 id="password-title">{t('password.title')}</h2>
        <p className="muted">{t('password.body', { name: document.title })}</p>
        {error && (
          <p className="error-text" role="alert" data-testid="password-error">
            {error}
          </p>
        )}
        <label className="field">
          <span>{t('password.label')}</span>
          <input type="password" autoFocus autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} disabled={submitted !== null} data-testid="password-input" />
        </label>
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            {t('password.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={!password || submitted !== null}>
            {submitted ? t('password.checking') : t('password.submit')}
          </button>
        </div>
      </form>
    </div>
  );
}
