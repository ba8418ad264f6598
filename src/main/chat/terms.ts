// Word-level helpers shared by follow-up rewriting, keyword search and extractive answers.

const STOPWORDS = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her hers him his how i if in into is it its ' +
    'me my no nor not of on or our ours she should so some such than that the their theirs them then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your yours about above after again against all ' +
    'am any because before below between both during each few further here more most other out over own same only just also tell me please explain ' +
    'describe give list show say said does mean means us may might must shall many much'
  ).split(/\s+/),
);

/** Lower-cased word tokens; CJK text contributes each character pair (a cheap stand-in for word segmentation). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const token = match[0];
    if (/[\u3400-\u9fff]/u.test(token)) {
      const chars = [...token];
      if (chars.length === 1) out.push(token);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    } else {
      out.push(token);
    }
  }
  return out;
}

/** Folds the commonest English inflection so "employees" meets "employee" and "receives" meets "receive". */
const stem = (word: string) => (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);

/** Words that carry meaning: not stopwords, at least 2 letters (or a number / CJK pair), lightly stemmed. */
export function contentTerms(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)))
    .map(stem);
}

/** Sentences with their character offsets inside `text`: cut after . ! ? before whitespace (so "3.5" stays whole), after 。！？, and at line breaks. */
export function sentences(text: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let from = 0;
  const push = (end: number) => {
    const piece = text.slice(from, end);
    const trimmed = piece.trim();
    if (trimmed.length >= 2) out.push({ text: trimmed, start: from + piece.indexOf(trimmed[0]) });
  };
  for (const boundary of text.matchAll(/[.!?]+["'”’)\]]*(?=\s|$)|[。！？]+|\n+/gu)) {
    const end = boundary.index + boundary[0].length;
    push(end);
    from = end;
  }
  push(text.length);
  return out;
}
