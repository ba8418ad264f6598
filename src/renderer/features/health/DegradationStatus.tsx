import { useT } from '../../i18n';
import { markAlertsSeen, useDegradationStore } from '../../stores/degradation/store';
import { withToast } from '../../stores/ui/store';
import { floorText } from './servedText';

/** In the meters: where the chain stands when it is stepped down, and a way to clear the alert badge. */
export function DegradationStatus() {
  const t = useT();
  const state = useDegradationStore((s) => s.state);
  if (!state || (state.floor === 'groq' && state.unseenAlerts === 0)) return null;
  return (
    <section className="degradation-status" data-testid="degradation-status">
      {state.floor !== 'groq' && state.reason && <p className="notice warn">{floorText(state, t)}</p>}
      {state.unseenAlerts > 0 && (
        <button className="button small ghost" onClick={() => void withToast(markAlertsSeen)} data-testid="dismiss-alerts">
          {t('alert.dismiss')} ({t('alert.badge', { n: state.unseenAlerts })})
        </button>
      )}
    </section>
  );
}
