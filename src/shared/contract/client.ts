import { AppError, fromWireError } from '../errors';
import type { ContractClient, ContractSpec, StreamHandle } from './define';
import type { ClientMessage, ServerMessage } from './wire';

/** A bidirectional message pipe: a WebSocket, a MessagePort, or an in-memory pair in tests. */
export interface MessagePipe {
  send(message: ClientMessage): void;
  onMessage(listener: (message: ServerMessage) => void): void;
  onClose(listener: (reason: string) => void): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: AppError): void;
  onEvent?: (event: unknown) => void;
}

/** Builds the typed client for a contract over any pipe; requests are validated again on the server. */
export function createClient<C extends ContractSpec>(contract: C, pipe: MessagePipe): ContractClient<C> {
  let nextId = 1;
  const pending = new Map<number, Pending>();

  pipe.onMessage((message) => {
    const entry = pending.get(message.id);
    if (!entry) return;
    if (message.t === 'event') {
      entry.onEvent?.(message.event);
    } else if (message.t === 'end') {
      pending.delete(message.id);
      entry.resolve(undefined);
    } else if (message.ok) {
      pending.delete(message.id);
      entry.resolve(message.value);
    } else {
      pending.delete(message.id);
      entry.reject(fromWireError(message.error));
    }
  });
  pipe.onClose((reason) => {
    for (const entry of pending.values()) entry.reject(new AppError('disconnected', `Lost the connection to Lockstep (${reason}).`));
    pending.clear();
  });

  const client: Record<string, Record<string, unknown>> = {};
  for (const [domain, methods] of Object.entries(contract)) {
    client[domain] = {};
    for (const [name, spec] of Object.entries(methods)) {
      const method = `${domain}.${name}`;
      client[domain][name] =
        spec.kind === 'call'
          ? (args: unknown) =>
              new Promise((resolve, reject) => {
                const id = nextId++;
                pending.set(id, { resolve, reject });
                pipe.send({ t: 'call', id, method, args });
              })
          : (args: unknown, onEvent: (event: unknown) => void): StreamHandle => {
              const id = nextId++;
              const done = new Promise<void>((resolve, reject) => {
                pending.set(id, { resolve: () => resolve(), reject, onEvent });
              });
              pipe.send({ t: 'stream', id, method, args });
              return { done, cancel: () => pipe.send({ t: 'cancel', id }) };
            };
    }
  }
  return client as ContractClient<C>;
}
