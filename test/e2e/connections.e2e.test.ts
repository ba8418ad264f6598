import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { appWithDocuments, repoRoot } from './harness';
import { dropFiles } from './support';

// Settings → Connections end to end: share a workspace, paste the Claude Desktop config as a user would (the very
// command and arguments shown), let that MCP client search, see its call listed, then turn MCP off. Then share from the
// Library's workspace card and connect an HTTP client from the copied VS Code snippet.

const HANDBOOK = ['# Handbook', '', 'Every employee receives 25 days of paid annual leave per calendar year.'].join('\n');

const session = appWithDocuments('connections', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK));
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);

async function searchFromConfig(config: { command: string; args: string[]; env?: Record<string, string> }) {
  const client = new Client({ name: 'lockstep-e2e', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: config.command, args: config.args, env: { ...(process.env as Record<string, string>), ...config.env, LOCKSTEP_LOG: 'silent' }, stderr: 'ignore' }),
  );
  try {
    return (await client.callTool({ name: 'search_documents', arguments: { query: 'annual leave' } })).structuredContent as {
      passages: { document: { name: string }; page: number }[];
      notice: string | null;
    };
  } finally {
    await client.close();
  }
}

describe('Settings → Connections', () => {
  it('shares a workspace with an MCP client started from the copied config, lists its call, and turns MCP off', async () => {
    await byTestId('welcome-start').click();
    await dropFiles(page(), [path.join(session.docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-settings').click();
    await byTestId('settings-connections').click();

    const share = page().locator('#mcp-share-1');
    expect(await share.isChecked()).toBe(false);
    await share.click();
    await expect.poll(() => share.isChecked()).toBe(true);

    const config = JSON.parse((await page().locator('[data-testid="mcp-config-claude-desktop"] pre').textContent())!).mcpServers.lockstep;
    expect(config).toEqual({ command: process.execPath, args: [path.join(repoRoot, 'bin', 'lockstep.mjs'), '--data-dir', session.app().dataDir, 'mcp'] });

    const shared = await searchFromConfig(config);
    expect(shared.passages[0]).toMatchObject({ page: 1 });
    const row = page().locator('[data-testid="mcp-calls"] tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/lockstep-e2e.*search_documents/);
    await page().locator('[data-testid="mcp-config-cursor"]').scrollIntoViewIfNeeded();
    await session.app().screenshot('connections-settings');

    await byTestId('mcp-turn-off').click();
    await expect.poll(() => share.isChecked()).toBe(false);
    const off = await searchFromConfig(config);
    expect(off).toMatchObject({ passages: [], notice: expect.stringContaining('No workspace is available to other apps') });
  });

  it('switches sharing from the Library workspace card too, and gives an HTTP snippet that connects while MCP over HTTP is on', async () => {
    await byTestId('nav-library').click();
    const cardSwitch = byTestId('workspace-shared');
    await expect.poll(() => cardSwitch.isChecked()).toBe(false);
    await cardSwitch.click();
    await expect.poll(() => cardSwitch.isChecked()).toBe(true);
    // One store for both places: Settings → Connections shows the same switch on.
    await byTestId('nav-settings').click();
    await byTestId('settings-connections').click();
    await expect.poll(() => page().locator('#mcp-share-1').isChecked()).toBe(true);

    expect(await byTestId('mcp-config-vscode-http').count()).toBe(0);
    await page().locator('#setting-mcp-http').click();
    const snippet = byTestId('mcp-config-vscode-http');
    await snippet.waitFor({ timeout: 20_000 });
    const server = JSON.parse((await snippet.locator('pre').textContent())!).servers.lockstep as { type: string; url: string; headers: Record<string, string> };
    expect(server).toMatchObject({ type: 'http', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/), headers: { Authorization: expect.stringMatching(/^Bearer lsk_/) } });
    expect(JSON.parse((await byTestId('mcp-config-cursor-http').locator('pre').textContent())!)).toEqual({ mcpServers: { lockstep: { url: server.url, headers: server.headers } } });

    const client = new Client({ name: 'lockstep-e2e-http', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }));
    try {
      const result = (await client.callTool({ name: 'search_documents', arguments: { query: 'annual leave' } })).structuredContent as { passages: { page: number }[] };
      expect(result.passages[0]).toMatchObject({ page: 1 });
    } finally {
      await client.close();
    }
    await snippet.scrollIntoViewIfNeeded();
    await session.app().screenshot('connections-http-snippets');
    await byTestId('mcp-turn-off').click();
    await expect.poll(() => byTestId('mcp-config-vscode-http').count(), { timeout: 20_000 }).toBe(0);
  });
});
