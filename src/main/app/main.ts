import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices, type Services } from '../services';
import { watchLibraryFolders } from '../ingest/index';
import { createHandlers } from '../handlers/index';
import { log } from '../platform/log';
import { registerIpc } from './ipc';
import { SafeStorageSecretStore } from './safe-storage-secrets';
import { manageLocalApi } from '../server/local-api-manager';
import { createMainWindow, isTrustedFrame } from './window';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
let services: Services | undefined;

if (!app.requestSingleInstanceLock()) app.quit();

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(() => {
  const dataDir = process.env.LOCKSTEP_DATA_DIR ?? app.getPath('userData');
  // Without a keychain (e.g. Linux with no secret service) the file store from browser mode is used instead.
  const secrets = SafeStorageSecretStore.available() ? new SafeStorageSecretStore(dataDir) : undefined;
  services = createServices({ dataDir, mode: 'electron', secrets });
  registerIpc(createHandlers(services, 'electron'), isTrustedFrame);
  // Jobs interrupted by a crash or kill resume at launch, before the library is even opened.
  services.ingest.start();
  // Library folders are scanned for changes made while closed, then watched.
  watchLibraryFolders(services);
  services.chat.threads.recoverInterruptedAnswers();
  services.ops.startSampling();
  // Workspaces on auto move between hot and cold as their use changes.
  services.tiers.keepBalanced();
  void manageLocalApi(services).catch((error) => log.error('local API failed to start', error));
  createMainWindow(mainDir);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(mainDir);
  });
}).catch((error) => {
  log.error('startup failed', error);
  app.quit();
});

app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => void services?.close());
