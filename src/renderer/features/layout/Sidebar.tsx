import { useState } from 'react';
import { useT } from '../../i18n';
import { newThread, openThread, useChatStore } from '../../stores/chat/store';
import { useActiveDocumentCount } from '../../stores/library/store';
import { askConfirm, askText, showView, useUiStore, type View } from '../../stores/ui/store';
import { createWorkspace, exportThread, removeThread, removeWorkspace, renameThread, renameWorkspace, selectWorkspace, useWorkspaceStore } from '../../stores/workspace/store';
import { HealthBadge } from '../health/HealthView';
import { ActionMenu } from './ActionMenu';
import { Icon, type IconName } from './icons';
import './sidebar.css';
import { workspaceLabel } from '../../stores/workspace/selectors';

const views: { view: View; icon: IconName; label: 'nav.chat' | 'nav.search' | 'nav.library' | 'nav.schedule' | 'nav.health' | 'nav.settings' }[] = [
  { view: 'chat', icon: 'chat', label: 'nav.chat' },
  { view: 'search', icon: 'search', label: 'nav.search' },
  { view: 'library', icon: 'library', label: 'nav.library' },
  { view: 'schedule', icon: 'meters', label: 'nav.schedule' },
  { view: 'health', icon: 'pulse', label: 'nav.health' },
  { view: 'settings', icon: 'settings', label: 'nav.settings' },
];

export function Sidebar() {
  const t = useT();
  const current = useUiStore((s) => s.view);
  const documentCount = useActiveDocumentCount();
  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <Icon name="bolt" size={16} />
        </span>
        <span className="brand-name">{t('app.name')}</span>
      </div>
      <WorkspacePicker />
      <nav aria-label={t('nav.main')} className="nav">
        {views.map(({ view, icon, label }) => (
          <button key={view} className="nav-item" aria-current={current === view ? 'page' : undefined} onClick={() => showView(view)} data-testid={`nav-${view}`}>
            <Icon name={icon} />
            {t(label)}
            {view === 'library' && documentCount > 0 && (
              <span className="nav-count" title={t('workspace.documents', { n: documentCount })}>
                {documentCount}
              </span>
            )}
            {view === 'health' && <HealthBadge />}
          </button>
        ))}
      </nav>
      <ThreadList />
      <EngineFooter />
    </aside>
  );
}

function WorkspacePicker() {
  const t = useT();
  const workspaces = useWorkspaceStore((s) => s.workspaces);
  const activeId = useWorkspaceStore((s) => s.activeWorkspaceId);
  const active = workspaces.find((w) => w.id === activeId);
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  if (naming) {
    return (
      <form
        className="workspace-form"
        onSubmit={(e) => {
          e.preventDefault();
          void createWorkspace(name);
          setNaming(false);
          setName('');
        }}
      >
        <input type="text" aria-label={t('workspace.namePrompt')} placeholder={t('workspace.namePrompt')} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        <div className="row">
          <button className="button small primary" type="submit" disabled={!name.trim()}>
            {t('workspace.create')}
          </button>
          <button className="button small ghost" type="button" onClick={() => setNaming(false)}>
            {t('workspace.cancel')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <div className="workspace-picker">
      <select aria-label={t('workspace.label')} value={activeId ?? ''} onChange={(e) => void selectWorkspace(Number(e.target.value))}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {workspaceLabel(w, t)}
          </option>
        ))}
      </select>
      <button className="button icon-button ghost" title={t('workspace.new')} aria-label={t('workspace.new')} onClick={() => setNaming(true)}>
        <Icon name="plus" />
      </button>
      {active && (
        <ActionMenu
          label={t('workspace.actions')}
          actions={[
            {
              label: t('workspace.rename'),
              onSelect: () => void askText(t('workspace.namePrompt'), active.name).then((next) => (next ? renameWorkspace(active.id, next) : undefined)),
            },
            ...(workspaces.length > 1
              ? [
                  {
                    label: t('workspace.delete'),
                    danger: true,
                    onSelect: () => void askConfirm(t('workspace.confirmDelete', { name: active.name }), t('workspace.delete')).then((yes) => (yes ? removeWorkspace(active.id) : undefined)),
                  },
                ]
              : []),
          ]}
        />
      )}
    </div>
  );
}

function ThreadList() {
  const t = useT();
  const threads = useWorkspaceStore((s) => s.threads);
  const openId = useChatStore((s) => s.threadId);
  return (
    <section className="threads" aria-labelledby="threads-heading">
      <div className="threads-header">
        <h2 id="threads-heading">{t('threads.title')}</h2>
        <button
          className="button small ghost"
          onClick={() => {
            newThread();
            showView('chat');
          }}
          title={`${t('threads.new')} (Ctrl+K)`}
          data-testid="new-thread"
        >
          <Icon name="plus" size={14} />
          {t('threads.new')}
        </button>
      </div>
      {threads.length === 0 ? (
        <p className="threads-empty faint">{t('threads.empty')}</p>
      ) : (
        <ul className="thread-list">
          {threads.map((thread) => (
            <li key={thread.id} className="thread-item" aria-current={thread.id === openId ? 'true' : undefined}>
              <button
                className="thread-open"
                data-testid="thread-open"
                onClick={() => {
                  void openThread(thread.id);
                  showView('chat');
                }}
              >
                {thread.title}
              </button>
              <ThreadMenu id={thread.id} title={thread.title} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ThreadMenu({ id, title }: { id: number; title: string }) {
  const t = useT();
  return (
    <ActionMenu
      label={`${t('threads.actions')}: ${title}`}
      actions={[
        {
          label: t('threads.rename'),
          onSelect: () => void askText(t('threads.renamePrompt'), title).then((next) => (next ? renameThread(id, next) : undefined)),
        },
        { label: t('threads.export'), onSelect: () => void exportThread(id) },
        {
          label: t('threads.delete'),
          danger: true,
          onSelect: async () => {
            if (!(await askConfirm(t('threads.confirmDelete'), t('threads.delete')))) return;
            if (useChatStore.getState().threadId === id) newThread();
            void removeThread(id);
          },
        },
      ]}
    />
  );
}

/** What this window is running on: versions read from the main process and SQLite itself. */
function EngineFooter() {
  const info = useWorkspaceStore((s) => s.info);
  if (!info) return null;
  return (
    <footer className="engine-footer faint" data-testid="app-info" title={`${info.app.name} ${info.app.version} · SQLite ${info.sqlite} · sqlite-vec ${info.sqliteVec}`}>
      {info.app.name} {info.app.version} · SQLite <span data-testid="sqlite-version">{info.sqlite}</span> · sqlite-vec{' '}
      <span data-testid="sqlite-vec-version">{info.sqliteVec}</span>
    </footer>
  );
}
