import { BrowserWindow, session, shell, type WebFrameMain } from 'electron';
import path from 'node:path';

const rendererDevUrl = process.env.ELECTRON_RENDERER_URL;

export const appContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The renderer's own URL; IPC from any other frame or origin is refused. */
export function isTrustedFrame(frame: WebFrameMain | null): boolean {
  if (!frame) return false;
  const url = frame.url;
  if (rendererDevUrl) return url.startsWith(rendererDevUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith(path.join('renderer', 'index.html'));
}

/** The main window with Electron's security checklist applied: isolated, sandboxed, no Node, strict CSP, no navigation. */
export function createMainWindow(mainDir: string): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [appContentSecurityPolicy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Lockstep',
    webPreferences: {
      preload: path.join(mainDir, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());

  if (rendererDevUrl) void window.loadURL(rendererDevUrl);
  else void window.loadFile(path.join(mainDir, '../renderer/index.html'));
  return window;
}
