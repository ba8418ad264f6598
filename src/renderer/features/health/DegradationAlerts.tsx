import { useEffect } from 'react';
import { useLanguage, useT } from '../../i18n';
import { useDegradationStore, watchDegradation } from '../../stores/degradation/store';
import { showToast } from '../../stores/ui/store';
import { alertText } from './servedText';
import './health.css';

/** Follows the degradation chain for the whole window and shows each alert as a toast, in the UI's language. */
export function DegradationAlerts() {
  const t = useT();
  const language = useLanguage();
  const latest = useDegradationStore((s) => s.latest);
  useEffect(() => watchDegradation(), []);
  useEffect(() => {
    if (latest) showToast(alertText(latest, language, t));
    // Only a new alert shows a toast, not a change of language.
  }, [latest]);
  return null;
}

/** The count of alerts not yet seen, as a badge (on the meters button while there is no Health view). */
export function AlertBadge() {
  const t = useT();
  const unseen = useDegradationStore((s) => s.state?.unseenAlerts ?? 0);
  if (unseen === 0) return null;
  return (
    <span className="alert-badge" title={t('alert.badge', { n: unseen })} aria-label={t('alert.badge', { n: unseen })} data-testid="alert-badge">
      {unseen}
    </span>
  );
}
