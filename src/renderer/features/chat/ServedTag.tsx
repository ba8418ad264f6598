import type { AnswerServing } from '../../../shared/contract/chat';
import { useT } from '../../i18n';
import { formatDuration } from '../../i18n/format';
import { servedExplanation } from '../health/servedText';

/** "Cached · 3 min ago" for an answer from the answer cache. */
export function CachedTag({ served }: { served: AnswerServing | null }) {
  const t = useT();
  if (served?.cachedAt === undefined) return null;
  const age = formatDuration(Math.max(1, (Date.now() - served.cachedAt) / 1000), t);
  return (
    <span className="pill" title={t('served.cachedTitle')} data-testid="cached-tag">
      {t('served.cached', { age })}
    </span>
  );
}

/** Why an answer came from a lower step of the degradation chain, in a sentence. */
export function ServedChannel({ served }: { served: AnswerServing | null }) {
  const t = useT();
  const text = servedExplanation(served, t);
  if (!text) return null;
  return (
    <p className="faint served-channel" data-testid="served-channel" data-channel={served?.channel}>
      {text}
    </p>
  );
}
