// Locates a cited passage inside page text that differs in whitespace, hyphenation, punctuation or case
// (the chunker joins hyphenated words and drops running headers), and returns the range in the original text.

interface Folded {
  /** Letters and digits only, lower-cased. */
  text: string;
  /** For each folded character, its index in the original string. */
  origin: number[];
}

function fold(input: string): Folded {
  let text = '';
  const origin: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (/[\p{L}\p{N}]/u.test(ch)) {
      text += ch.toLowerCase();
      origin.push(i);
    }
  }
  return { text, origin };
}

export interface TextRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/** The passage's range in `pageText`, or null when not even its opening words are on the page. */
export function findPassage(pageText: string, passage: string): TextRange | null {
  const page = fold(pageText);
  const needle = fold(passage).text;
  if (!needle || !page.text) return null;
  const full = page.text.indexOf(needle);
  if (full >= 0) return toRange(page, full, full + needle.length);
  // Fall back to the passage's opening and closing words: the middle may span a dropped header.
  for (const size of [160, 80, 40, 20]) {
    if (needle.length < size) continue;
    const start = page.text.indexOf(needle.slice(0, size));
    if (start < 0) continue;
    const tail = needle.slice(-Math.min(size, 60));
    const tailAt = page.text.indexOf(tail, start + size);
    const end = tailAt >= 0 && tailAt - start < needle.length * 1.5 ? tailAt + tail.length : Math.min(page.text.length, start + needle.length);
    return toRange(page, start, end);
  }
  // The passage may start on the previous page: look for its closing words.
  const tail = needle.slice(-40);
  const tailAt = tail.length >= 20 ? page.text.indexOf(tail) : -1;
  return tailAt >= 0 ? toRange(page, 0, tailAt + tail.length) : null;
}

function toRange(page: Folded, start: number, end: number): TextRange {
  return { start: page.origin[start], end: page.origin[Math.max(start, end - 1)] + 1 };
}
