import { contract, type LockstepClient } from '../../../src/shared/contract/index';
import { createClient } from '../../../src/shared/contract/client';
import type { ClientMessage, ServerMessage } from '../../../src/shared/contract/wire';
import { createDispatcher } from '../../../src/main/ipc/dispatcher';
import { createHandlers } from '../../../src/main/handlers/index';
import type { Services } from '../../../src/main/services';

/** The typed client over an in-memory pipe through the real dispatcher; `seen` holds every message sent to the "renderer". */
export function connectClient(services: Services): { client: LockstepClient; seen: string[] } {
  const seen: string[] = [];
  let listener: ((message: ServerMessage) => void) | undefined;
  const connection = createDispatcher(contract, createHandlers(services, 'browser'), 'test').connect((message) => {
    seen.push(JSON.stringify(message));
    queueMicrotask(() => listener?.(JSON.parse(JSON.stringify(message))));
  });
  const client = createClient(contract, {
    send: (message: ClientMessage) => connection.receive(JSON.parse(JSON.stringify(message))),
    onMessage: (l) => void (listener = l),
    onClose: () => {},
  });
  return { client, seen };
}
