import { create } from 'zustand';
import type { McpCall, McpClientConfig, McpStatus } from '../../../shared/contract/mcp';
import { client } from '../../ipc/client';
import { updateSettings } from '../settings/store';
import { withToast } from '../ui/store';

// Settings → Connections: which workspaces MCP clients may see, what they asked lately, and their config snippets.
interface ConnectionsState {
  status: McpStatus | null;
  calls: McpCall[];
  configs: McpClientConfig[];
  /** A workspace the copied config names with --workspace ('' = the shared ones only). */
  configWorkspace: string;
}

export const useConnectionsStore = create<ConnectionsState>()(() => ({ status: null, calls: [], configs: [], configWorkspace: '' }));

const set = useConnectionsStore.setState;
const configsFor = (workspace: string) => client.mcp.clientConfigs({ workspaces: workspace ? [workspace] : [] });
const refreshConfigs = async () => set({ configs: await configsFor(useConnectionsStore.getState().configWorkspace) });

export const loadConnections = () =>
  withToast(async () => {
    const workspace = useConnectionsStore.getState().configWorkspace;
    const [status, calls, configs] = await Promise.all([
      client.mcp.status({}),
      client.mcp.recentCalls({ limit: 50 }),
      configsFor(workspace),
    ]);
    set({ status, calls, configs });
  });

/** The sharing switches alone (the Library's workspace card), without calls or configs. */
export const loadSharing = () => withToast(async () => set({ status: await client.mcp.status({}) }));

/** Polled while Connections is open: calls come from other processes, and /mcp starts a moment after its switch. */
export const refreshCalls = () =>
  withToast(async () => {
    const [calls, status] = await Promise.all([client.mcp.recentCalls({ limit: 50 }), client.mcp.status({})]);
    const servedBefore = useConnectionsStore.getState().status?.httpUrl ?? null;
    set({ calls, status });
    // The HTTP snippets name the running endpoint: they appear, change or go with it.
    if (status.httpUrl !== servedBefore) await refreshConfigs();
  });

export const setWorkspaceShared = (workspaceId: number, shared: boolean) =>
  withToast(async () => {
    const updated = await client.mcp.setWorkspaceShared({ workspaceId, shared });
    const status = useConnectionsStore.getState().status;
    if (status) set({ status: { ...status, workspaces: status.workspaces.map((w) => (w.id === updated.id ? updated : w)) } });
  });

export const setHttpEnabled = (enabled: boolean) =>
  withToast(async () => {
    await updateSettings({ mcpEnabled: enabled });
    set({ status: await client.mcp.status({}) });
    await refreshConfigs();
  });

export const turnMcpOff = () =>
  withToast(async () => {
    set({ status: await client.mcp.turnOff({}) });
    await refreshConfigs();
  });

export const chooseConfigWorkspace = (configWorkspace: string) =>
  withToast(async () => {
    set({ configWorkspace });
    await refreshConfigs();
  });
