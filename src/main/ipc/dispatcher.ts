import { AppError, toWireError } from '../../shared/errors';
import { lookupMethod, type CallerContext, type ContractHandlers, type ContractSpec } from '../../shared/contract/define';
import { clientMessage, type ServerMessage } from '../../shared/contract/wire';
import { log } from '../platform/log';

/** One connected client (a WebSocket, an Electron window): owns the streams it started. */
export interface Connection {
  receive(raw: unknown): void;
  close(): void;
}

/**
 * Validates every inbound message against the contract before a handler sees it, and serialises
 * every failure as {code, message}: transports only move bytes.
 */
export function createDispatcher<C extends ContractSpec>(contract: C, handlers: ContractHandlers<C>, transport: string) {
  const handlerFor = (method: string) => {
    const dot = method.indexOf('.');
    const domain = (handlers as Record<string, Record<string, unknown>>)[method.slice(0, dot)];
    return domain?.[method.slice(dot + 1)] as ((...args: unknown[]) => unknown) | undefined;
  };

  return {
    /** `caller` carries what the transport knows about who is calling (grants); by default nothing is granted. */
    connect(send: (message: ServerMessage) => void, caller: CallerContext = {}): Connection {
      const streams = new Map<number, AbortController>();
      const connectionAbort = new AbortController();

      const fail = (id: number, error: unknown) => {
        if (!(error instanceof AppError)) log.error(`ipc ${transport}: handler failed`, error);
        send({ t: 'result', id, ok: false, error: toWireError(error) });
      };

      return {
        receive(raw) {
          const parsed = clientMessage.safeParse(raw);
          if (!parsed.success) {
            const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
            send({ t: 'result', id, ok: false, error: { code: 'bad_message', message: 'Malformed request.' } });
            return;
          }
          const message = parsed.data;
          if (message.t === 'cancel') {
            streams.get(message.id)?.abort();
            return;
          }
          const spec = lookupMethod(contract, message.method);
          const handler = handlerFor(message.method);
          if (!spec || !handler || spec.kind !== message.t) {
            send({ t: 'result', id: message.id, ok: false, error: { code: 'unknown_method', message: `Unknown method ${message.method}.` } });
            return;
          }
          const args = spec.request.safeParse(message.args);
          if (!args.success) {
            const issue = args.error.issues[0];
            const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
            send({
              t: 'result',
              id: message.id,
              ok: false,
              error: { code: 'invalid_argument', message: `Invalid argument for ${message.method}${where}: ${issue?.message ?? 'rejected'}.` },
            });
            return;
          }
          const abort = new AbortController();
          const signal = AbortSignal.any([abort.signal, connectionAbort.signal]);
          const ctx = { signal, transport, grantedPaths: caller.grantedPaths, chooseFolder: caller.chooseFolder, chooseFiles: caller.chooseFiles, picker: caller.picker };
          if (spec.kind === 'call') {
            Promise.resolve()
              .then(() => handler(args.data, ctx))
              .then((value) => send({ t: 'result', id: message.id, ok: true, value: spec.response.parse(value) }))
              .catch((error) => fail(message.id, error));
            return;
          }
          streams.set(message.id, abort);
          const emit = (event: unknown) => {
            if (!signal.aborted) send({ t: 'event', id: message.id, event: spec.event.parse(event) });
          };
          Promise.resolve()
            .then(() => handler(args.data, emit, ctx))
            .then(() => (signal.aborted ? fail(message.id, new AppError('cancelled', 'Cancelled.')) : send({ t: 'end', id: message.id })))
            .catch((error) => fail(message.id, signal.aborted ? new AppError('cancelled', 'Cancelled.') : error))
            .finally(() => streams.delete(message.id));
        },
        close() {
          connectionAbort.abort();
          streams.clear();
        },
      };
    },
  };
}
