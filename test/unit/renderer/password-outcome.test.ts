import { describe, expect, it } from 'vitest';
import { passwordOutcome } from '../../../src/renderer/features/library/passwordOutcome';

// The password dialog stays open while the password is checked and after a wrong one; it closes once settled.
describe('password outcome', () => {
  const submitted = { updatedAt: 100 };
  it('is still checking while the document is unchanged, queued or being read', () => {
    expect(passwordOutcome(submitted, { status: 'needs_password', updatedAt: 100 })).toBe('checking');
    expect(passwordOutcome(submitted, { status: 'queued', updatedAt: 101 })).toBe('checking');
    expect(passwordOutcome(submitted, { status: 'processing', updatedAt: 102 })).toBe('checking');
  });
  it('is wrong when the document comes back asking for its password', () => {
    expect(passwordOutcome(submitted, { status: 'needs_password', updatedAt: 103 })).toBe('wrong');
  });
  it('is settled once indexed, or failed for a reason the library row explains', () => {
    expect(passwordOutcome(submitted, { status: 'indexed', updatedAt: 104 })).toBe('settled');
    expect(passwordOutcome(submitted, { status: 'failed', updatedAt: 104 })).toBe('settled');
  });
});
