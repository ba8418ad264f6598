import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import type { McpStatus } from '../../../src/shared/contract/mcp';

// Settings → Connections names the built-in workspace as the Library does: 默认 in Chinese, while the copied config
// keeps addressing it by its stored name. Server rendering reads a zustand store's initial state, so the two stores
// the view reads are replaced by fixed ones.

const view = vi.hoisted(() => ({ language: 'en' as 'en' | 'zh-CN' }));
const status: McpStatus = {
  httpEnabled: false,
  httpUrl: null,
  workspaces: [
    { id: 1, name: 'Default', documentCount: 3, shared: true },
    { id: 2, name: 'Research', documentCount: 7, shared: false },
  ],
};
vi.mock('../../../src/renderer/stores/settings/store', () => ({
  useSettingsStore: <T>(select: (state: { settings: { language: string } }) => T) => select({ settings: { language: view.language } }),
}));
vi.mock('../../../src/renderer/stores/connections/store', () => {
  const state = { status, calls: [], configs: [], configWorkspace: '' };
  const none = async () => {};
  return {
    useConnectionsStore: <T>(select: (s: typeof state) => T) => select(state),
    chooseConfigWorkspace: none,
    loadConnections: none,
    refreshCalls: none,
    setHttpEnabled: none,
    setWorkspaceShared: none,
    turnMcpOff: none,
  };
});

const { ConnectionsSettings } = await import('../../../src/renderer/features/settings/ConnectionsSettings');

function rendered(language: 'en' | 'zh-CN'): string {
  view.language = language;
  return renderToStaticMarkup(createElement(ConnectionsSettings));
}

describe('Connections settings view', () => {
  it('shows the built-in workspace as 默认 in Chinese, in the sharing rows and the config picker, and keeps its stored name as the value', () => {
    const zh = rendered('zh-CN');
    expect(zh).not.toMatch(/>Default</);
    expect(zh.match(/>默认</g)).toHaveLength(2);
    expect(zh).toContain('<option value="Default">默认</option>');
    // A name the user chose is theirs in every language.
    expect(zh).toContain('<option value="Research">Research</option>');
    expect(rendered('en')).toContain('<option value="Default">Default</option>');
  });
});
