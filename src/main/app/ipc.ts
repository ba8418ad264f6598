import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';
import { contract, type LockstepHandlers } from '../../shared/contract/index';
import { methodNames } from '../../shared/contract/define';
import { CALL_CHANNEL_PREFIX, STREAM_CHANNEL } from '../../shared/contract/electron-channels';
import type { ServerMessage } from '../../shared/contract/wire';
import { createDispatcher } from '../ipc/dispatcher';
import { log } from '../platform/log';

/** Registers one ipcMain.handle per contract call and one stream channel; every sender frame is checked. */
export function registerIpc(handlers: LockstepHandlers, isTrustedFrame: (frame: WebFrameMain | null) => boolean): void {
  const dispatcher = createDispatcher(contract, handlers, 'electron');
  const refuse = (event: IpcMainEvent | IpcMainInvokeEvent) => {
    log.warn(`ipc: refused a message from an untrusted frame (${event.senderFrame?.url ?? 'unknown'})`);
  };

  for (const method of methodNames(contract)) {
    if (contract[method.split('.')[0] as keyof typeof contract][method.split('.')[1] as never]?.['kind'] !== 'call') continue;
    ipcMain.handle(CALL_CHANNEL_PREFIX + method, (event, args) => {
      if (!isTrustedFrame(event.senderFrame)) {
        refuse(event);
        return { t: 'result', id: 0, ok: false, error: { code: 'forbidden', message: 'Refused.' } } satisfies ServerMessage;
      }
      return new Promise<ServerMessage>((resolve) => {
        const connection = dispatcher.connect(resolve);
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
    });
    port.on('message', (message) => {
      if ((message.data as { t?: string })?.t === 'cancel') connection.receive({ t: 'cancel', id: 0 });
    });
    port.on('close', () => connection.close());
    port.start();
    connection.receive({ t: 'stream', id: 0, method: request?.method, args: request?.args });
  });
}
