import { contract, type LockstepClient } from '../../shared/contract/index';
import { createClient, type MessagePipe } from '../../shared/contract/client';
import type { ServerMessage } from '../../shared/contract/wire';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in browser mode. */
    lockstep?: LockstepClient;
    /** Electron only: grants dropped or picked files to this window; each file's real path, or null when it has none. */
    lockstepFiles?: { grant(files: File[]): Promise<(string | null)[]> };
  }
}

/** Browser mode: the contract over a WebSocket to the local server, authenticated with the launch token. */
function webSocketPipe(url: string): MessagePipe {
  const socket = new WebSocket(url);
  const queue: string[] = [];
  const messageListeners: ((message: ServerMessage) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
  socket.addEventListener('open', () => queue.splice(0).forEach((frame) => socket.send(frame)));
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as ServerMessage;
    for (const listener of messageListeners) listener(message);
  });
  socket.addEventListener('close', (event) => {
    for (const listener of closeListeners) listener(event.reason || 'connection closed');
  });
  return {
    send(message) {
      const frame = JSON.stringify(message);
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else queue.push(frame);
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onClose: (listener) => void closeListeners.push(listener),
  };
}

function connect(): LockstepClient {
  if (window.lockstep) return window.lockstep;
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const url = `ws://${window.location.host}/ipc?token=${encodeURIComponent(token)}`;
  return createClient(contract, webSocketPipe(url));
}

/** The one typed client every feature uses. */
export const client: LockstepClient = connect();

/** In Electron, main grants this window the files the user dropped or picked and returns their real paths; null when any has none. */
export async function grantedPaths(files: File[]): Promise<string[] | null> {
  const paths = window.lockstepFiles && files.length ? await window.lockstepFiles.grant(files) : [];
  return paths.length && paths.every(Boolean) ? (paths as string[]) : null;
}
