// Turns one PDF page's positioned text items into lines in reading order, then into paragraphs and headings.
import { isPlausibleHeading } from '../heading-text';
// PDF user space: y grows upwards, so "top of page" is the largest y.

export interface TextItem {
  str: string;
  x: number;
  /** Baseline y. */
  y: number;
  width: number;
  /** Font size in user-space units. */
  size: number;
  hasEOL: boolean;
}

/** Items on one baseline that are close enough horizontally to be one run of text (never across a column gutter). */
export interface LineFragment {
  text: string;
  x0: number;
  x1: number;
  y: number;
  size: number;
  /** Runs of the fragment set apart by wide spaces (table cells), when it has more than one; x positions in user space. */
  cells?: FragmentCell[];
}

export interface FragmentCell {
  text: string;
  x0: number;
  x1: number;
}

export interface PageGeometry {
  width: number;
  height: number;
}

const sameBaseline = (a: number, b: number, size: number) => Math.abs(a - b) <= size * 0.35;

const SUPERSCRIPT_DIGITS = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const isMark = (text: string) => /^(?:\d{1,3}|[*†‡§¶]{1,2})$/u.test(text.trim());

/**
 * Footnote marks are set small and raised, above the baseline of the text they belong to ("loops.⁴" in the body, "⁴ The
 * note" at the foot): each moves onto that text's baseline as a superscript, so it stays beside its words instead of
 * becoming a line of its own above them.
 */
function lowerRaisedMarks(items: TextItem[]): TextItem[] {
  const lowered = new Map<TextItem, TextItem>();
  const result = items.map((mark) => {
    if (!isMark(mark.str)) return mark;
    // A number with words beside it on its own baseline is text (a table row), not a mark.
    if (items.some((other) => other !== mark && other.str.trim() && !isMark(other.str) && Math.abs(other.y - mark.y) < mark.size * 0.2)) return mark;
    let host: TextItem | null = null;
    let best = Infinity;
    for (const item of items) {
      const rise = mark.y - item.y;
      if (item === mark || isMark(item.str) || item.size < mark.size * 1.15 || rise < item.size * 0.15 || rise > item.size * 0.8) continue;
      const distance = mark.x < item.x ? item.x - (mark.x + mark.width) : Math.max(0, mark.x - (item.x + item.width));
      if (distance > item.size * 1.5) continue;
      if (rise + distance < best) [host, best] = [item, rise + distance];
    }
    if (!host) return mark;
    const str = mark.str.trim().replace(/\d/g, (d) => SUPERSCRIPT_DIGITS[Number(d)]!);
    const moved = { ...mark, y: host.y, str };
    lowered.set(mark, moved);
    return moved;
  });
  if (!lowered.size) return result;
  // The space a PDF sets after a raised mark sits on the mark's baseline: it moves down with it.
  return result.map((item) => {
    if (item.str.trim()) return item;
    for (const [mark, moved] of lowered) {
      if (Math.abs(item.y - mark.y) < mark.size * 0.2 && Math.abs(item.x - (mark.x + mark.width)) < mark.size) return { ...item, y: moved.y };
    }
    return item;
  });
}

/** A gap between items this many ems wide is more than a word space: it separates table cells set close together. */
const CELL_GAP_EM = 0.6;

/**
 * An item's text split at runs of two or more spaces (LaTeX-made tables reach us as one string per row with wide spaces
 * between cells), each run placed in proportion to its characters since the item carries no per-glyph positions.
 */
function itemCells(item: TextItem): FragmentCell[] {
  const perChar = item.width / Math.max(1, item.str.length);
  const cells: FragmentCell[] = [];
  for (const match of item.str.matchAll(/\S+(?: \S+)*/g)) {
    const x0 = item.x + match.index * perChar;
    cells.push({ text: match[0], x0, x1: x0 + match[0].length * perChar });
  }
  return cells;
}

/** Groups items into fragments: same baseline and a horizontal gap smaller than ~1.2 em (a column gutter is wider). */
export function buildFragments(items: TextItem[]): LineFragment[] {
  const visible = lowerRaisedMarks(items.filter((item) => item.str.length > 0 && item.size > 0));
  visible.sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: TextItem[][] = [];
  for (const item of visible) {
    const row = rows.at(-1);
    if (row && sameBaseline(row[0].y, item.y, Math.max(row[0].size, item.size))) row.push(item);
    else rows.push([item]);
  }
  const fragments: LineFragment[] = [];
  const cellsOf = new Map<LineFragment, FragmentCell[]>();
  for (const row of rows) {
    row.sort((a, b) => a.x - b.x);
    let current: LineFragment | null = null;
    for (const item of row) {
      const gap: number = current ? item.x - current.x1 : Infinity;
      const pieces = itemCells(item);
      if (current && pieces.length) {
        const cells = cellsOf.get(current)!;
        const last = cells.at(-1);
        if (last && pieces[0]!.x0 - last.x1 < item.size * CELL_GAP_EM && gap < Math.max(current.size, item.size) * 1.2) {
          last.text += (gap > item.size * 0.15 ? ' ' : '') + pieces[0]!.text;
          last.x1 = Math.max(last.x1, pieces[0]!.x1);
          pieces.shift();
        }
      }
      if (current && gap < Math.max(current.size, item.size) * 1.2) {
        cellsOf.get(current)!.push(...pieces);
        // Gaps wider than a fraction of a space between separate items are word breaks the PDF did not encode.
        const needsSpace = gap > item.size * 0.15 && !current.text.endsWith(' ') && !item.str.startsWith(' ');
        current.text += (needsSpace ? ' ' : '') + item.str;
        current.x1 = Math.max(current.x1, item.x + item.width);
        current.size = Math.max(current.size, item.size);
      } else {
        current = { text: item.str, x0: item.x, x1: item.x + item.width, y: item.y, size: item.size };
        cellsOf.set(current, pieces);
        fragments.push(current);
      }
    }
  }
  for (const [fragment, cells] of cellsOf) if (cells.length > 1) fragment.cells = cells;
  // Dot leaders in tables of contents (". . . . 12") carry nothing but noise for search.
  for (const fragment of fragments) {
    fragment.text = fragment.text.replace(/\s+/g, ' ').replace(/(?: ?\.){4,} ?/g, ' … ').trim();
    // A note's own number opens its line: a space keeps it apart from the note's first word.
    fragment.text = fragment.text.replace(/^([⁰¹²³⁴⁵⁶⁷⁸⁹*†‡§¶]+)(?=[\p{L}\p{N}])/u, '$1 ');
  }
  return fragments.filter((fragment) => fragment.text.length > 0);
}

/** Fragments on one baseline, left to right. */
function baselineRows(sorted: LineFragment[]): LineFragment[][] {
  const rows: LineFragment[][] = [];
  for (const f of sorted) {
    const row = rows.at(-1);
    if (row && sameBaseline(row[0].y, f.y, Math.max(row[0].size, f.size))) row.push(f);
    else rows.push([f]);
  }
  for (const row of rows) row.sort((a, b) => a.x0 - b.x0);
  return rows;
}

/**
 * Finds the vertical gutter of a two-column page: an x that rows of column text keep to either side of, with lines
 * side by side on enough rows; null for single-column pages. Rows that cross it (titles, wide captions, code listings)
 * do not disqualify it: they become bands of their own. Only lines at least a fifth of the page wide count as column
 * text, because table cells, figure labels and numbers are narrow and would otherwise fake a gutter.
 */
export function findGutter(fragments: LineFragment[], page: PageGeometry): number | null {
  const lines = fragments.filter((f) => f.x1 - f.x0 >= page.width * 0.2);
  if (lines.length < 10) return null;
  // Lines beside each other: the two columns' baselines need not line up, so "beside" means within a line and a half.
  const besideCount = (left: LineFragment[], right: LineFragment[]) =>
    right.filter((r) => left.some((l) => Math.abs(l.y - r.y) <= Math.max(l.size, r.size) * 1.5)).length;
  // A left column starts at the text's left margin; a table's middle cells (a position beside a name) do not.
  const margin = Math.min(...lines.map((f) => f.x0));
  let best: { x: number; beside: number; crossing: number } | null = null;
  for (let x = page.width * 0.3; x <= page.width * 0.7; x += page.width / 200) {
    const left = lines.filter((f) => f.x1 <= x && f.x0 <= margin + f.size * 3);
    const right = lines.filter((f) => f.x0 >= x);
    const crossing = lines.filter((f) => f.x0 < x && f.x1 > x).length;
    if (best && Math.min(left.length, right.length) < best.beside) continue;
    const beside = besideCount(left, right);
    if (!best || beside > best.beside || (beside === best.beside && crossing < best.crossing)) best = { x, beside, crossing };
  }
  if (!best || best.beside < Math.max(5, lines.length * 0.15)) return null;
  const x = best.x;
  const left = lines.filter((f) => f.x1 <= x && f.x0 <= margin + f.size * 3);
  const right = lines.filter((f) => f.x0 >= x);
  // Where both sides have text, columns are about equally dense; a table's wrapped cells (one name beside three lines
  // of positions held) are not.
  const low = Math.max(Math.min(...left.map((f) => f.y)), Math.min(...right.map((f) => f.y)));
  const high = Math.min(Math.max(...left.map((f) => f.y)), Math.max(...right.map((f) => f.y)));
  const within = (group: LineFragment[]) => group.filter((f) => f.y >= low && f.y <= high).length;
  const [l, r] = [within(left), within(right)];
  if (Math.min(l, r) < Math.max(l, r) * 0.4) return null;
  // The gutter sits in the middle of the empty band between the columns' facing edges.
  const leftEdge = Math.max(...lines.filter((f) => f.x1 <= x).map((f) => f.x1));
  const rightEdge = Math.min(...right.map((f) => f.x0));
  return (leftEdge + rightEdge) / 2;
}

/**
 * A row that belongs to neither column: something crosses the gutter (a title, a wide caption), or there are several
 * cells on each side of it (a table row spanning both columns, which must be read across, not split).
 */
function spansGutter(row: LineFragment[], gutter: number): boolean {
  let left = 0;
  let right = 0;
  for (const f of row) {
    if (f.x1 <= gutter + 2) left++;
    else if (f.x0 >= gutter - 2) right++;
    else return true;
  }
  return left >= 2 && right >= 2;
}

/**
 * Reading order: top to bottom; on two-column pages, rows spanning the gutter (titles, wide figures and tables) split the
 * page into bands, and within a band the whole left column is read before the right one.
 */
export function readingOrder(fragments: LineFragment[], page: PageGeometry): LineFragment[] {
  const sorted = [...fragments].sort((a, b) => b.y - a.y || a.x0 - b.x0);
  const gutter = findGutter(sorted, page);
  if (gutter === null) return sorted;
  const ordered: LineFragment[] = [];
  let left: LineFragment[] = [];
  let right: LineFragment[] = [];
  const flushBand = () => {
    ordered.push(...left, ...right);
    left = [];
    right = [];
  };
  for (const row of baselineRows(sorted)) {
    if (spansGutter(row, gutter)) {
      flushBand();
      ordered.push(...row);
      continue;
    }
    for (const f of row) (f.x1 <= gutter + 2 ? left : right).push(f);
  }
  flushBand();
  return ordered;
}

export interface LayoutParagraph {
  kind: 'heading' | 'paragraph';
  text: string;
  size: number;
}

/** A table found on the page (pdf-tables.ts), placed among the paragraphs where its first line was. */
export interface LayoutTable {
  kind: 'table';
  /** The rows as plain text, one line per row. */
  text: string;
  size: number;
  rows: string[][];
  header: boolean;
}

/** What paragraphs() needs of a table: the fragments it was read from, in reading order. */
export interface TableOnPage {
  fragments: LineFragment[];
  rows: string[][];
  header: boolean;
}

// Chinese and Japanese set no spaces between words; Korean does (its lines wrap between words), so Hangul is not here.
const cjkEdge = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;

// A URL at the end of a line, and whether the next line carries on with it: typesetters wrap URLs after "/", "-", "."
// and the like (never at a space), so such a line end is inside the URL, and its hyphen is the URL's own.
const urlAtEnd = /(?:https?:\/\/|www\.)[^\s]*$/iu;
const urlPart = /^[\p{L}\p{N}\-._~:/?#[\]@!$&'()*+,;=%]+$/u;
function continuesUrl(url: string, next: string): boolean {
  const first = next.split(/\s/, 1)[0] ?? '';
  if (!urlPart.test(first)) return false;
  if (first.startsWith('/')) return true;
  if (/[/\-_=&?#~%:]$/u.test(url)) return true;
  // After a dot only a path continues the URL; "…example.org." then "The next sentence" does not.
  return url.endsWith('.') && first.includes('/');
}

/** Joins two lines of one paragraph: keeps wrapped URLs whole, drops end-of-line hyphenation, adds no space between CJK characters. */
export function joinLines(previous: string, next: string): string {
  const url = urlAtEnd.exec(previous)?.[0];
  if (url && continuesUrl(url, next)) return previous + next;
  if (/\p{L}-$/u.test(previous) && /^\p{Ll}/u.test(next)) return previous.slice(0, -1) + next;
  if (cjkEdge.test(previous.at(-1) ?? '') && cjkEdge.test(next[0] ?? '')) return previous + next;
  return `${previous} ${next}`;
}

/** The most common font size weighted by characters: the body text size of the page. */
export function bodySize(fragments: LineFragment[]): number {
  const weight = new Map<number, number>();
  for (const f of fragments) {
    const size = Math.round(f.size * 2) / 2;
    weight.set(size, (weight.get(size) ?? 0) + f.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) if (w > bestWeight) [best, bestWeight] = [size, w];
  return best;
}

/** Right edge of the text column a fragment sits in (body-size lines only, so wide figure labels do not count). */
function columnEdges(fragments: LineFragment[], body: number, page: PageGeometry): (f: LineFragment) => number {
  const bodyLines = fragments.filter((f) => Math.abs(f.size - body) <= body * 0.1);
  const gutter = findGutter([...fragments].sort((a, b) => b.y - a.y), page);
  const edge = (lines: LineFragment[]) => lines.reduce((max, f) => Math.max(max, f.x1), 0);
  if (gutter === null) {
    const right = edge(bodyLines);
    return () => right;
  }
  const left = edge(bodyLines.filter((f) => f.x1 <= gutter + 2));
  const right = edge(bodyLines.filter((f) => f.x0 >= gutter - 2));
  return (f) => (f.x1 <= gutter + 2 ? left : f.x0 >= gutter - 2 ? right : Math.max(left, right));
}

// "6.5 Calling External Functions", "2 Background", "A. Appendix": numbered section titles set in the body size.
const numberedHeading = /^(?:(\d+(?:\.\d+){0,3})\.?|[A-Z]\.)\s+\p{Lu}[^.,;:]{1,80}$/u;

/** Deeper numbering ranks lower; synthetic sizes stay just above the body size and below any larger heading. */
const numberedHeadingSize = (text: string, body: number) => body + 0.4 - 0.1 * Math.min(3, (numberedHeading.exec(text)?.[1] ?? '1').split('.').length);

/**
 * Groups ordered fragments into paragraphs: a new paragraph starts at a vertical gap wider than ~1.6 lines, a jump
 * back up (next column), a change of font size, or after a line that ends well short of its column's right edge.
 * Short lines set clearly larger than the body size are headings, and so are one-line numbered section titles.
 */
export function paragraphs(ordered: LineFragment[], body: number, page: PageGeometry = { width: 612, height: 792 }, tables: TableOnPage[] = []): (LayoutParagraph | LayoutTable)[] {
  const edgeOf = columnEdges(ordered, body, page);
  const result: ((LayoutParagraph & { lines: number }) | LayoutTable)[] = [];
  let current: (LayoutParagraph & { lines: number; lastY: number; last: LineFragment }) | null = null;
  const tableAt = new Map<LineFragment, TableOnPage | null>();
  for (const table of tables) table.fragments.forEach((f, i) => tableAt.set(f, i === 0 ? table : null));
  for (const f of ordered) {
    if (tableAt.has(f)) {
      const table = tableAt.get(f);
      if (table) {
        result.push({ kind: 'table', text: table.rows.map((row) => row.filter(Boolean).join(' ')).join('\n'), size: f.size, rows: table.rows, header: table.header });
        current = null;
      }
      continue;
    }
    // Stray footnote and affiliation marks (∗, †, #) set on their own baseline carry no text.
    if (f.text.length <= 2 && !/[\p{L}\p{N}]/u.test(f.text)) continue;
    // A bulleted item or a numbered reference ("[12] A. Aho, …") starts a paragraph of its own even when the item
    // before it filled its line.
    const bulleted = /^(?:[•▪◦‣●○■□*]|\[\d{1,3}\])\s/u.test(f.text);
    const isHeading = f.size >= body * 1.15 && f.text.length <= 150 && /\p{L}/u.test(f.text);
    const kind = isHeading ? 'heading' : 'paragraph';
    if (current) {
      const lineGap = current.lastY - f.y;
      const fullLine = current.last.x1 >= edgeOf(current.last) - body * 4;
      const similar = !bulleted && current.kind === kind && Math.abs(current.size - f.size) <= body * 0.1;
      // A sentence that runs off the foot of one column carries on at the head of the next (up, and a column over, in
      // lower case); a figure, table or heading there starts afresh.
      const nextColumn =
        kind === 'paragraph' && lineGap < 0 && f.x0 >= current.last.x0 + page.width * 0.3 && fullLine && !/[.!?:;。！？：；]$/u.test(current.text) && /^[\p{Ll}\p{Script=Han}]/u.test(f.text);
      const sameFlow = similar && (nextColumn || (lineGap > 0 && lineGap <= Math.max(current.size, f.size) * 1.6 && (kind === 'heading' || fullLine)));
      if (sameFlow) {
        current.text = joinLines(current.text, f.text);
        current.lastY = f.y;
        current.last = f;
        current.lines++;
        continue;
      }
    }
    current = { kind, text: f.text, size: f.size, lines: 1, lastY: f.y, last: f };
    result.push(current);
  }
  // Table-of-contents lines look like numbered titles but end in a page number (or dot leaders).
  const isNumberedTitle = (text: string) => numberedHeading.test(text) && !/…|\s\d+$/.test(text);
  return result.map((block) => {
    if (block.kind === 'table') return block;
    const { kind, text, size, lines } = block;
    if (kind === 'heading' && !isPlausibleHeading(text)) return { kind: 'paragraph', text, size };
    return kind === 'paragraph' && lines === 1 && isNumberedTitle(text) ? { kind: 'heading', text, size: numberedHeadingSize(text, body) } : { kind, text, size };
  });
}
