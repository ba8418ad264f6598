// Detects text layers that are present but unusable: glyphs mapped to wrong codes (private-use, control or
// replacement characters) and noisy OCR layers ("«POAH «3E*»CM tanntxim", "t h e i r").

const cjkOrHangul = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const badChar = /[\p{Co}\p{Cc}\uFFFD]/u;
// A plausible word: letters with at most an inner apostrophe or hyphen, optional trailing punctuation, no case soup.
const cleanWord = /^[("'“‘[]?(?:\p{Lu}?\p{Ll}+(?:['’-]\p{Ll}+)*|\p{Lu}+|\d+(?:[.,:/-]\d+)*%?|\p{Lu})[)"'”’\],.;:!?]*$/u;

export interface TextQuality {
  /** Characters that cannot be real text (private use, control, U+FFFD), as a fraction of non-space characters. */
  badCharRatio: number;
  /** Fraction of whitespace-separated tokens that look like words or numbers. */
  wordRatio: number;
  /** Fraction of tokens that are a single letter (letter-spaced OCR output). */
  singleLetterRatio: number;
  tokens: number;
}

export function measureTextQuality(text: string): TextQuality {
  const chars = [...text.replace(/\s+/g, '')];
  const bad = chars.filter((c) => badChar.test(c)).length;
  const tokens = text.split(/\s+/).filter(Boolean);
  const words = tokens.filter((t) => cleanWord.test(t) || cjkOrHangul.test(t)).length;
  const singles = tokens.filter((t) => /^\p{L}$/u.test(t) && !/^[aAI]$/.test(t) && !cjkOrHangul.test(t)).length;
  return {
    badCharRatio: chars.length ? bad / chars.length : 0,
    wordRatio: tokens.length ? words / tokens.length : 1,
    singleLetterRatio: tokens.length ? singles / tokens.length : 0,
    tokens: tokens.length,
  };
}

/**
 * True when a page's text layer is too damaged to index. Thresholds from the corpus: clean pages (papers with math,
 * code listings, tables of contents, CJK) have at most 10% single-letter tokens, the noisy OCR letter 45%. The word
 * ratio is reported but not decisive: code and dot leaders score as low as garbage.
 */
export function isGarbled(text: string): boolean {
  const q = measureTextQuality(text);
  if (q.badCharRatio > 0.2) return true;
  return q.tokens >= 20 && q.singleLetterRatio > 0.2;
}
