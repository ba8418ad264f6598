import { describe, expect, it, vi } from 'vitest';

// The Connections store over a stubbed client: a sharing switch updates its row in place, the config follows the
// chosen workspace, and Turn MCP off shows what the main process reports.

const requests = vi.hoisted(() => [] as [string, unknown][]);
// Where /mcp is served, as the main process would report it (null while off).
const served = vi.hoisted(() => ({ httpUrl: null as string | null }));
const workspaces = [
  { id: 1, name: 'Default', documentCount: 3, shared: false },
  { id: 2, name: 'Research', documentCount: 7, shared: false },
];
vi.mock('../../../src/renderer/ipc/client', () => ({
  client: {
    settings: { update: async (patch: unknown) => (requests.push(['settings.update', patch]), {}) },
    mcp: {
      status: async () => ({ httpEnabled: served.httpUrl !== null, httpUrl: served.httpUrl, workspaces }),
      recentCalls: async () => [{ id: 9, client: 'claude-ai', transport: 'stdio', tool: 'read_page', at: 1, ok: true, documents: [{ id: 4, title: 'Handbook' }] }],
      clientConfigs: async (request: { workspaces: string[] }) => (requests.push(['clientConfigs', request]), [{ client: 'cursor', file: '~/.cursor/mcp.json', json: JSON.stringify(request.workspaces) }]),
      setWorkspaceShared: async (request: { workspaceId: number; shared: boolean }) => (
        requests.push(['setWorkspaceShared', request]), { ...workspaces.find((w) => w.id === request.workspaceId)!, shared: request.shared }
      ),
      turnOff: async () => ({ httpEnabled: false, httpUrl: null, workspaces: workspaces.map((w) => ({ ...w, shared: false })) }),
    },
  },
}));

const { chooseConfigWorkspace, loadConnections, loadSharing, refreshCalls, setWorkspaceShared, turnMcpOff, useConnectionsStore } = await import('../../../src/renderer/stores/connections/store');

describe('connections store', () => {
  it('loads status, calls and configs; switches one workspace; follows the config workspace; turns off', async () => {
    await loadConnections();
    expect(useConnectionsStore.getState()).toMatchObject({ status: { workspaces }, calls: [{ tool: 'read_page' }], configs: [{ json: '[]' }] });
    await setWorkspaceShared(2, true);
    expect(useConnectionsStore.getState().status!.workspaces.map((w) => w.shared)).toEqual([false, true]);
    await chooseConfigWorkspace('Research');
    expect(useConnectionsStore.getState().configs[0]!.json).toBe('["Research"]');
    await turnMcpOff();
    expect(useConnectionsStore.getState().status!.workspaces.every((w) => !w.shared)).toBe(true);
    expect(requests).toEqual([
      ['clientConfigs', { workspaces: [] }],
      ['setWorkspaceShared', { workspaceId: 2, shared: true }],
      ['clientConfigs', { workspaces: ['Research'] }],
      // Turning MCP off takes the HTTP snippets away: the configs are fetched again.
      ['clientConfigs', { workspaces: ['Research'] }],
    ]);
  });

  it('fetches the configs again when the poll sees /mcp start or stop, and not otherwise', async () => {
    requests.length = 0;
    await refreshCalls();
    expect(requests).toEqual([]);
    served.httpUrl = 'http://127.0.0.1:11435/mcp';
    await refreshCalls();
    expect(requests).toEqual([['clientConfigs', { workspaces: ['Research'] }]]);
    await refreshCalls();
    expect(requests).toHaveLength(1);
    served.httpUrl = null;
    await refreshCalls();
    expect(requests).toHaveLength(2);
  });

  it("loads the sharing switches alone for the Library's workspace card", async () => {
    useConnectionsStore.setState({ status: null });
    requests.length = 0;
    await loadSharing();
    expect(useConnectionsStore.getState().status!.workspaces.map((w) => w.name)).toEqual(['Default', 'Research']);
    expect(requests).toEqual([]);
  });
});

describe('connections strings', () => {
  it('count a workspace’s documents in both languages', async () => {
    const { translate } = await import('../../../src/renderer/i18n/translate');
    expect([0, 1, 7].map((n) => translate('en', 'connections.documents', { n }))).toEqual(['0 documents', '1 document', '7 documents']);
    expect(translate('zh-CN', 'connections.documents', { n: 7 })).toBe('7 个文档');
  });
});
