// FTS5's unicode61 tokenizer treats a run of Han/Kana/Hangul as one token, so CJK text is split into words before indexing.
// The same function runs over queries (retrieval) so both sides agree on word boundaries.

const cjkRun = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3005\u30FC]+/gu;
const cjkChar = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string, granularity: 'word' | 'sentence'): Intl.Segmenter {
  const key = `${locale}:${granularity}`;
  let found = segmenters.get(key);
  if (!found) segmenters.set(key, (found = new Intl.Segmenter(locale, { granularity })));
  return found;
}

/** True when the text contains any Chinese, Japanese or Korean character. */
export function hasCjk(text: string): boolean {
  return cjkChar.test(text);
}

/** Inserts spaces between CJK words (Intl.Segmenter word granularity); other text is returned unchanged. */
export function segmentForIndex(text: string): string {
  if (!hasCjk(text)) return text;
  return text.replace(cjkRun, (run, offset: number, whole: string) => {
    const words: string[] = [];
    for (const { segment } of segmenter('zh', 'word').segment(run)) words.push(segment);
    // Keep CJK runs apart from adjacent Latin words too ("用dpkg打包" → "用 dpkg 打包").
    const before = offset > 0 && !/\s/.test(whole[offset - 1]) ? ' ' : '';
    const after = offset + run.length < whole.length && !/\s/.test(whole[offset + run.length]) ? ' ' : '';
    return before + words.join(' ') + after;
  });
}

/** Splits text into sentences with their offsets (Intl.Segmenter sentence granularity: works for CJK, which has no spaces). */
export function splitSentences(text: string): { text: string; start: number }[] {
  const sentences: { text: string; start: number }[] = [];
  for (const { segment, index } of segmenter('en', 'sentence').segment(text)) {
    if (segment.trim()) sentences.push({ text: segment, start: index });
  }
  return sentences;
}
