import { useT } from '../../i18n';
import { formatDuration } from '../../i18n/format';
import { useMetersStore } from '../../stores/meters/store';
import { servedExplanation } from '../health/servedText';

/** Under the figures: the channel this answer was served on and why, or that it came from the cache. */
export function ServedNote() {
  const t = useT();
  const served = useMetersStore((s) => s.served);
  const explanation = servedExplanation(served, t);
  // A cached answer keeps the channel note of its first answering, shown under "Cached · age".
  const cached =
    served?.cachedAt !== undefined ? (
      <p className="faint" data-meter="served">
        {t('served.cached', { age: formatDuration(Math.max(1, (Date.now() - served.cachedAt) / 1000), t) })}
      </p>
    ) : null;
  const channel = explanation ? (
    <p className="notice warn" data-meter={cached ? 'served-channel' : 'served'}>
      {explanation}
    </p>
  ) : null;
  return cached || channel ? (
    <>
      {cached}
      {channel}
    </>
  ) : null;
}
