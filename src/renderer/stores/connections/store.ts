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

export const loadConnections = () =>
  withToast(async () => {
    const workspace = useConnectionsStore.getState().configWorkspace;
    const [status, calls, configs] = await Promise.all([
      client.mcp.status({}),
      client.mcp.recentCalls({ limit: 50 }),
      client.mcp.clientConfigs({ workspaces: workspace ? [workspace] : [] }),
    ]);
    set({ status, calls, configs });
  });

export const refreshCalls = () => withToast(async () => set({ calls: await client.mcp.recentCalls({ limit: 50 }) }));

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
  });

export const turnMcpOff = () => withToast(async () => set({ status: await client.mcp.turnOff({}) }));

export const chooseConfigWorkspace = (configWorkspace: string) =>
  withToast(async () => {
    set({ configWorkspace });
    set({ configs: await client.mcp.clientConfigs({ workspaces: configWorkspace ? [configWorkspace] : [] }) });
  });
