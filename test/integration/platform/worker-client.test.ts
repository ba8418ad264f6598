import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { log } from '../../../src/main/platform/log';
import { WorkerClient } from '../../../src/main/platform/worker-client';
import { onWorkerCrash } from '../../../src/main/platform/workers';

// The client the embedder and the cross-encoder share, against a real worker thread (test/fixtures/platform).

type EchoReply = { seq: number; ok: true; text: string } | { seq: number; ok: false; error: { code: string; message: string }; detail?: string };
interface EchoRequest {
  text: string;
  delayMs?: number;
  fail?: boolean;
  crash?: boolean;
}

const clients: WorkerClient<EchoRequest, EchoReply>[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close(new AppError('cancelled', 'closed'))));
});

function echo() {
  let starts = 0;
  const client = new WorkerClient<EchoRequest, EchoReply>({
    // startWorker resolves from src/main, so the fixture is named relative to it.
    script: '../../test/fixtures/platform/echo.worker.ts',
    workerData: () => ({ prefix: `#${++starts} ` }),
    crashLabel: 'echo',
    crashed: (cause) => new AppError('echo_crashed', 'The echo worker stopped.', cause),
    logPrefix: 'echo',
  });
  clients.push(client);
  return client;
}

describe('WorkerClient', () => {
  it('matches replies to requests by seq when they come back out of order', async () => {
    const client = echo();
    const slow = client.request({ text: 'slow', delayMs: 150 });
    const fast = client.request({ text: 'fast' });
    const order: string[] = [];
    await Promise.all([slow.then((r) => order.push(r.text)), fast.then((r) => order.push(r.text))]);
    expect(order).toEqual(['#1 fast', '#1 slow']);
  });

  it("rejects with the worker's AppError and logs the cause's stack", async () => {
    const logged = vi.spyOn(log, 'error').mockImplementation(() => {});
    await expect(echo().request({ text: 'x', fail: true })).rejects.toMatchObject({ code: 'echo_refused', message: 'Refused x.' });
    expect(logged).toHaveBeenCalledWith('echo: Refused x.', 'stack');
  });

  it('drops a cancelled request at once, and its late reply, without disturbing the next', async () => {
    const client = echo();
    const controller = new AbortController();
    const cancelled = client.request({ text: 'late', delayMs: 100 }, controller.signal);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    await expect(client.request({ text: 'next', delayMs: 150 })).resolves.toMatchObject({ text: '#1 next' });
  });

  it('fails every pending request when the thread dies, reports the crash, and starts a new thread on the next request', async () => {
    const client = echo();
    const crashes: string[] = [];
    const stop = onWorkerCrash((worker) => crashes.push(worker));
    try {
      const pending = client.request({ text: 'waiting', delayMs: 2_000 });
      const dying = client.request({ text: 'boom', crash: true });
      await expect(pending).rejects.toMatchObject({ code: 'echo_crashed' });
      await expect(dying).rejects.toMatchObject({ code: 'echo_crashed' });
      await expect(client.request({ text: 'again' })).resolves.toMatchObject({ text: '#2 again' });
    } finally {
      stop();
    }
    // process.exit in a worker is an 'exit', not an 'error': only an uncaught error counts as a crash report.
    expect(crashes).toEqual([]);
  });

  it('fails requests still pending with the reason given when closed', async () => {
    const client = echo();
    const pending = expect(client.request({ text: 'x', delayMs: 2_000 })).rejects.toMatchObject({ code: 'cancelled', message: 'The model was closed.' });
    await client.close(new AppError('cancelled', 'The model was closed.'));
    await pending;
  });
});
