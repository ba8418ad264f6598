import type { AnswerSource } from '../../shared/contract/chat';
import type { Passage } from './passages';

// Citation markers the models write: [1], [1, 3], [1][2], [1-3], [^2], 【1】. Anything else in brackets is text.
const MARKER = /(?:\[\^?|【)(\d{1,3}(?:\s*(?:[,;，]|[-–])\s*\d{1,3})*)(?:\]|】)/g;

/** The ordinals one marker's inside names: "1, 3" → [1, 3], "2-4" → [2, 3, 4] (ranges over 20 count as their start). */
function markerOrdinals(list: string): number[] {
  return list.split(/\s*[,;，]\s*/).flatMap((part) => {
    const range = part.split(/\s*[-–]\s*/).map(Number);
    const [from, to] = range.length === 2 && range[1] >= range[0] && range[1] - range[0] < 20 ? range : [range[0], range[0]];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** The source ordinals an answer cites, in order of first appearance; numbers outside 1..sourceCount are ignored. */
export function citedOrdinals(answer: string, sourceCount: number): number[] {
  const seen = new Set<number>();
  for (const match of answer.matchAll(MARKER)) for (const n of markerOrdinals(match[1])) if (n >= 1 && n <= sourceCount) seen.add(n);
  return [...seen];
}

/** Rewrites every citation marker in an answer; `replace` gets the marker text and the ordinals it names. */
export function replaceCitationMarkers(answer: string, replace: (marker: string, ordinals: number[]) => string): string {
  return answer.replace(MARKER, (marker, list: string) => replace(marker, markerOrdinals(list)));
}

/** The numbered sources of an answer, each marked cited or not. */
export function mapCitations(answer: string, passages: Passage[]): { sources: AnswerSource[]; uncited: boolean } {
  const cited = new Set(citedOrdinals(answer, passages.length));
  const sources = passages.map((passage, index) => toSource(passage, index + 1, cited.has(index + 1)));
  return { sources, uncited: passages.length > 0 && cited.size === 0 };
}

export function toSource(passage: Passage, ordinal: number, cited: boolean): AnswerSource {
  return {
    ordinal,
    chunkId: passage.chunkId,
    documentId: passage.documentId,
    documentTitle: passage.documentTitle,
    documentPath: passage.documentPath,
    pageStart: passage.pageStart,
    pageEnd: passage.pageEnd,
    label: passage.label,
    passage: passage.text,
    cited,
    ...(passage.ocr ? { ocr: true } : {}),
  };
}
