import { create } from 'zustand';
import type { DegradationAlert, DegradationState } from '../../../shared/contract/degradation';
import { client } from '../../ipc/client';

// Where the answering chain stands and the alerts it raised, followed from main for as long as the app runs.

interface DegradationStoreState {
  state: DegradationState | null;
  /** The newest alert as it arrived (shown once as a toast). */
  latest: DegradationAlert | null;
}

export const useDegradationStore = create<DegradationStoreState>()(() => ({ state: null, latest: null }));

export function watchDegradation(): () => void {
  const handle = client.degradation.watch({}, (event) => {
    if (event.type === 'state') useDegradationStore.setState({ state: event.state });
    else useDegradationStore.setState({ latest: event.alert });
  });
  // A lost connection is reported by the settings watch; alerts simply stop until the window reconnects.
  handle.done.catch(() => undefined);
  return handle.cancel;
}

/** The user looked at the alerts: the badge goes away. */
export async function markAlertsSeen(): Promise<void> {
  useDegradationStore.setState({ state: await client.degradation.markSeen({}) });
}
