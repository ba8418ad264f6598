import { useCallback, useEffect, useState } from 'react';
import type { WorkspaceTier } from '../../../shared/contract/workspaces';
import { useT } from '../../i18n';
import { formatBytes } from '../../i18n/format';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { loadSharing, setWorkspaceShared, useConnectionsStore } from '../../stores/connections/store';
import { useWorkspaceStore } from '../../stores/workspace/store';

/** Polled every second while a move runs (it reports progress per batch), else refreshed on changes. */
const MOVE_POLL_MS = 1000;

/** The active workspace's card: its knowledge tier (hot in memory / cold on disk), what each tier costs, the pin control, and whether MCP clients may see it. */
export function WorkspaceTierCard() {
  const t = useT();
  const workspaceId = useWorkspaceStore((s) => s.activeWorkspaceId);
  const [tiers, setTiers] = useState<{ workspaces: WorkspaceTier[]; autoDays: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => client.workspaces.tiers({}).then(setTiers, (e) => setError(errorMessage(e))), []);
  useEffect(() => void refresh(), [refresh, workspaceId]);
  // The same switch as Settings → Connections, from the same store, so the two never disagree.
  const shared = useConnectionsStore((s) => s.status?.workspaces.find((w) => w.id === workspaceId)?.shared);
  useEffect(() => void loadSharing(), [workspaceId]);
  const moving = tiers?.workspaces.some((w) => w.move) ?? false;
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => void refresh(), MOVE_POLL_MS);
    return () => clearInterval(timer);
  }, [moving, refresh]);

  const mine = tiers?.workspaces.find((w) => w.workspaceId === workspaceId);
  if (!tiers || !mine) return error ? <p className="error-text">{error}</p> : null;
  const hotBytes = tiers.workspaces.reduce((sum, w) => sum + w.residentBytes, 0);
  const savedBytes = tiers.workspaces.reduce((sum, w) => sum + w.diskSavedBytes, 0);
  const coldCount = tiers.workspaces.filter((w) => w.tier === 'cold').length;
  const act = (call: Promise<unknown>) => void call.then(refresh, (e) => setError(errorMessage(e)));
  return (
    <section className="workspace-tier card" aria-label={t('tier.title')} data-testid="workspace-tier">
      {/* Without vectors there is nothing to hold in memory or compact on disk: a badge and zero figures would only puzzle. */}
      {mine.hotChunks + mine.coldChunks === 0 && !mine.move ? (
        <>
          <h2>{t('tier.title')}</h2>
          <p className="help" data-testid="tier-figures">
            {t('tier.noVectors')}
          </p>
        </>
      ) : (
        <>
          <h2>
            {t('tier.title')} <span className={`tier-badge tier-${mine.tier}`} data-testid="tier-badge">{t(mine.tier === 'hot' ? 'tier.hot' : 'tier.cold')}</span>
          </h2>
          <p className="help">{t(mine.tier === 'hot' ? 'tier.hotHelp' : 'tier.coldHelp')}</p>
          <p data-testid="tier-figures">
            {mine.tier === 'hot'
              ? t('tier.memory', { size: formatBytes(mine.residentBytes), n: mine.hotChunks })
              : t('tier.saved', { size: formatBytes(mine.diskSavedBytes), n: mine.coldChunks })}
          </p>
        </>
      )}
      {tiers.workspaces.some((w) => w.hotChunks + w.coldChunks > 0) && <p className="faint">{t('tier.totals', { memory: formatBytes(hotBytes), cold: coldCount, saved: formatBytes(savedBytes) })}</p>}
      <label className="tier-pin">
        {t('tier.pin')}{' '}
        <select value={mine.pin} onChange={(e) => act(client.workspaces.setTier({ id: mine.workspaceId, pin: e.target.value as WorkspaceTier['pin'] }))} data-testid="tier-pin">
          <option value="auto">{t('tier.auto', { days: tiers.autoDays, tier: t(mine.target === 'hot' ? 'tier.hot' : 'tier.cold') })}</option>
          <option value="hot">{t('tier.pinHot')}</option>
          <option value="cold">{t('tier.pinCold')}</option>
        </select>
      </label>
      {shared !== undefined && (
        <label className="tier-pin" title={t('library.shareWithApps.help')}>
          <input type="checkbox" role="switch" checked={shared} onChange={(e) => void setWorkspaceShared(mine.workspaceId, e.target.checked)} data-testid="workspace-shared" />{' '}
          {t('library.shareWithApps')}
        </label>
      )}
      {mine.move && (
        <div className="download">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={mine.move.total} aria-valuenow={mine.move.done}>
            <div style={{ width: `${mine.move.total ? (mine.move.done / mine.move.total) * 100 : 0}%` }} />
          </div>
          <p className="faint download-text">
            {t(mine.move.reverting ? 'tier.reverting' : mine.move.to === 'hot' ? 'tier.movingHot' : 'tier.movingCold', { done: mine.move.done, total: mine.move.total })}{' '}
            {!mine.move.reverting && (
              <button className="button small ghost" onClick={() => act(client.workspaces.cancelTierMove({ id: mine.workspaceId }))}>
                {t('tier.cancel')}
              </button>
            )}
          </p>
        </div>
      )}
      {error && <p className="error-text">{error}</p>}
    </section>
  );
}
