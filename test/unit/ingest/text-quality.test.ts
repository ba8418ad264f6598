import { describe, expect, it } from 'vitest';
import { isGarbled, measureTextQuality } from '../../../src/main/ingest/text-quality';

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

/** The plain definition the one-pass measure must agree with: arrays and Unicode regexes, as first written. */
function referenceQuality(text: string) {
  const chars = [...text.replace(/\s+/g, '')];
  const bad = chars.filter((c) => /[\p{Co}\p{Cc}\uFFFD]/u.test(c)).length;
  const tokens = text.split(/\s+/).filter(Boolean);
  const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  const singles = tokens.filter((t) => /^\p{L}$/u.test(t) && !/^[aAI]$/.test(t) && !cjk.test(t)).length;
  return { badCharRatio: chars.length ? bad / chars.length : 0, singleLetterRatio: tokens.length ? singles / tokens.length : 0, tokens: tokens.length };
}

describe('measureTextQuality', () => {
  it('agrees with the plain definition on mixed scripts, controls, private use and surrogate pairs', () => {
    const samples = [
      '',
      '   \t\n ',
      'A l e t t e r  from  t h e i r',
      'x\u0001y \u0007 \u007f\u0085 \u009f\uFFFD z',
      '\uE001\uE002 \u{F0001}\u{10FFFD} \u{1F600} 𝐀 b',
      '对 于 Debian 的 a I A é ß ǅ',
      'tab\tseparated\u00a0nbsp\u2003em\u3000ideo\ufeffbom',
      Array.from({ length: 400 }, (_, i) => String.fromCodePoint(32 + ((i * 7919) % 0x3000))).join(''),
    ];
    for (const text of samples) expect(measureTextQuality(text), JSON.stringify(text)).toEqual(referenceQuality(text));
  });
});
