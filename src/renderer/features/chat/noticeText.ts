import type { Language, Translate } from '../../i18n';
import type { Notice } from '../../stores/chat/reducer';

/**
 * The server's sentence in English (it names models and counts); the UI's own translation in other languages,
 * filled from the notice's fields. A notice without the fields a translation needs keeps the server's sentence.
 */
export function noticeText(notice: Notice, language: Language, t: Translate): string {
  if (notice.kind === 'rate_limited' && notice.secondsLeft !== undefined) return t('notice.rateLimited', { n: notice.secondsLeft });
  if (language === 'en' && notice.message) return notice.message;
  return translatedNotice(notice, t) ?? notice.message;
}

function translatedNotice(notice: Notice, t: Translate): string | null {
  switch (notice.kind) {
    case 'fallback':
      if (notice.fallbackFrom === 'openai') return t(notice.fallbackTo === 'extractive' ? 'notice.serverFallbackExtractive' : 'notice.serverFallback');
      return t(notice.fallbackTo === 'extractive' ? 'notice.fallbackExtractive' : 'notice.fallback');
    case 'not_found':
      return t('notice.notFound');
    case 'extractive':
      return t('notice.extractive');
    case 'keyword_only':
      // Notices from before reasons were recorded had one cause only: no embedding model.
      return t(notice.reason ? `notice.keywordOnly.${notice.reason}` : 'notice.keywordOnly');
    case 'context_trimmed':
      if (notice.used === undefined || notice.total === undefined || notice.model === undefined) return null;
      return notice.limit !== undefined
        ? t('notice.tokenLimitTrimmed', { used: notice.used, total: notice.total, model: notice.model })
        : t('notice.contextTrimmed', { used: notice.used, total: notice.total, model: notice.model });
    case 'model_replaced':
      return notice.previousModel !== undefined && notice.model !== undefined ? t('notice.modelReplaced', { from: notice.previousModel, to: notice.model }) : null;
    case 'request_too_large':
      return notice.limit !== undefined && notice.model !== undefined ? t('notice.requestTooLarge', { limit: notice.limit, model: notice.model }) : null;
    case 'length_limit':
      return notice.limit !== undefined ? t('notice.lengthLimit', { limit: notice.limit }) : null;
    case 'degraded':
      return notice.channel !== undefined ? t('notice.degraded', { channel: t(`channel.${notice.channel}`) }) : null;
    case 'cached':
      return t('notice.cached');
    case 'follow_up':
      return notice.query !== undefined ? t('notice.followUp', { query: notice.query }) : null;
    default:
      return null;
  }
}
