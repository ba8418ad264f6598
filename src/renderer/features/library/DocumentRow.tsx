import { memo, useRef } from 'react';
import type { LibraryDocument } from '../../../shared/contract/library';
import { useLanguage, useT } from '../../i18n';
import { formatBytes, formatDuration } from '../../i18n/format';
import { cancelDocuments, reindexDocuments, removeDocuments } from '../../stores/library/store';
import { askConfirm } from '../../stores/ui/store';
import { Icon } from '../layout/icons';
import { fileName, usefulTitle, userFacingPath } from '../../../shared/file-names';
import { documentErrorText } from './documentError';
import { keywordOnly, stageSteps } from './stageSteps';

const statusTone: Record<LibraryDocument['status'], string> = {
  queued: '',
  processing: 'accent',
  indexed: 'ok',
  needs_password: 'warn',
  needs_ocr: 'warn',
  failed: 'danger',
  cancelled: '',
};

export const DocumentRow = memo(function DocumentRow({ document, selected, onToggle, onPassword }: { document: LibraryDocument; selected: boolean; onToggle(): void; onPassword(): void }) {
  const t = useT();
  const language = useLanguage();
  // The user's file name first; the extracted title below it only when it adds something.
  const name = fileName(document.path);
  const subtitle = usefulTitle(document.title, document.path);
  const busy = document.status === 'queued' || document.status === 'processing' || document.progress !== null;
  return (
    <tr className={selected ? 'selected' : undefined} data-testid="document-row" data-status={document.status} data-title={document.title} data-file={document.path.split(/[\\/]/).pop()}>
      <td className="col-select">
        <input type="checkbox" checked={selected} onChange={onToggle} aria-label={t('library.select', { name })} />
      </td>
      <td>
        <div className="doc-name">
          <span className="doc-title" title={userFacingPath(document.path)} data-testid="document-name">
            {name}
          </span>
          {subtitle && (
            <span className="doc-subtitle muted" title={subtitle} data-testid="document-subtitle">
              {subtitle}
            </span>
          )}
          <span className="doc-type">{document.type.toUpperCase()}</span>
          {document.ocr && (
            <span className="doc-type" title={t('library.ocr.title')} data-testid="document-ocr">
              {t('library.ocr')}
            </span>
          )}
        </div>
      </td>
      <td className="col-status">
        <span className={`pill ${statusTone[document.status]}`} data-testid="document-status">
          {t(`status.${document.status}`)}
        </span>
        {document.status === 'needs_password' && (
          <button className="button small password-button" onClick={onPassword} data-testid="enter-password">
            <Icon name="lock" size={14} />
            {t('library.enterPassword')}
          </button>
        )}
        {document.progress && <Progress progress={document.progress} />}
      </td>
      <td className="col-details">
        {document.errorMessage ? (
          <span className={document.status === 'indexed' ? 'muted' : 'error-text'} data-testid="document-error">
            {documentErrorText(document.errorCode, document.errorMessage, language, t)}
          </span>
        ) : (
          <span className="muted">
            {[document.pageCount !== null && t('library.pages', { n: document.pageCount }), document.chunkCount > 0 && t('library.chunks', { n: document.chunkCount }), formatBytes(document.sizeBytes)]
              .filter(Boolean)
              .join(' · ')}
          </span>
        )}
      </td>
      <td className="col-actions">
        {busy ? (
          <button className="button small ghost icon-button" title={t('library.cancel')} aria-label={`${t('library.cancel')}: ${name}`} onClick={() => void cancelDocuments([document.id])}>
            <Icon name="close" size={14} />
          </button>
        ) : (
          <button className="button small ghost icon-button" title={t('library.reindex')} aria-label={`${t('library.reindex')}: ${name}`} onClick={() => void reindexDocuments([document.id])}>
            <Icon name="refresh" size={14} />
          </button>
        )}
        <button className="button small ghost icon-button danger" title={t('library.delete')} aria-label={`${t('library.delete')}: ${name}`} onClick={() => void askConfirm(t('library.confirmDelete', { n: 1 }), t('library.delete')).then((yes) => (yes ? removeDocuments([document.id]) : undefined))}>
          <Icon name="trash" size={14} />
        </button>
      </td>
    </tr>
  );
});

/** The file's own stages (see stageSteps), and a determinate bar for the one it is in. */
function Progress({ progress }: { progress: NonNullable<LibraryDocument['progress']> }) {
  const t = useT();
  const sawOcr = useRef(false);
  if (progress.stage === 'ocr') sawOcr.current = true;
  const steps = stageSteps(progress, sawOcr.current);
  const fraction = progress.stage === 'queued' ? null : progress.fraction;
  const parts = [t(`stage.${progress.stage}`)];
  if (progress.stage === 'parsing' && progress.pagesTotal > 0) parts.push(t('library.pageProgress', { done: progress.pagesDone, total: progress.pagesTotal }));
  else if (fraction !== null && progress.stage !== 'reading' && progress.stage !== 'writing') parts.push(`${Math.round(fraction * 100)}%`);
  if (progress.etaMs !== null) parts.push(t('library.eta', { time: formatDuration(progress.etaMs / 1000, t) }));
  return (
    <div className="stage" data-testid="document-progress" data-stage={progress.stage} data-fraction={fraction ?? undefined}>
      {steps.length > 0 && (
        <ol className="stage-steps" aria-label={t('library.stepsLabel')}>
          {steps.map((step) => (
            <li key={step.stage} data-state={step.state} aria-current={step.state === 'active' ? 'step' : undefined}>
              {t(step.label)}
            </li>
          ))}
          {keywordOnly(progress) && (
            <li className="keyword-only" data-testid="keyword-only" title={t('library.keywordOnlyHint')}>
              {t('library.keywordOnly')}
            </li>
          )}
        </ol>
      )}
      <div className={`progress ${fraction === null ? 'indeterminate' : ''}`} role="progressbar" aria-label={parts[0]} aria-valuemin={0} aria-valuemax={100} aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}>
        <div style={{ width: `${(fraction ?? 0) * 100}%` }} />
      </div>
      <span className="stage-text faint">{parts.join(' · ')}</span>
    </div>
  );
}
