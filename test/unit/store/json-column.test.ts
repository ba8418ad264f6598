import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { jsonColumn, readJsonColumn } from '../../../src/main/store/json-column';

const served = z.object({ channel: z.enum(['lpu', 'lpu_single']), reason: z.string().optional() });

describe('JSON columns', () => {
  it('round-trips a value through its schema and writes NULL for an absent one', () => {
    const value = { channel: 'lpu_single' as const, reason: 'token-interval p95 exceeded 250 ms' };
    expect(readJsonColumn(jsonColumn(value), served)).toEqual(value);
    expect(jsonColumn(undefined)).toBeNull();
    expect(jsonColumn(null)).toBeNull();
    expect(jsonColumn({})).toBe('{}');
  });

  it.each([
    ['NULL', null],
    ['an empty string', ''],
    ['text that is not JSON', '{"channel":'],
    ['JSON of another shape', '{"channel":"carrier pigeon"}'],
  ])('reads %s as absent', (_name, text) => {
    expect(readJsonColumn(text, served)).toBeNull();
  });
});
