import { describe, expect, it } from 'vitest';
import { rewriteFollowUp } from '../../../src/main/chat/follow-up';

describe('rewriteFollowUp', () => {
  const history = ['What is the warranty period for the Model X battery?'];

  it('prepends the previous question key terms to a pronoun-only follow-up', () => {
    expect(rewriteFollowUp('Does it cover water damage?', history)).toEqual({
      query: 'warranty period model battery Does it cover water damage?',
      rewritten: true,
    });
  });

  it('rewrites "what about" openers', () => {
    const result = rewriteFollowUp('What about the charger?', history);
    expect(result.rewritten).toBe(true);
    expect(result.query).toBe('warranty period model battery What about the charger?');
  });

  it('leaves self-contained questions alone, even with a pronoun', () => {
    expect(rewriteFollowUp('How long does the solar inverter take to install on a roof?', history)).toEqual({
      query: 'How long does the solar inverter take to install on a roof?',
      rewritten: false,
    });
  });

  it('leaves the first question of a thread alone', () => {
    expect(rewriteFollowUp('Is it waterproof?', [])).toEqual({ query: 'Is it waterproof?', rewritten: false });
  });

  it('handles short Chinese follow-ups', () => {
    const result = rewriteFollowUp('它多少钱？', ['Model X battery warranty']);
    expect(result).toEqual({ query: 'model battery warranty 它多少钱？', rewritten: true });
  });

  it('reaches back past a follow-up that has no terms of its own', () => {
    const result = rewriteFollowUp('And that?', ['Explain the refund policy', 'Why is that?']);
    expect(result.query).toBe('refund policy And that?');
  });
});
