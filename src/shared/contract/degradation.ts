import { z } from 'zod';
import { answerChannel } from './chat';
import { call, stream } from './define';

// Domain `degradation`: where the answering chain stands (cloud → LPU on all workers → LPU on one worker →
// extractive), the alerts raised when a health threshold is crossed, and the steps it took.

export const degradationAlert = z.object({
  id: z.number().int(),
  at: z.number(),
  kind: z.enum(['stepped_down', 'recovered']),
  from: answerChannel,
  to: answerChannel,
  /** Where answers really go: `to`, or extractive when `to` is a local channel and no local chat model is installed. */
  answersOn: answerChannel,
  /** What crossed its threshold, e.g. "token-interval p95 exceeded 120 ms (measured 480 ms)". */
  reason: z.string(),
  /** One sentence in English; the fields above let the UI say the same in its own language. */
  message: z.string(),
});
export type DegradationAlert = z.infer<typeof degradationAlert>;

export const degradationState = z.object({
  /** The best channel answers may use now: 'groq' (the top) when nothing is stepped down. */
  floor: answerChannel,
  /** Where answers go now: the floor, or extractive when it is a local channel and no local chat model is installed. */
  answersOn: answerChannel,
  localModelInstalled: z.boolean(),
  reason: z.string().nullable(),
  since: z.number(),
  /** Step-down alerts since the user last looked (the badge count). */
  unseenAlerts: z.number().int(),
  /** Steps taken since start, by "from→to". */
  steps: z.record(z.string(), z.number().int()),
  recent: z.array(degradationAlert),
});
export type DegradationState = z.infer<typeof degradationState>;

/** The state first and on every change; each alert as it is raised. */
export const degradationEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: degradationState }),
  z.object({ type: z.literal('alert'), alert: degradationAlert }),
]);
export type DegradationEvent = z.infer<typeof degradationEvent>;

export const degradation = {
  status: call(z.object({}), degradationState),
  watch: stream(z.object({}), degradationEvent),
  /** The user saw the alerts: the badge count returns to zero. */
  markSeen: call(z.object({}), degradationState),
};
