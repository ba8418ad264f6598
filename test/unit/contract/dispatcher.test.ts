import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { call, stream, type ContractHandlers } from '../../../src/shared/contract/define';
import { createClient, type MessagePipe } from '../../../src/shared/contract/client';
import type { ServerMessage } from '../../../src/shared/contract/wire';
import { createDispatcher } from '../../../src/main/ipc/dispatcher';
import { AppError } from '../../../src/shared/errors';
import { log } from '../../../src/main/platform/log';

const testContract = {
  math: {
    add: call(z.object({ a: z.number(), b: z.number() }), z.number()),
    fail: call(z.object({}), z.number()),
    crash: call(z.object({}), z.number()),
    count: stream(z.object({ to: z.number().int().max(1000) }), z.object({ n: z.number() })),
    forever: stream(z.object({}), z.object({ tick: z.number() })),
  },
};

function connect(handlers: ContractHandlers<typeof testContract>) {
  const dispatcher = createDispatcher(testContract, handlers, 'test');
  const listeners: ((m: ServerMessage) => void)[] = [];
  const seen: ServerMessage[] = [];
  const connection = dispatcher.connect((message) => {
    // Round-trip through JSON like a real socket would.
    const copy = JSON.parse(JSON.stringify(message)) as ServerMessage;
    seen.push(copy);
    queueMicrotask(() => listeners.forEach((l) => l(copy)));
  });
  const pipe: MessagePipe = {
    send: (message) => queueMicrotask(() => connection.receive(JSON.parse(JSON.stringify(message)))),
    onMessage: (l) => void listeners.push(l),
    onClose: () => undefined,
  };
  return { client: createClient(testContract, pipe), connection, seen };
}

let foreverAborted = false;
const handlers: ContractHandlers<typeof testContract> = {
  math: {
    add: ({ a, b }) => a + b,
    fail: () => {
      throw new AppError('no_luck', 'This always fails.');
    },
    crash: () => {
      throw new Error('secret internal detail');
    },
    count: async ({ to }, emit) => {
      for (let n = 1; n <= to; n++) emit({ n });
    },
    forever: async (_req, emit, { signal }) => {
      let tick = 0;
      while (!signal.aborted) {
        emit({ tick: tick++ });
        await new Promise((r) => setTimeout(r, 1));
      }
      foreverAborted = true;
    },
  },
};

describe('IPC dispatcher and client', () => {
  it('answers a call with the handler result', async () => {
    const { client } = connect(handlers);
    await expect(client.math.add({ a: 2, b: 40 })).resolves.toBe(42);
  });

  it('rejects invalid arguments before the handler runs, naming the field', async () => {
    const { client } = connect(handlers);
    await expect(client.math.add({ a: 2, b: 'x' as unknown as number })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('at b') });
  });

  it('carries AppError code and message, and hides internal errors from the caller but logs them', async () => {
    const logged = vi.spyOn(log, 'error').mockImplementation(() => {});
    try {
      const { client } = connect(handlers);
      await expect(client.math.fail({})).rejects.toMatchObject({ code: 'no_luck', message: 'This always fails.' });
      const crash = client.math.crash({});
      await expect(crash).rejects.toMatchObject({ code: 'internal' });
      await expect(crash).rejects.not.toMatchObject({ message: expect.stringContaining('secret') });
      // The detail goes to the main-process log only, once; an AppError is the caller's business and is not logged.
      expect(logged.mock.calls).toEqual([['ipc test: handler failed', new Error('secret internal detail')]]);
    } finally {
      logged.mockRestore();
    }
  });

  it('refuses unknown methods and malformed frames', () => {
    const { connection, seen } = connect(handlers);
    connection.receive({ t: 'call', id: 7, method: 'math.nope', args: {} });
    connection.receive({ t: 'call', id: 8, method: '__proto__.constructor', args: {} });
    connection.receive('garbage');
    expect(seen.map((m) => (m.t === 'result' && !m.ok ? m.error.code : m.t))).toEqual(['unknown_method', 'unknown_method', 'bad_message']);
  });

  it('streams events in order and ends', async () => {
    const { client } = connect(handlers);
    const events: number[] = [];
    const handle = client.math.count({ to: 5 }, (e) => events.push(e.n));
    await handle.done;
    expect(events).toEqual([1, 2, 3, 4, 5]);
  });

  it('cancels a stream: the handler sees the abort and the caller gets code cancelled', async () => {
    const { client } = connect(handlers);
    let ticks = 0;
    const handle = client.math.forever({}, () => {
      ticks++;
      if (ticks === 3) handle.cancel();
    });
    await expect(handle.done).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 10));
    expect(foreverAborted).toBe(true);
  });
});
