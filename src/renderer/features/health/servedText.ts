import type { AnswerChannel, AnswerServing } from '../../../shared/contract/chat';
import type { DegradationAlert, DegradationState } from '../../../shared/contract/degradation';
import type { Language, Translate } from '../../i18n';

// Sentences about the degradation chain: which channel answered and why, and the alerts. The reasons come from
// main in English with their measured figures ("token-interval p95 exceeded 120 ms (measured 480 ms)").

export function channelName(channel: AnswerChannel, t: Translate): string {
  return t(`channel.${channel}`);
}

/** "Answered on the single-worker CPU channel because token-interval p95 exceeded 120 ms …", or null for an ordinary answer. */
export function servedExplanation(served: AnswerServing | null | undefined, t: Translate): string | null {
  if (!served?.channel || !served.reason) return null;
  return t('served.because', { channel: channelName(served.channel, t), reason: served.reason });
}

/** The step-downs the user has not seen yet, newest first, as the Health view's open alerts. */
export function openAlerts(state: DegradationState | null, language: Language, t: Translate): { id: string; message: string; at: number }[] {
  if (!state) return [];
  const unseen = state.recent.filter((alert) => alert.kind === 'stepped_down').slice(0, state.unseenAlerts);
  return unseen.map((alert) => ({ id: String(alert.id), message: alertText(alert, language, t), at: alert.at }));
}

export function alertText(alert: DegradationAlert, language: Language, t: Translate): string {
  if (language === 'en') return alert.message;
  const channel = channelName(alert.answersOn, t);
  if (alert.kind === 'recovered') return t('alert.recovered', { channel });
  return t(alert.answersOn === alert.to ? 'alert.steppedDown' : 'alert.steppedDownNoLocal', { channel, reason: alert.reason });
}

/** Where answers go while the chain is stepped down: the channel that really answers, and why it is not the floor. */
export function floorText(state: DegradationState, t: Translate): string {
  const values = { channel: channelName(state.answersOn, t), reason: state.reason ?? '' };
  return t(state.answersOn === state.floor ? 'alert.floor' : 'alert.floorNoLocal', values);
}
