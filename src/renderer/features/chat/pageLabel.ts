import type { AnswerSource } from '../../../shared/contract/chat';
import type { Translate } from '../../i18n';

/** "p. 4", "pp. 4–5", or the printed label ("Slide 3", "iv") when the document has one. */
export function pageLabel(source: Pick<AnswerSource, 'pageStart' | 'pageEnd' | 'label'>, t: Translate): string {
  if (source.label) return /^[\divxlcdm]+$/i.test(source.label) ? t('chat.page', { page: source.label }) : source.label;
  return source.pageEnd > source.pageStart ? t('chat.pages', { start: source.pageStart, end: source.pageEnd }) : t('chat.page', { page: source.pageStart });
}
