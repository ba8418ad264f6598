import { useState } from 'react';
import { useT } from '../../i18n';
import { newThread, openThread, useChatStore } from '../../stores/chat/store';
import { showView, useUiStore, type View } from '../../stores/ui/store';
import { createWorkspace, exportThread, removeThread, renameThread, selectWorkspace, useWorkspaceStore } from '../../stores/workspace/store';
import { Icon, type IconName } from './icons';
import './sidebar.css';

const views: { view: View; icon: IconName; label: 'nav.chat' | 'nav.library' | 'nav.settings' }[] = [
  { view: 'chat', icon: 'chat', label: 'nav.chat' },
  { view: 'library', icon: 'library', label: 'nav.library' },
  { view: 'settings', icon: 'settings', label: 'nav.settings' },
];

export function Sidebar() {
  const t = useT();
  const current = useUiStore((s) => s.view);
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
          </button>
        ))}
      </nav>
      <ThreadList />
    </aside>
  );
}

function WorkspacePicker() {
  const t = useT();
  const workspaces = useWorkspaceStore((s) => s.workspaces);
  const activeId = useWorkspaceStore((s) => s.activeWorkspaceId);
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
      <select aria-label={t('workspace.label')} value={activeId ?? ''} onChange={(e) => void selectWorkspace(Number(e.target.value)).then(newThread)}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name} · {t('workspace.documents', { n: w.documentCount })}
          </option>
        ))}
      </select>
      <button className="button icon-button ghost" title={t('workspace.new')} aria-label={t('workspace.new')} onClick={() => setNaming(true)}>
        <Icon name="plus" />
      </button>
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
  const [open, setOpen] = useState(false);
  return (
    <div className="thread-menu" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setOpen(false)}>
      <button className="button icon-button ghost small" aria-label={`${t('threads.actions')}: ${title}`} aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="more" />
      </button>
      {open && (
        <div className="menu" role="menu">
          <button
            role="menuitem"
            onClick={() => {
              setOpen(false);
              const next = window.prompt(t('threads.renamePrompt'), title);
              if (next?.trim()) void renameThread(id, next.trim());
            }}
          >
            {t('threads.rename')}
          </button>
          <button role="menuitem" onClick={() => (setOpen(false), void exportThread(id))}>
            {t('threads.export')}
          </button>
          <button
            role="menuitem"
            className="danger"
            onClick={() => {
              setOpen(false);
              if (!window.confirm(t('threads.confirmDelete'))) return;
              if (useChatStore.getState().threadId === id) newThread();
              void removeThread(id);
            }}
          >
            {t('threads.delete')}
          </button>
        </div>
      )}
    </div>
  );
}
