import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

// Starts the real `lockstep serve` (browser mode) on a fresh data folder and drives it with Debian's Chromium.

export const CHROMIUM = process.env.LOCKSTEP_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots');

export interface AppUnderTest {
  url: string;
  port: number;
  token: string;
  dataDir: string;
  server: ChildProcess;
  browser: Browser;
  page: Page;
  /** Server stderr so far (for assertions that nothing secret was logged). */
  serverLog(): string;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startServer(options: { dataDir?: string; env?: Record<string, string>; args?: string[] } = {}) {
  if (!existsSync(path.join(repoRoot, 'out', 'renderer', 'index.html'))) throw new Error('Build the renderer first: npm run build');
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'lockstep-e2e-'));
  const server = spawn(process.execPath, [path.join(repoRoot, 'bin', 'lockstep.mjs'), 'serve', '--json', '--no-open', '--data-dir', dataDir, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr += d));
  const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lockstep serve did not start:\n${stderr}`)), 60_000);
    server.stdout!.on('data', (d) => {
      stdout += d;
      try {
        const info = JSON.parse(stdout);
        clearTimeout(timer);
        resolve(info);
      } catch {
        // wait for the whole JSON document
      }
    });
    server.once('exit', (code) => reject(new Error(`lockstep serve exited with ${code}:\n${stderr}`)));
  });
  const token = new URL(started.url).searchParams.get('token')!;
  return { ...started, token, dataDir, server, serverLog: () => stderr };
}

export async function launchApp(
  options: { dataDir?: string; env?: Record<string, string>; args?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<AppUnderTest> {
  const started = await startServer(options);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  await page.goto(started.url);
  const ownsDataDir = !options.dataDir;
  return {
    ...started,
    browser,
    page,
    async screenshot(name) {
      mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close();
      started.server.kill('SIGTERM');
      await new Promise((resolve) => (started.server.exitCode !== null ? resolve(null) : started.server.once('exit', resolve)));
      if (ownsDataDir) rmSync(started.dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One app per test file beside a temporary folder of documents the file writes: launched before its tests, closed and
 * removed after them; a failed test leaves a screenshot, and no test may end with an uncaught error in the page.
 */
export function appWithDocuments(
  name: string,
  writeDocuments: (folder: string) => void,
  options: { env?: (folder: string) => Record<string, string>; args?: (folder: string) => string[] } = {},
): { app: () => AppUnderTest; docs: () => string } {
  let app: AppUnderTest | undefined;
  let docs: string | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    docs = mkdtempSync(path.join(os.tmpdir(), `lockstep-e2e-${name}-`));
    writeDocuments(docs);
    app = await launchApp({ viewport: { width: 1280, height: 800 }, env: options.env?.(docs), args: options.args?.(docs) });
    app.page.on('pageerror', (error) => pageErrors.push(`${error.message}\n${error.stack}`));
  });
  afterAll(async () => {
    await app?.close();
    if (docs) rmSync(docs, { recursive: true, force: true });
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await app?.screenshot(`failure-${name}-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    expect(pageErrors.splice(0)).toEqual([]);
  });
  return { app: () => app!, docs: () => docs! };
}
