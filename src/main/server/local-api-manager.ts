import { log } from '../platform/log';
import type { Services } from '../services';
import { startLocalApi, type LocalApi } from './local-api';

export interface LocalApiManager {
  /** The running API's base URL, or null while it is off. */
  url(): string | null;
  close(): Promise<void>;
}

/**
 * Runs the local API while the localApiEnabled or mcpEnabled setting is on (or always, with `force` from `lockstep serve --api`),
 * starting and stopping it as the setting changes.
 */
export async function manageLocalApi(services: Services, options: { force?: boolean; port?: number; metrics?: boolean; mcp?: boolean } = {}): Promise<LocalApiManager> {
  let api: LocalApi | null = null;
  let transition: Promise<void> = Promise.resolve();
  // Each switch runs after the previous one settles, whether it succeeded or failed: one failed start must not
  // wedge every later toggle.
  const apply = (enabled: boolean) =>
    (transition = transition.catch(() => undefined).then(async () => {
      if (enabled && !api) {
        api = await startLocalApi({ services, port: options.port, metrics: options.metrics, mcp: options.mcp });
        log.info(`local API listening on ${api.url}`);
      } else if (!enabled && api) {
        await api.close();
        api = null;
      }
      services.chat.localApiUrl = api?.url ?? null;
    }));
  const unsubscribe = options.force
    ? () => {}
    : services.settings.onChange((settings) => void apply(settings.localApiEnabled || settings.mcpEnabled).catch((error) => log.error('could not switch the local API', error)));
  try {
    await apply(options.force === true || services.settings.get().localApiEnabled || services.settings.get().mcpEnabled);
  } catch (error) {
    // A forced start (serve --api) reports the failure; a start from the setting is retried by the next toggle.
    if (options.force) {
      unsubscribe();
      throw error;
    }
    log.error('could not start the local API', error);
  }
  return {
    url: () => api?.url ?? null,
    async close() {
      unsubscribe();
      await apply(false);
    },
  };
}
