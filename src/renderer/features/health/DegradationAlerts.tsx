import { useEffect } from 'react';
import { useLanguage, useT } from '../../i18n';
import { useDegradationStore, watchDegradation } from '../../stores/degradation/store';
import { setHealthAlerts } from '../../stores/health/store';
import { showToast } from '../../stores/ui/store';
import { alertText, openAlerts } from './servedText';
import './health.css';

/**
 * Follows the degradation chain for the whole window: each alert shows once as a toast, in the UI's language, and
 * the step-downs not yet seen are the Health view's open alerts (its badge in the sidebar).
 */
export function DegradationAlerts() {
  const t = useT();
  const language = useLanguage();
  const latest = useDegradationStore((s) => s.latest);
  const state = useDegradationStore((s) => s.state);
  useEffect(() => watchDegradation(), []);
  useEffect(() => {
    if (latest) showToast(alertText(latest, language, t));
    // Only a new alert shows a toast, not a change of language.
  }, [latest]);
  useEffect(() => {
    setHealthAlerts(openAlerts(state, language, t));
    // The sentences follow the language; `t` itself changes with it.
  }, [state, language]);
  return null;
}
