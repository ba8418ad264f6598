import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manageLocalApi } from '../../../src/main/server/local-api-manager';
import { openTestServices, tempDataDir } from '../chat/library';
import { log } from '../../../src/main/platform/log';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('local API manager', () => {
  it('survives a failed start: the port is reported, and a later toggle still switches the API', async () => {
    const data = tempDataDir();
    const services = openTestServices(data.dir);
    cleanups.push(() => data.remove(), () => services.close());
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const busyPort = (squatter.address() as AddressInfo).port;

    await expect(manageLocalApi(services, { force: true, port: busyPort })).rejects.toMatchObject({ code: 'port_in_use', message: expect.stringContaining(String(busyPort)) });

    // A start from the setting logs its failure instead of throwing; the log lines are asserted, not printed.
    const errors = vi.spyOn(log, 'error').mockImplementation(() => {});
    const infos = vi.spyOn(log, 'info').mockImplementation(() => {});
    cleanups.push(() => { errors.mockRestore(); infos.mockRestore(); });
    services.settings.update({ localApiEnabled: true });
    const manager = await manageLocalApi(services, { port: busyPort });
    cleanups.push(() => manager.close());
    expect(manager.url()).toBeNull();
    expect(errors.mock.calls).toEqual([['could not start the local API', expect.objectContaining({ code: 'port_in_use' })]]);
    // Free the port, then toggle: the chain of switches was not wedged by the failure.
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    services.settings.update({ localApiEnabled: false });
    services.settings.update({ localApiEnabled: true });
    await expect.poll(() => manager.url(), { timeout: 5000 }).toBe(`http://127.0.0.1:${busyPort}/v1`);
    expect(infos.mock.calls).toEqual([[`local API listening on http://127.0.0.1:${busyPort}/v1`]]);
  });
});
