import { BrowserWindow, dialog, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents, type WebFrameMain } from 'electron';
import { contract, type LockstepHandlers } from '../../shared/contract/index';
import { methodNames, type CallerContext } from '../../shared/contract/define';
import { FILTER_EXTENSIONS } from '../../shared/contract/files';
import { CALL_CHANNEL_PREFIX, GRANT_CHANNEL, STREAM_CHANNEL } from '../../shared/contract/electron-channels';
import type { ServerMessage } from '../../shared/contract/wire';
import { grantPaths } from '../access/grants';
import { createDispatcher } from '../ipc/dispatcher';
import { log } from '../platform/log';

/** Each window's capabilities: the paths it was granted (drops, pickers) and its own dialogs; gone with the window. */
function callerContexts(): (sender: WebContents) => CallerContext & { grantedPaths: Set<string> } {
  const callers = new Map<number, CallerContext & { grantedPaths: Set<string> }>();
  return (sender) => {
    let caller = callers.get(sender.id);
    if (!caller) {
      const grantedPaths = new Set<string>();
      caller = {
        grantedPaths,
        chooseFolder: async () => {
          const window = BrowserWindow.fromWebContents(sender);
          const options = { properties: ['openDirectory' as const] };
          const { canceled, filePaths } = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
          return canceled || !filePaths[0] ? null : filePaths[0];
        },
        chooseFiles: async ({ select, filter }) => {
          const window = BrowserWindow.fromWebContents(sender);
          const options = {
            properties: select === 'folder' ? ['openDirectory' as const] : ['openFile' as const, 'multiSelections' as const],
            filters: filter === 'all' || select === 'folder' ? [] : [{ name: filter === 'models' ? 'GGUF models' : 'Documents', extensions: [...FILTER_EXTENSIONS[filter]] }, { name: 'All files', extensions: ['*'] }],
          };
          const { canceled, filePaths } = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
          // What the user picked in main's own dialog is granted exactly like a drop on this window.
          return canceled ? [] : (await grantPaths(grantedPaths, filePaths)).filter((p): p is string => p !== null);
        },
      };
      callers.set(sender.id, caller);
      sender.once('destroyed', () => callers.delete(sender.id));
    }
    return caller;
  };
}

/** Registers one ipcMain.handle per contract call, one stream channel and the grant channel; every sender frame is checked. */
export function registerIpc(handlers: LockstepHandlers, isTrustedFrame: (frame: WebFrameMain | null) => boolean): void {
  const dispatcher = createDispatcher(contract, handlers, 'electron');
  const callerFor = callerContexts();
  const refuse = (event: IpcMainEvent | IpcMainInvokeEvent) => {
    log.warn(`ipc: refused a message from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})`);
  };

  // Only the preload sends here, with paths webUtils.getPathForFile gave for File objects the user dropped or picked.
  ipcMain.handle(GRANT_CHANNEL, async (event, paths: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) {
      refuse(event);
      return [];
    }
    return grantPaths(callerFor(event.sender).grantedPaths, paths);
  });

  for (const method of methodNames(contract)) {
    if (contract[method.split('.')[0] as keyof typeof contract][method.split('.')[1] as never]?.['kind'] !== 'call') continue;
    ipcMain.handle(CALL_CHANNEL_PREFIX + method, (event, args) => {
      if (!isTrustedFrame(event.senderFrame)) {
        refuse(event);
        return { t: 'result', id: 0, ok: false, error: { code: 'forbidden', message: 'Refused.' } } satisfies ServerMessage;
      }
      return new Promise<ServerMessage>((resolve) => {
        const connection = dispatcher.connect(resolve, callerFor(event.sender));
        connection.receive({ t: 'call', id: 0, method, args });
      });
    });
  }

  ipcMain.on(STREAM_CHANNEL, (event, request: { method?: unknown; args?: unknown }) => {
    const [port] = event.ports;
    if (!port) return;
    if (!isTrustedFrame(event.senderFrame)) {
      refuse(event);
      port.postMessage({ t: 'result', id: 0, ok: false, error: { code: 'forbidden', message: 'Refused.' } });
      port.close();
      return;
    }
    const connection = dispatcher.connect((message) => {
      port.postMessage(message);
      if (message.t !== 'event') port.close();
    }, callerFor(event.sender));
    port.on('message', (message) => {
      if ((message.data as { t?: string })?.t === 'cancel') connection.receive({ t: 'cancel', id: 0 });
    });
    port.on('close', () => connection.close());
    port.start();
    connection.receive({ t: 'stream', id: 0, method: request?.method, args: request?.args });
  });
}
