import { useCallback, useEffect, useState } from 'react';
import type { FileFilter, FolderListing } from '../../../shared/contract/files';
import { useT } from '../../i18n';
import { formatBytes } from '../../i18n/format';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { settlePicker, usePickerStore, type PickerRequest } from '../../stores/picker/store';
import { Icon } from './icons';
import './file-picker.css';

/** Browser mode's picker: folders listed by main under its roots, breadcrumbs, a type filter and a multi-selection kept across folders. */
export function FilePicker() {
  const request = usePickerStore((s) => s.request);
  if (!request) return null;
  return <PickerDialog key={`${request.select}-${request.filter}`} request={request} />;
}

function PickerDialog({ request }: { request: PickerRequest }) {
  const t = useT();
  const [filter, setFilter] = useState<FileFilter>(request.filter);
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState<string[]>([]);
  const picksFolders = request.select === 'folder';

  const open = useCallback(
    async (folder: string | undefined) => {
      setLoading(true);
      try {
        setListing(await client.files.browse({ path: folder, filter }));
        setError(null);
      } catch (cause) {
        setError(errorMessage(cause));
      } finally {
        setLoading(false);
      }
    },
    [filter],
  );
  // The first listing, and the same folder again whenever the filter changes (a click opens another folder itself).
  const current = listing?.path;
  useEffect(() => void open(current), [open]);

  const toggle = (path: string) => setSelected((s) => (s.includes(path) ? s.filter((p) => p !== path) : [...s, path]));
  const title = picksFolders ? t('picker.titleFolder') : request.filter === 'models' ? t('picker.titleModel') : t('picker.titleFiles');

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && settlePicker([])}>
      <div className="dialog file-picker" role="dialog" aria-modal="true" aria-labelledby="picker-title" data-testid="file-picker" data-loading={loading} onKeyDown={(e) => e.key === 'Escape' && settlePicker([])}>
        <h2 id="picker-title">{title}</h2>
        <div className="picker-bar">
          <nav className="breadcrumbs" aria-label={t('picker.location')} data-testid="picker-crumbs">
            {listing && listing.roots.length > 1 && (
              <select aria-label={t('picker.root')} value={listing.crumbs[0]?.path} onChange={(e) => void open(e.target.value)}>
                {listing.roots.map((root) => (
                  <option key={root.path} value={root.path}>
                    {root.name}
                  </option>
                ))}
              </select>
            )}
            {listing?.crumbs.map((crumb, i) => (
              <span key={crumb.path} className="crumb">
                {i > 0 && <span className="crumb-separator">/</span>}
                <button type="button" className="button small ghost" aria-current={i === listing.crumbs.length - 1 ? 'location' : undefined} onClick={() => void open(crumb.path)} title={crumb.path}>
                  {i === 0 && <Icon name="folder" size={12} />}
                  {crumb.name}
                </button>
              </span>
            ))}
          </nav>
          {!picksFolders && (
            <label className="picker-filter">
              <span>{t('picker.filter')}</span>
              <select value={filter} onChange={(e) => setFilter(e.target.value as FileFilter)} data-testid="picker-filter">
                <option value={request.filter === 'models' ? 'models' : 'documents'}>{t(request.filter === 'models' ? 'picker.filter.models' : 'picker.filter.documents')}</option>
                <option value="all">{t('picker.filter.all')}</option>
              </select>
            </label>
          )}
        </div>
        {error && (
          <p className="error-text" role="alert" data-testid="picker-error">
            {error}
          </p>
        )}
        <ul className="picker-entries" aria-label={listing?.path ?? title} data-testid="picker-entries">
          {listing?.entries.map((entry) => {
            const selectable = !picksFolders || entry.kind === 'folder';
            return (
              <li key={entry.path} className={selected.includes(entry.path) ? 'selected' : undefined} data-kind={entry.kind}>
                <input type="checkbox" aria-label={t('picker.select', { name: entry.name })} checked={selected.includes(entry.path)} disabled={!selectable} onChange={() => toggle(entry.path)} />
                <button
                  type="button"
                  className="entry-name"
                  title={entry.path}
                  onClick={() => (entry.kind === 'folder' ? void open(entry.path) : toggle(entry.path))}
                  aria-label={entry.kind === 'folder' ? t('picker.open', { name: entry.name }) : t('picker.select', { name: entry.name })}
                >
                  <Icon name={entry.kind === 'folder' ? 'folder' : 'file'} size={14} />
                  <span>{entry.name}</span>
                </button>
                <span className="muted entry-size">{entry.sizeBytes !== null ? formatBytes(entry.sizeBytes) : ''}</span>
              </li>
            );
          })}
          {listing && !loading && listing.entries.length === 0 && <li className="muted picker-empty">{t('picker.empty')}</li>}
        </ul>
        {listing?.truncated && <p className="help">{t('picker.truncated', { n: listing.entries.length })}</p>}
        <div className="dialog-actions">
          <span className="muted picker-count" data-testid="picker-count">
            {selected.length > 0 && t('picker.selected', { n: selected.length })}
          </span>
          {request.upload && (
            <button
              type="button"
              className="button ghost"
              onClick={() => {
                settlePicker([]);
                request.upload?.();
              }}
            >
              {t('picker.upload')}
            </button>
          )}
          <button type="button" className="button ghost" onClick={() => settlePicker([])}>
            {t('picker.cancel')}
          </button>
          {picksFolders && !selected.length ? (
            <button type="button" className="button primary" disabled={!listing} onClick={() => listing && settlePicker([listing.path])} data-testid="picker-add">
              {t('picker.addThisFolder')}
            </button>
          ) : (
            <button type="button" className="button primary" disabled={!selected.length} onClick={() => settlePicker(selected)} data-testid="picker-add">
              {t('picker.add', { n: selected.length })}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
