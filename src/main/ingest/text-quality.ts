// Detects text layers that are present but unusable: glyphs mapped to wrong codes (private-use, control or
// replacement characters) and noisy OCR layers ("«POAH «3E*»CM tanntxim", "t h e i r").

const cjkOrHangul = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const letter = /^\p{L}$/u;

export interface TextQuality {
  /** Characters that cannot be real text (private use, control, U+FFFD), as a fraction of non-space characters. */
  badCharRatio: number;
  /** Fraction of whitespace-separated tokens that are a single letter (letter-spaced OCR output). */
  singleLetterRatio: number;
  tokens: number;
}

/** JavaScript's \s, by code unit. */
const isSpace = (c: number) =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
/** Control (Cc), BMP private use (Co) or U+FFFD; whitespace controls were excluded before. */
const isBadUnit = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xe000 && c <= 0xf8ff) || c === 0xfffd;

/** One pass over the code units without building arrays: this runs on every page of every PDF. */
export function measureTextQuality(text: string): TextQuality {
  let nonSpace = 0;
  let bad = 0;
  let tokens = 0;
  let singles = 0;
  let tokenStart = -1;
  let tokenPoints = 0;
  const endToken = (end: number) => {
    if (tokenStart < 0) return;
    tokens++;
    if (tokenPoints === 1) {
      const only = text.slice(tokenStart, end);
      if (letter.test(only) && only !== 'a' && only !== 'A' && only !== 'I' && !cjkOrHangul.test(only)) singles++;
    }
    tokenStart = -1;
    tokenPoints = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      endToken(i);
      continue;
    }
    if (tokenStart < 0) tokenStart = i;
    tokenPoints++;
    nonSpace++;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        if (c >= 0xdb80) bad++; // planes 15 and 16 are private use
        i++;
        continue;
      }
    }
    if (isBadUnit(c)) bad++;
  }
  endToken(text.length);
  return { badCharRatio: nonSpace ? bad / nonSpace : 0, singleLetterRatio: tokens ? singles / tokens : 0, tokens };
}

/**
 * True when a page's text layer is too damaged to index. Thresholds from the corpus: clean pages (papers with math,
 * code listings, tables of contents, CJK) have at most 10% single-letter tokens, the noisy OCR letter 45%. A word-shape
 * ratio was tried and dropped: code and dot leaders score as low as garbage.
 */
export function isGarbled(text: string): boolean {
  const q = measureTextQuality(text);
  if (q.badCharRatio > 0.2) return true;
  return q.tokens >= 20 && q.singleLetterRatio > 0.2;
}
