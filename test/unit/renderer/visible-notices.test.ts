import { describe, expect, it } from 'vitest';
import type { ChatMessage, Notice } from '../../../src/renderer/stores/chat/reducer';
import { visibleNotices } from '../../../src/renderer/stores/chat/selectors';

const answer = (id: number, ...kinds: Notice['kind'][]) => ({ id, role: 'assistant', notices: kinds.map((kind) => ({ kind, message: kind })) }) as unknown as ChatMessage;

describe('visible notices', () => {
  it('shows a standing notice (no model, keywords only) once, on the latest answer that has it', () => {
    const messages = { 1: answer(1, 'extractive', 'keyword_only', 'follow_up'), 2: answer(2, 'extractive'), 3: answer(3, 'not_found') };
    const ids = [1, 2, 3];
    expect(visibleNotices(ids, messages, 1).map((n) => n.kind)).toEqual(['keyword_only', 'follow_up']);
    expect(visibleNotices(ids, messages, 2).map((n) => n.kind)).toEqual(['extractive']);
    expect(visibleNotices(ids, messages, 3).map((n) => n.kind)).toEqual(['not_found']);
  });
  it('keeps notices about one answer (fallback, trimmed context) on every answer', () => {
    const messages = { 1: answer(1, 'fallback', 'context_trimmed'), 2: answer(2, 'fallback', 'context_trimmed') };
    expect(visibleNotices([1, 2], messages, 1).map((n) => n.kind)).toEqual(['fallback', 'context_trimmed']);
  });
});
