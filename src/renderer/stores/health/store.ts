import { create } from 'zustand';
import type { HealthWindow } from '../../../shared/contract/health';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';

/** An alert raised by the health thresholds: shown as the Health item's badge and listed in the view. */
export interface HealthAlert {
  id: string;
  message: string;
  /** Epoch ms it was raised. */
  at: number;
}

interface HealthState {
  /** The last hour of history, refreshed while the Health view is open. */
  window: HealthWindow | null;
  error: string | null;
  /** Open alerts; the alert evaluator sets them with setHealthAlerts. */
  alerts: HealthAlert[];
}

export const HEALTH_WINDOW_MINUTES = 60;

export const useHealthStore = create<HealthState>()(() => ({ window: null, error: null, alerts: [] }));

export function setHealthAlerts(alerts: HealthAlert[]): void {
  useHealthStore.setState({ alerts });
}

export async function loadHealth(): Promise<void> {
  try {
    useHealthStore.setState({ window: await client.health.history({ minutes: HEALTH_WINDOW_MINUTES }), error: null });
  } catch (error) {
    useHealthStore.setState({ error: errorMessage(error) });
  }
}

/**
 * Keeps the window current while the view is open: reloads after each recorded event (at most once a second) and
 * every 30 s so the hour slides. Returns the stop function.
 */
export function followHealth(): () => void {
  let pending: ReturnType<typeof setTimeout> | null = null;
  const reload = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void loadHealth();
    }, 1000);
  };
  void loadHealth();
  const handle = client.health.watch({}, reload);
  handle.done.catch(() => undefined);
  const sliding = setInterval(() => void loadHealth(), 30_000);
  return () => {
    handle.cancel();
    clearInterval(sliding);
    if (pending) clearTimeout(pending);
  };
}
