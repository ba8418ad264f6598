import { describe, expect, it } from 'vitest';
import { isGarbled } from '../../../src/main/ingest/text-quality';

const repeat = (text: string, n: number) => Array(n).fill(text).join(' ');

describe('isGarbled', () => {
  it('flags letter-spaced OCR noise and wrongly mapped glyphs', () => {
    expect(isGarbled(repeat('(a) A l e t t e r from t h e i r c o n t r a c t s «POAH «3E*»CM tanntxim', 4))).toBe(true);
    expect(isGarbled(repeat('\uE001\uE002\uE003 \uE004\uE005', 10))).toBe(true);
  });

  it('accepts clean prose, code listings, tables of contents and CJK text', () => {
    expect(isGarbled(repeat('Dynamic languages such as JavaScript are more difficult to compile than statically typed ones.', 5))).toBe(false);
    expect(isGarbled(repeat('v0 := ld state[748] // load primes from the trace activation record', 5))).toBe(false);
    expect(isGarbled(repeat('1.1 Social dynamics of Debian … 1', 20))).toBe(false);
    expect(isGarbled(repeat('对于 Debian 软件包维护人员来说，有一件事是非常明确的。', 10))).toBe(false);
  });
});
