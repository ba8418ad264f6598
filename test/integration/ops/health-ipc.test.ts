// health.history and health.watch through the real dispatcher and typed client: what the answer path records is
// what the Health view reads, and an open view hears each new event.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../../src/shared/contract/health';
import type { Services } from '../../../src/main/services';
import { connectClient } from '../chat/contract-client';
import { openTestServices, tempDataDir } from '../chat/library';

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  data = tempDataDir('lockstep-health-ipc-');
  services = openTestServices(data.dir);
});
afterEach(async () => {
  await services.close();
  data.remove();
});

describe('health IPC', () => {
  it('reads the last hour and streams new events', async () => {
    const { client } = connectClient(services);
    const heard: HealthEvent[] = [];
    const watch = client.health.watch({}, (event) => heard.push(event));
    // The stream is registered once a first call round-trips after it.
    await client.health.history({ minutes: 60 });

    services.ops.metrics.recordAnswer({ provider: 'lpu', model: 'm', ttftMs: 420, tokenIntervalsMs: [30, 40], tokensPerSecond: 28, retrievalMs: 9, prefillTokensPerSecond: 900 });
    services.ops.metrics.recordError('lpu_failed', { provider: 'lpu', model: 'm' });
    const window = await client.health.history({ minutes: 60 });
    expect(window.events.map((e) => e.kind)).toEqual(['answer', 'error']);
    expect(window.minutes.at(-1)).toMatchObject({ answers: 1, errors: 1, ttftP50Ms: 420, tokenIntervalP95Ms: 40 });
    expect(window.now - window.sinceMs).toBeGreaterThanOrEqual(60 * 60_000);
    expect(heard.map((e) => e.kind)).toEqual(['answer', 'error']);
    watch.cancel();
    await expect(watch.done).rejects.toMatchObject({ code: 'cancelled' });

    await expect(client.health.history({ minutes: 0 })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
