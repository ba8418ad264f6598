import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract/app';
import type { ThreadSummary } from '../../../shared/contract/chat';
import type { Workspace } from '../../../shared/contract/workspaces';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { withToast } from '../ui/store';

// Workspaces and their threads: what the sidebar shows.
interface WorkspaceState {
  info: AppInfo | null;
  workspaces: Workspace[];
  activeWorkspaceId: number | null;
  threads: ThreadSummary[];
  error: string | null;
}

export const useWorkspaceStore = create<WorkspaceState>()(() => ({
  info: null,
  workspaces: [],
  activeWorkspaceId: null,
  threads: [],
  error: null,
}));

const ACTIVE_KEY = 'lockstep.activeWorkspace';

export async function loadWorkspaces(): Promise<void> {
  try {
    const [info, workspaces] = await Promise.all([client.app.info({}), client.workspaces.list({})]);
    const remembered = Number(localStorage.getItem(ACTIVE_KEY));
    const active = workspaces.find((w) => w.id === remembered) ?? workspaces[0] ?? null;
    useWorkspaceStore.setState({ info, workspaces, activeWorkspaceId: active?.id ?? null, error: null });
    if (active) warmWorkspace(active.id);
    await refreshThreads();
  } catch (error) {
    useWorkspaceStore.setState({ error: errorMessage(error) });
  }
}

export const refreshWorkspaces = () => withToast(async () => useWorkspaceStore.setState({ workspaces: await client.workspaces.list({}) }));

export async function selectWorkspace(id: number): Promise<void> {
  localStorage.setItem(ACTIVE_KEY, String(id));
  useWorkspaceStore.setState({ activeWorkspaceId: id });
  warmWorkspace(id);
  await refreshThreads();
}

/** Opening a hot workspace loads the local model with the quick actions' prefixes cached; nothing to wait for or report. */
function warmWorkspace(id: number): void {
  void client.chat.warmQuickActions({ workspaceId: id }).catch(() => undefined);
}

export const createWorkspace = (name: string) =>
  withToast(async () => {
    const workspace = await client.workspaces.create({ name });
    await refreshWorkspaces();
    await selectWorkspace(workspace.id);
  });

export const renameWorkspace = (id: number, name: string) =>
  withToast(async () => {
    await client.workspaces.rename({ id, name });
    await refreshWorkspaces();
  });

/** Deletes a workspace with its documents and threads, then switches to the first remaining one. */
export const removeWorkspace = (id: number) =>
  withToast(async () => {
    await client.workspaces.remove({ id });
    await refreshWorkspaces();
    const next = useWorkspaceStore.getState().workspaces[0];
    if (next) await selectWorkspace(next.id);
  });

export const refreshThreads = () =>
  withToast(async () => useWorkspaceStore.setState({ threads: await client.threads.list({ workspaceId: useWorkspaceStore.getState().activeWorkspaceId ?? undefined }) }));

export const renameThread = (id: number, title: string) =>
  withToast(async () => {
    await client.threads.rename({ id, title });
    await refreshThreads();
  });

export const removeThread = (id: number) =>
  withToast(async () => {
    await client.threads.remove({ id });
    await refreshThreads();
  });

/** Saves the thread as a Markdown file through the browser's download (Electron shows its save dialog). */
export const exportThread = (id: number) =>
  withToast(async () => {
    const { fileName, markdown } = await client.threads.exportMarkdown({ id });
    const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
    link.click();
    URL.revokeObjectURL(url);
  });
