import { useEffect, useState } from 'react';
import type { EmbeddingStatusView } from '../../../shared/contract/search';
import { useT } from '../../i18n';
import { formatDuration } from '../../i18n/format';
import { client } from '../../ipc/client';
import { errorMessage, isCancelled } from '../../ipc/errors';
import { SettingRow } from './controls';

/** Which model the semantic index uses and any re-embedding in progress, followed live while shown. */
export function EmbeddingStatus() {
  const t = useT();
  const [status, setStatus] = useState<EmbeddingStatusView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const handle = client.search.watchEmbeddingStatus({}, setStatus);
    handle.done.catch((e) => !isCancelled(e) && setError(errorMessage(e)));
    return handle.cancel;
  }, []);
  const reembed = status?.reembed;
  return (
    <SettingRow label={t('embedding.title')} help={status?.notice ?? undefined}>
      {error && <p className="error-text">{error}</p>}
      {status && (
        <p data-testid="embedding-status">
          {status.searchable ? t('embedding.searchable', { model: status.searchable.modelId, n: status.searchable.chunkCount }) : t('embedding.none')}
        </p>
      )}
      {reembed && (
        <div className="download">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={reembed.total} aria-valuenow={reembed.done}>
            <div style={{ width: `${reembed.total ? (reembed.done / reembed.total) * 100 : 0}%` }} />
          </div>
          <p className={reembed.state === 'failed' ? 'error-text' : 'faint download-text'}>
            {reembed.state === 'failed'
              ? `${t('embedding.failed', { model: reembed.modelId })}${reembed.error ? `: ${reembed.error}` : ''}`
              : t('embedding.reembed', { model: reembed.modelId, done: reembed.done, total: reembed.total })}
            {reembed.state === 'running' && reembed.etaSeconds !== null && ` · ${t('library.eta', { time: formatDuration(reembed.etaSeconds, t) })}`}
          </p>
        </div>
      )}
    </SettingRow>
  );
}
