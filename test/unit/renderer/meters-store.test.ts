import { beforeEach, describe, expect, it } from 'vitest';
import type { AnswerMeters, ChatEvent, MessageRecord } from '../../../src/shared/contract/chat';
import { recordMeterEvent, showStoredMeters, useMetersStore } from '../../../src/renderer/stores/meters/store';

// The meters follow the provider that actually answers, and keep their figures when an answer is stopped.

const groq: AnswerMeters = { provider: 'groq', ttftMs: 120, tokensPerSecond: 400, promptTokens: 50, completionTokens: 3, queueTime: 0.01, promptTime: 0.02, completionTime: 0.1, totalTime: 0.13 };
const started: ChatEvent = { type: 'started', threadId: 1, userMessageId: 1, assistantMessageId: 2, provider: 'groq', model: 'llama-3.3-70b-versatile', query: 'q' };
const done = (status: MessageRecord['status'], meters: AnswerMeters | null) => ({ type: 'done', message: { meters, status } }) as unknown as ChatEvent;

beforeEach(() => showStoredMeters(null, null, null));

describe('meters store', () => {
  it('switches to the local model after a Groq fallback and shows its figures', () => {
    recordMeterEvent(started);
    recordMeterEvent({ type: 'meters', meters: groq });
    recordMeterEvent({ type: 'notice', kind: 'fallback', fallbackTo: 'lpu', model: 'SmolLM2-135M', resetText: true, message: 'Groq could not be reached.' });
    expect(useMetersStore.getState()).toMatchObject({ provider: 'lpu', model: 'SmolLM2-135M', meters: null });
    recordMeterEvent({ type: 'delta', text: 'a', token: { index: 0, cycles: 10, emulatedUs: 1, wallUs: 2 } });
    expect(useMetersStore.getState().samples.index).toEqual([0]);
  });

  it('takes the provider from the figures themselves', () => {
    recordMeterEvent(started);
    recordMeterEvent({ type: 'meters', meters: { provider: 'extractive', wallMs: 3 } });
    expect(useMetersStore.getState()).toMatchObject({ provider: 'extractive', meters: { wallMs: 3 } });
  });

  it('keeps the last figures and samples after Stop', () => {
    recordMeterEvent({ ...started, provider: 'lpu', model: 'SmolLM2-135M' } as ChatEvent);
    recordMeterEvent({ type: 'delta', text: 'a', token: { index: 0, cycles: 10, emulatedUs: 1, wallUs: 2 } });
    recordMeterEvent({ type: 'delta', text: 'b', token: { index: 1, cycles: 10, emulatedUs: 1, wallUs: 2 } });
    recordMeterEvent(done('cancelled', null));
    expect(useMetersStore.getState()).toMatchObject({ provider: 'lpu', model: 'SmolLM2-135M' });
    expect(useMetersStore.getState().samples.index).toEqual([0, 1]);

    recordMeterEvent(started);
    recordMeterEvent({ type: 'meters', meters: groq });
    recordMeterEvent(done('cancelled', null));
    expect(useMetersStore.getState().meters).toEqual(groq);
  });
});
