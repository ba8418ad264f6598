import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { contract } from '../shared/contract/index';
import { createClient, type MessagePipe } from '../shared/contract/client';
import type { ClientMessage, ServerMessage } from '../shared/contract/wire';
import { CALL_CHANNEL_PREFIX, GRANT_CHANNEL, STREAM_CHANNEL } from '../shared/contract/electron-channels';

// Calls go through ipcRenderer.invoke on a per-method channel; each stream gets its own MessagePort.
const messageListeners: ((message: ServerMessage) => void)[] = [];
const streamPorts = new Map<number, MessagePort>();
const deliver = (message: ServerMessage) => messageListeners.forEach((listener) => listener(message));

const pipe: MessagePipe = {
  send(message: ClientMessage) {
    if (message.t === 'call') {
      ipcRenderer
        .invoke(CALL_CHANNEL_PREFIX + message.method, message.args)
        .then((reply: ServerMessage) => deliver({ ...reply, id: message.id } as ServerMessage));
    } else if (message.t === 'stream') {
      const channel = new MessageChannel();
      streamPorts.set(message.id, channel.port1);
      channel.port1.onmessage = (event) => {
        const reply = { ...(event.data as ServerMessage), id: message.id } as ServerMessage;
        if (reply.t !== 'event') {
          streamPorts.delete(message.id);
          channel.port1.close();
        }
        deliver(reply);
      };
      ipcRenderer.postMessage(STREAM_CHANNEL, { method: message.method, args: message.args }, [channel.port2]);
    } else {
      streamPorts.get(message.id)?.postMessage({ t: 'cancel' });
    }
  },
  onMessage: (listener) => void messageListeners.push(listener),
  onClose: () => undefined,
};

contextBridge.exposeInMainWorld('lockstep', createClient(contract, pipe));
// Files the user dropped or picked are granted to this window by path (webUtils knows only real OS files, so a
// page cannot forge one); main answers with each file's real path, or null, and reads nothing else the page names.
contextBridge.exposeInMainWorld('lockstepFiles', {
  grant: (files: File[]): Promise<(string | null)[]> => ipcRenderer.invoke(GRANT_CHANNEL, Array.from(files, (file) => webUtils.getPathForFile(file))),
});
