import { useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { LibraryDocument } from '../../../shared/contract/library';
import { useT, type MessageKey } from '../../i18n';
import type { QuickAction } from '../../../shared/contract/chat';
import { formatDuration } from '../../i18n/format';
import { askAboutDocuments, runQuickAction } from '../../stores/chat/store';
import { cancelDocuments, pauseQueue, reindexDocuments, removeDocuments, resumeQueue, addFiles, addChosenFiles, addLibraryFolder, useLibraryStore } from '../../stores/library/store';
import { idleBatch, trackBatch } from '../../stores/library/batch';
import { askConfirm, showView } from '../../stores/ui/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import { Icon } from '../layout/icons';
import { DocumentRow } from './DocumentRow';
import { LibraryFolders } from './LibraryFolders';
import { WorkspaceTierCard } from './WorkspaceTierCard';
import { filesFromInput } from './gatherFiles';
import { PasswordDialog } from './PasswordDialog';
import './library.css';

function useWorkspaceDocuments(): LibraryDocument[] {
  const workspaceId = useWorkspaceStore((s) => s.activeWorkspaceId);
  const documents = useLibraryStore(useShallow((s) => Object.values(s.documents).filter((d) => d.workspaceId === workspaceId)));
  // Files being indexed come first, so the active rows stay in view however long the library is.
  const rank = (d: LibraryDocument) => (d.status === 'processing' ? 0 : d.status === 'queued' || d.progress ? 1 : 2);
  // Waiting files in the order they will be read (their jobs' order), so the next one sits under the one being read.
  const queueOrder = (a: LibraryDocument, b: LibraryDocument) => (a.progress?.jobId ?? a.id) - (b.progress?.jobId ?? b.id);
  return useMemo(() => [...documents].sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? queueOrder(a, b) : b.createdAt - a.createdAt || b.id - a.id)), [documents]);
}

export function LibraryView() {
  const t = useT();
  const documents = useWorkspaceDocuments();
  const uploads = useLibraryStore((s) => s.uploads);
  const error = useLibraryStore((s) => s.error);
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [passwordFor, setPasswordFor] = useState<LibraryDocument | null>(null);
  const filePicker = useRef<HTMLInputElement>(null);

  const visible = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!needle) return documents;
    return documents.filter((d) => `${d.title} ${d.path} ${d.type} ${t(`status.${d.status}`)}`.toLowerCase().includes(needle));
  }, [documents, filter, t]);
  const selectedIds = visible.filter((d) => selected.has(d.id)).map((d) => d.id);
  const allSelected = visible.length > 0 && selectedIds.length === visible.length;
  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="page library">
      <div className="page-inner">
        <header className="page-header">
          <div className="titles">
            <h1>{t('library.title')}</h1>
            <p className="muted">{t('library.subtitle')}</p>
          </div>
          <div className="row-actions">
            {/* Main's open dialog in the app, the picker in browser mode; files picked there are added where they are. */}
            <button className="button primary" onClick={() => void addChosenFiles(() => filePicker.current?.click())} data-testid="add-files">
              <Icon name="file" size={14} />
              {t('library.addFiles')}
            </button>
            <button className="button" onClick={() => void addLibraryFolder()} data-testid="add-folder">
              <Icon name="folder" size={14} />
              {t('library.addFolder')}
            </button>
            <input ref={filePicker} type="file" multiple hidden aria-label={t('library.addFiles')} data-testid="file-input" onChange={(e) => void addFiles(filesFromInput(e.target.files)).then(() => (e.target.value = ''))} />
          </div>
        </header>
        {error && (
          <p className="banner" role="alert">
            {error}
          </p>
        )}
        <QueueBar />
        <LibraryFolders />
        <WorkspaceTierCard />
        <div className="library-toolbar">
          <input type="search" aria-label={t('library.filter')} placeholder={t('library.filterPlaceholder')} value={filter} onChange={(e) => setFilter(e.target.value)} />
          {selectedIds.length > 0 && (
            <div className="selection-actions" role="group" aria-label={t('library.selected', { n: selectedIds.length })}>
              <span className="muted">{t('library.selected', { n: selectedIds.length })}</span>
              <button
                className="button small"
                onClick={() => {
                  askAboutDocuments(selectedIds);
                  showView('chat');
                }}
              >
                {t('library.askSelected')}
              </button>
              {selectedIds.length === 1 && <QuickActions document={visible.find((d) => d.id === selectedIds[0])!} />}
              <button className="button small" onClick={() => void reindexDocuments(selectedIds)}>
                {t('library.reindex')}
              </button>
              <button
                className="button small danger"
                onClick={async () => {
                  if (!(await askConfirm(t('library.confirmDelete', { n: selectedIds.length }), t('library.delete')))) return;
                  void removeDocuments(selectedIds);
                  setSelected(new Set());
                }}
              >
                {t('library.delete')}
              </button>
            </div>
          )}
        </div>
        {documents.length === 0 && uploads.length === 0 ? (
          <div className="library-empty card">
            <Icon name="upload" size={28} />
            <p>{t('library.empty')}</p>
          </div>
        ) : (
          <table className="documents" aria-label={t('library.title')}>
            <thead>
              <tr>
                <th className="col-select">
                  <input type="checkbox" aria-label={t('library.selectAll')} checked={allSelected} onChange={() => setSelected(allSelected ? new Set() : new Set(visible.map((d) => d.id)))} />
                </th>
                <th>{t('library.column.name')}</th>
                <th className="col-status">{t('library.column.status')}</th>
                <th className="col-details">{t('library.column.details')}</th>
                <th className="col-actions">
                  <span className="visually-hidden">{t('threads.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {uploads.map((upload) => (
                <tr key={upload.key} className="upload-row">
                  <td />
                  <td>
                    <div className="upload-name" title={upload.name}>
                      {upload.name}
                    </div>
                  </td>
                  <td colSpan={3}>
                    <div className="stage">
                      <span className="muted">{t('library.uploading')}</span>
                      <div className="progress indeterminate">
                        <div />
                      </div>
                    </div>
                  </td>
                </tr>
              ))}
              {visible.map((document) => (
                <DocumentRow key={document.id} document={document} selected={selected.has(document.id)} onToggle={() => toggle(document.id)} onPassword={() => setPasswordFor(document)} />
              ))}
            </tbody>
          </table>
        )}
        {documents.length > 0 && visible.length === 0 && <p className="muted">{t('library.noMatch')}</p>}
      </div>
      {passwordFor && <PasswordDialog document={passwordFor} onClose={() => setPasswordFor(null)} />}
    </div>
  );
}

const quickActions: { action: QuickAction; label: MessageKey }[] = [
  { action: 'summarize', label: 'library.summarize' },
  { action: 'key_points', label: 'library.keyPoints' },
  { action: 'translate', label: 'library.translate' },
];

/** One indexed document: summarize, key points or translate it in the chat. */
function QuickActions({ document }: { document: LibraryDocument }) {
  const t = useT();
  if (document.status !== 'indexed') return null;
  return quickActions.map(({ action, label }) => (
    <button
      key={action}
      className="button small"
      onClick={() => {
        runQuickAction(action, document.id, t('library.quickLabel', { action: t(label), title: document.title }));
        showView('chat');
      }}
    >
      {t(label)}
    </button>
  ));
}

function QueueBar() {
  const t = useT();
  const queue = useLibraryStore((s) => s.queue);
  const documents = useLibraryStore((s) => s.documents);
  const batch = useRef(idleBatch);
  batch.current = useMemo(() => trackBatch(batch.current, documents, Date.now()), [documents]);
  const { done, total, pagesPerSecond } = batch.current;
  if (!queue || (queue.queued + queue.running === 0 && !queue.paused)) return null;
  return (
    <div className="queue-bar card" role="status" data-testid="queue-bar">
      {queue.paused ? <span className="pill warn">{t('library.paused')}</span> : <span className="spinner" />}
      <div className="batch-progress">
        <span data-testid="batch-progress" data-done={done} data-total={total}>
          {total > 0 ? t('library.batch', { done, total }) : t('library.queue', { n: queue.queued + queue.running })}
          {pagesPerSecond !== null && ` · ${t('library.pagesPerSecond', { n: pagesPerSecond >= 10 ? Math.round(pagesPerSecond) : pagesPerSecond.toFixed(1) })}`}
          {!queue.paused && queue.etaMs !== null && ` · ${t('library.eta', { time: formatDuration(queue.etaMs / 1000, t) })}`}
        </span>
        {total > 0 && (
          <div className="progress" role="progressbar" aria-label={t('library.batch', { done, total })} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
            <div style={{ width: `${(done / total) * 100}%` }} />
          </div>
        )}
      </div>
      <div className="queue-actions">
        <button className="button small ghost" onClick={() => void (queue.paused ? resumeQueue() : pauseQueue())}>
          {t(queue.paused ? 'library.resume' : 'library.pause')}
        </button>
        <button className="button small ghost" onClick={() => void cancelDocuments()}>
          {t('library.cancelAll')}
        </button>
      </div>
    </div>
  );
}
