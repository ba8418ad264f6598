import type { FragmentCell, LineFragment, PageGeometry, TableOnPage } from './pdf-layout';

// Tables on a PDF page: runs of lines whose cells (separate text items, or runs set apart by wide spaces) keep to the
// same column bands row after row. They become table blocks instead of one line of text per row.

interface Row {
  fragments: LineFragment[];
  cells: FragmentCell[];
  y: number;
  size: number;
}

interface Band {
  x0: number;
  x1: number;
}

/** Rows a table needs with a cell in at least two bands: fewer is a paragraph with a wide gap, or a label pair. */
const MIN_ROWS = 3;
const number = /^[-–−+(]?[$€£¥]?\s?[-–−+(]?\d[\d,.]*\s?(?:%|x|×|\))?$/u;
const year = /^(?:19|20)\d\d$/;
const isNumeric = (text: string) => number.test(text) || /^[-–—]$/u.test(text);
/** A figure in a table's body: a number that is not a year heading its column. */
const isFigure = (text: string) => isNumeric(text) && !year.test(text);
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
/** A code comment opening a cell: "; load", "// next", "# why", "-- note", "/* a". */
const comment = /^(?:;|\/\/|\/\*|#\s|--\s)/u;
/** A line of code: it ends a statement or a block, assigns ("x = 1") or calls ("f(a, b)", no space before the bracket). */
const statement = /[;{}]$|^[\p{L}_][\w.]*(?:\s*[-+*/]?=\s*\S|\(.*\)$)/u;

/** A row's cells left to right, with a lone currency sign joined to the amount after it and a lone "%" or ")" to the one before. */
function rowCells(fragments: LineFragment[]): FragmentCell[] {
  const cells = fragments.flatMap((f) => f.cells ?? [{ text: f.text, x0: f.x0, x1: f.x1 }]).map((c) => ({ ...c, text: c.text.replace(/\s+/g, ' ').trim().replace(/^([$€£¥]) (?=[-–−(]?\d)/u, '$1') }));
  cells.sort((a, b) => a.x0 - b.x0);
  const joined: FragmentCell[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const next = cells[i + 1];
    // A currency sign set close after an amount opens the next column's amount ("$2.3 $ 76.9" read as "$2.3 $", "76.9").
    const trailing = /^(.*\S)\s?([$€£¥])$/u.exec(cell.text);
    if (trailing && next && /^(?:[-–−(]?\d|[-–—]$)/u.test(next.text)) {
      cell.text = trailing[1]!;
      next.text = `${trailing[2]}${next.text}`;
    }
    if (/^[$€£¥]$/u.test(cell.text) && next) {
      cells[i + 1] = { text: `${cell.text}${next.text}`, x0: next.x0, x1: next.x1 };
      continue;
    }
    const previous = joined.at(-1);
    if (/^(?:%|\))$/.test(cell.text) && previous) {
      previous.text += cell.text;
      previous.x1 = cell.x1;
      continue;
    }
    joined.push(cell);
  }
  return joined.filter((c) => c.text.length > 0);
}

/** Consecutive fragments on one baseline (reading order keeps a row's fragments together). */
function rowsOf(ordered: LineFragment[]): Row[] {
  const rows: Row[] = [];
  for (const f of ordered) {
    const row = rows.at(-1);
    if (row && Math.abs(row.y - f.y) <= Math.max(row.size, f.size) * 0.35 && f.x0 >= row.fragments.at(-1)!.x1) {
      row.fragments.push(f);
      row.size = Math.max(row.size, f.size);
    } else rows.push({ fragments: [f], cells: [], y: f.y, size: f.size });
  }
  for (const row of rows) row.cells = rowCells(row.fragments);
  return rows;
}

/** Column bands: the union of the cells' x extents across the rows that define the columns. */
function bandsOf(rows: Row[]): Band[] {
  const spans = rows.flatMap((row) => row.cells.map((c) => ({ x0: c.x0, x1: c.x1 }))).sort((a, b) => a.x0 - b.x0);
  const bands: Band[] = [];
  for (const span of spans) {
    const last = bands.at(-1);
    if (last && span.x0 <= last.x1 + 1) last.x1 = Math.max(last.x1, span.x1);
    else bands.push({ ...span });
  }
  return bands;
}

/** The band a cell belongs to: the one it overlaps most, or the nearest. */
function bandOf(cell: FragmentCell, bands: Band[]): number {
  let best = 0;
  let score = -Infinity;
  bands.forEach((band, i) => {
    const overlap = Math.min(cell.x1, band.x1) - Math.max(cell.x0, band.x0);
    if (overlap > score) [best, score] = [i, overlap];
  });
  return best;
}

function place(row: Row, bands: Band[]): string[] {
  const cells = bands.map(() => '');
  for (const cell of row.cells) {
    const i = bandOf(cell, bands);
    cells[i] = cells[i] ? `${cells[i]} ${cell.text}` : cell.text;
  }
  return cells;
}

const middle = (span: { x0: number; x1: number }) => (span.x0 + span.x1) / 2;

/**
 * The columns a title set over several of them names ("Three Months Ended", "Carrying Value"): one covering the middles
 * of two columns, or, on a line with fewer names than columns, one centred on the gap between two (column names centred
 * over right-aligned figures sit in gaps too, but then every column has its own); it names each column near its middle
 * (within 0.8 of its width, and always the two beside its gap). Null for a cell that names one column.
 */
function spannedBands(cell: FragmentCell, bands: Band[], lineCells: number): number[] | null {
  if (cell.x0 <= bands[0]!.x1) return null;
  const centre = middle(cell);
  const gap =
    lineCells >= bands.length - 1
      ? -1
      : bands.findIndex((band, i) => {
          if (i < 2) return false;
          const [left, right] = [bands[i - 1]!.x1, band.x0];
          return centre > left && centre < right && Math.abs(centre - (left + right) / 2) <= (right - left) * 0.25;
        });
  const covered = bands.filter((band, i) => i >= 1 && middle(band) >= cell.x0 && middle(band) <= cell.x1).length;
  if (gap < 0 && covered < 2) return null;
  const reach = (cell.x1 - cell.x0) * 0.8;
  return bands.flatMap((band, i) => (i >= 1 && (i === gap || i === gap - 1 || Math.abs(middle(band) - centre) <= reach) ? [i] : []));
}

/**
 * A header line above the last: a title over a group of columns goes to each column of the group without a name of its
 * own on that line; a group reaches over the groups titled on the line below that it touches ("Pension Plans" centred
 * over "United States" and "International"). Returns the line's cells and its groups.
 */
function placeHeader(row: Row, bands: Band[], below: number[][]): { cells: string[]; groups: number[][] } {
  const cells = bands.map(() => '');
  const spans = row.cells.map((cell) => {
    const span = spannedBands(cell, bands, row.cells.filter((c) => c.x0 > bands[0]!.x1).length);
    return span ? [...new Set([...span, ...below.filter((group) => group.some((i) => span.includes(i))).flat()])].sort((a, b) => a - b) : [bandOf(cell, bands)];
  });
  const owned = new Set(spans.filter((span) => span.length === 1).map((span) => span[0]!));
  row.cells.forEach((cell, c) => {
    const span = spans[c]!;
    for (const i of span.length === 1 ? span : span.filter((i) => !owned.has(i))) cells[i] = cells[i] ? `${cells[i]} ${cell.text}` : cell.text;
  });
  return { cells, groups: spans.filter((span) => span.length > 1) };
}

/** A header row names columns: words (or years above figures), never the figures themselves, and nothing in the row-label column but words. */
function looksLikeHeader(cells: string[], body: string[][]): boolean {
  const filled = cells.filter(Boolean);
  if (filled.length < 2 && !(filled.length === 1 && !cells[0])) return false;
  if (!filled.every((c) => year.test(c) || !isNumeric(c)) || isNumeric(cells[0] ?? '')) return false;
  // Above figures any such row names the columns; above words only a row of short names in every column does.
  const bodyHasFigures = body.some((row) => row.slice(1).some(isFigure));
  return bodyHasFigures || cells.every((c) => c && words(c) <= 3);
}

/** Checks a run of rows and reads it as a table, or null when its cells do not keep to columns. */
function readTable(run: Row[], page: PageGeometry): TableOnPage[] {
  while (run.length && run.at(-1)!.cells.length < 2) run = run.slice(0, -1);
  // One-cell lines before the first row of cells are text, unless they are a title spanning columns (readRun decides).
  const start = run.findIndex((row) => row.cells.length >= 2);
  const [lead, rows] = [run.slice(0, Math.max(0, start)), run.slice(Math.max(0, start))];
  if (rows.length < MIN_ROWS) return [];
  const read = readRun(rows, page, lead);
  if (typeof read !== 'number') return read ? [read] : [];
  // A line of text across the columns splits the run: the rows on either side may each be a table.
  return [...readTable([...lead, ...rows.slice(0, read)], page), ...readTable(rows.slice(read + 1), page)];
}

/** The lines just above a table's first row that title some of its columns ("Year ended June 30" over the figures). */
function spanningTitles(lead: Row[], first: Row, bands: Band[]): Row[] {
  const titles: Row[] = [];
  let below = first;
  for (const row of [...lead].reverse()) {
    const cell = row.cells[0]!;
    // Column titles are set like the rows, just above them; a heading is larger, a caption further off and names the table.
    const close = row.y - below.y <= below.size * 1.6 && row.size <= below.size * 1.15;
    if (!close || !spannedBands(cell, bands, 1) || /^(?:table|figure|fig\.|exhibit|chart)\b/iu.test(cell.text)) break;
    titles.unshift(row);
    below = row;
  }
  return titles;
}

/** The table a run of rows makes, null when it makes none, or the index of a line of text that splits it. */
function readRun(run: Row[], page: PageGeometry, lead: Row[] = []): TableOnPage | number | null {
  const multi = run.filter((row) => row.cells.length >= 2);
  if (multi.length < MIN_ROWS) return null;
  // The columns are set by the rows with the most common number of cells (body rows); headers may span several.
  const counts = new Map<number, number>();
  for (const row of multi) counts.set(row.cells.length, (counts.get(row.cells.length) ?? 0) + 1);
  const [width, defining] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]!;
  if (defining < MIN_ROWS) return null;
  const bodyRows = multi.filter((row) => row.cells.length === width);
  // Rows of figures set the columns where there are enough of them: a header of years over right-aligned amounts
  // sits a little to their left and must not make bands of its own.
  const figureRows = bodyRows.filter((row) => row.cells.slice(1).some((c) => isFigure(c.text)));
  const bands = bandsOf(figureRows.length >= MIN_ROWS ? figureRows : bodyRows);
  if (bands.length < 2) return null;
  // Aligned means every body row puts each of its cells in a band of its own.
  if (bodyRows.some((row) => new Set(row.cells.map((c) => bandOf(c, bands))).size !== row.cells.length)) return null;
  // Two columns of prose side by side are not a table: a table row has at least one short cell.
  if (bodyRows.filter((row) => row.cells.every((c) => words(c.text) >= 5)).length > bodyRows.length / 2) return null;
  if (bands.at(-1)!.x1 - bands[0]!.x0 < page.width * 0.1) return null;
  // A one-cell line inside the run is a row label only if it ends before the second column; a line running across the
  // columns is text between two tables, or prose whose variables or numbered heading were set apart.
  const [first, second] = [bands[0]!, bands[1]!];
  const across = run.findIndex((row) => row.cells.length === 1 && (row.cells[0]!.x1 > second.x0 || row.cells[0]!.x0 < first.x0 - row.size));
  if (across >= 0) return across;
  // Lines numbered 1, 2, 3… beside one column of text are a numbered listing (code, a quoted passage), read as text.
  const numbers = bodyRows.map((row) => (/^\d{1,4}$/.test(row.cells[0]!.text) ? Number(row.cells[0]!.text) : NaN));
  if (bands.length === 2 && numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1) && !numbers.some(Number.isNaN)) return null;
  // Code with its comments aligned in a column is a listing: most rows end in a comment, or read as statements.
  if (bodyRows.filter((row) => row.cells.some((c) => comment.test(c.text)) || statement.test(row.cells[0]!.text)).length > bodyRows.length / 2) return null;
  // Titles (after a section number or not) beside page numbers that only grow, on every line, are a table of contents
  // set without dot leaders; figures between them make a table.
  const pages = multi.map((row) => (/^\d{1,4}$/.test(row.cells.at(-1)!.text) ? Number(row.cells.at(-1)!.text) : NaN));
  const titled = multi.every((row) => row.cells.slice(1, -1).every((c) => !isNumeric(c.text)) && row.cells.slice(0, -1).some((c) => /\p{L}{2}/u.test(c.text)));
  if (bands.length <= 3 && titled && !pages.some(Number.isNaN) && pages.every((n, i) => i === 0 || n >= pages[i - 1]!)) return null;
  // Bullets set apart from their items make a list, not a column.
  if (bodyRows.filter((row) => /^[•▪◦‣●○■□–-]$/u.test(row.cells[0]!.text)).length >= bodyRows.length / 2) return null;
  run = [...spanningTitles(lead, run[0]!, bands), ...run];
  const grid = run.map((row) => place(row, bands));
  // Figure labels scattered over a diagram leave most of their grid empty; a table's rows fill theirs.
  const placed = grid.filter((_, i) => run[i]!.cells.length >= 2);
  if (placed.flat().filter(Boolean).length < placed.length * bands.length * 0.6) return null;
  const rows: string[][] = [];
  const sources: Row[] = [];
  grid.forEach((row, i) => {
    // A row label wrapped over two lines: the line alone in the first column and the lower-case rest make one label.
    const above = rows.at(-1);
    if (above && above[0] && above.slice(1).every((c) => !c) && /^\p{Ll}/u.test(row[0] ?? '')) {
      row[0] = `${above[0]} ${row[0]}`;
      rows.pop();
      sources.pop();
    }
    rows.push(row);
    sources.push(run[i]!);
  });
  // Leading rows of column names make one header row; a further row joins only while the ones above leave gaps
  // (names set over two lines, or a title spanning several columns). Above figures, a blank row-label cell counts as
  // a gap too: "Segment" under nothing, beside "Gross sales" set over two lines, is the last line of the header.
  const bodyHasFigures = rows.some((row) => row.slice(1).some(isFigure));
  let headerRows = 0;
  while (
    headerRows < Math.min(3, rows.length - 2) &&
    (headerRows === 0 || rows[headerRows - 1]!.slice(bodyHasFigures ? 0 : 1).some((c) => !c)) &&
    looksLikeHeader(rows[headerRows]!, rows.slice(headerRows + 1))
  )
    headerRows++;
  const header = headerRows > 0;
  // The last header line names one column per cell; the lines above it, read upwards, may title groups of columns.
  const stacked = sources.slice(0, headerRows).map((row) => place(row, bands));
  let groups: number[][] = [];
  for (let i = headerRows - 2; i >= 0; i--) ({ cells: stacked[i]!, groups } = placeHeader(sources[i]!, bands, groups));
  const head = header ? [bands.map((_, i) => stacked.map((r) => r[i]).filter(Boolean).join(' '))] : [];
  return { fragments: run.flatMap((row) => row.fragments), rows: [...head, ...rows.slice(headerRows)], header };
}

/** Tables in a sequence of rows: runs of rows with cells (and short lines between them) read one by one. */
function tablesOfRows(rows: Row[], page: PageGeometry): TableOnPage[] {
  const tables: TableOnPage[] = [];
  let run: Row[] = [];
  const close = () => {
    tables.push(...readTable(joinWrappedCells(run), page));
    run = [];
  };
  for (const row of rows) {
    const previous = run.at(-1);
    const near = !previous || (previous.y - row.y > 0 && previous.y - row.y <= Math.max(previous.size, row.size) * 3.2);
    const leaders = row.fragments.some((f) => f.text.includes('…'));
    const multi = row.cells.length >= 2 && !leaders;
    // A one-cell line may also open a run: a title spanning some columns sits above a table's first row.
    const label = row.cells.length === 1 && row.cells[0]!.text.length <= 100 && !leaders;
    if (!near) close();
    if (multi || label) run.push(row);
    else close();
  }
  close();
  return tables;
}

/**
 * A cell wrapped over lines: a line of one cell just below a row, starting where one of its later cells starts, carries
 * on that cell ("Starbucks, Twosome," then "Coffee Bean, …" under it). Figures never wrap, so a lone figure stays a row.
 */
function joinWrappedCells(run: Row[]): Row[] {
  const joined: Row[] = [];
  const bottom = new Map<Row, number>();
  for (const row of run) {
    const above = joined.at(-1);
    const cell = row.cells[0];
    const gap = above ? (bottom.get(above) ?? above.y) - row.y : Infinity;
    const target = above && row.cells.length === 1 && !isNumeric(cell!.text) && gap > 0 && gap <= row.size * 1.6 ? above.cells.slice(1).find((c) => Math.abs(c.x0 - cell!.x0) <= row.size * 0.5) : undefined;
    if (!above || !target) {
      joined.push(row);
      continue;
    }
    const merged: Row = { ...above, fragments: [...above.fragments, ...row.fragments], cells: above.cells.map((c) => (c === target ? { text: `${c.text} ${cell!.text}`, x0: c.x0, x1: Math.max(c.x1, cell!.x1) } : c)) };
    joined[joined.length - 1] = merged;
    bottom.set(merged, row.y);
  }
  return joined;
}

/** Rows of the page by baseline, top to bottom, whatever the reading order. */
function pageRows(fragments: LineFragment[]): Row[] {
  const rows: Row[] = [];
  for (const f of [...fragments].sort((a, b) => b.y - a.y)) {
    const row = rows.at(-1);
    if (row && Math.abs(row.y - f.y) <= Math.max(row.size, f.size) * 0.35) {
      row.fragments.push(f);
      row.size = Math.max(row.size, f.size);
    } else rows.push({ fragments: [f], cells: [], y: f.y, size: f.size });
  }
  for (const row of rows) {
    row.fragments.sort((a, b) => a.x0 - b.x0);
    row.cells = rowCells(row.fragments);
  }
  return rows;
}

/** The middle of the widest empty stretch between the cells of rows (where one table ends and the next begins). */
function widestCorridor(rows: Row[]): number | null {
  const spans = bandsOf(rows);
  let best: { x: number; width: number } | null = null;
  for (let i = 1; i < spans.length; i++) {
    const width = spans[i]!.x0 - spans[i - 1]!.x1;
    if (!best || width > best.width) best = { x: (spans[i]!.x0 + spans[i - 1]!.x1) / 2, width };
  }
  return best?.x ?? null;
}

/** A row's fragments left or right of x, as a row of its own (null when it has none there). */
function sideOf(row: Row, x: number, left: boolean): Row | null {
  const fragments = row.fragments.filter((f) => (left ? f.x1 <= x : f.x0 >= x));
  return fragments.length ? { fragments, cells: rowCells(fragments), y: row.y, size: Math.max(...fragments.map((f) => f.size)) } : null;
}

/** Most of a table's body rows open with a word: it has row labels of its own. */
const hasRowLabels = (table: TableOnPage) => table.rows.slice(table.header ? 1 : 0).filter((row) => /\p{L}/u.test(row[0] ?? '') && !isNumeric(row[0] ?? '')).length * 2 > table.rows.length - (table.header ? 1 : 0);

/**
 * Two tables set side by side (a benefits sheet with one table per card, each with its own "Category | Where"
 * header): rows that carry cells on both sides of an empty corridor, read as two tables when each side is a table of its
 * own and they say so — the same header repeated, or row labels on both sides on rows that do not line up. A wide
 * table whose right half holds only figures, or whose rows all line up under different names, stays one table.
 */
function sideBySideTables(fragments: LineFragment[], page: PageGeometry): TableOnPage[] {
  const rows = pageRows(fragments);
  const found: TableOnPage[] = [];
  for (let i = 0; i < rows.length; ) {
    if (rows[i]!.cells.length < 4) {
      i++;
      continue;
    }
    // Seed: consecutive rows of four or more cells; the corridor is the widest gap their cells leave.
    let end = i + 1;
    while (end < rows.length && rows[end]!.cells.length >= 4 && rows[end - 1]!.y - rows[end]!.y <= rows[end]!.size * 3.2) end++;
    const x = widestCorridor(rows.slice(i, end));
    if (x === null) {
      i = end;
      continue;
    }
    // The region grows up and down over nearby rows that nothing crosses at the corridor.
    const free = (row: Row) => row.fragments.every((f) => f.x1 <= x || f.x0 >= x);
    let start = i;
    while (start > 0 && free(rows[start - 1]!) && rows[start - 1]!.y - rows[start]!.y <= rows[start]!.size * 3.2) start--;
    while (end < rows.length && free(rows[end]!) && rows[end - 1]!.y - rows[end]!.y <= rows[end]!.size * 3.2) end++;
    const region = rows.slice(start, end);
    const [left, right] = [true, false].map((side) => tablesOfRows(region.flatMap((row) => sideOf(row, x, side) ?? []), page));
    const [l, r] = [left![0], right![0]];
    if (l && r) {
      const sameHeader = l.header && r.header && l.rows[0]!.join('|') === r.rows[0]!.join('|');
      const ys = (table: TableOnPage) => table.fragments.map((f) => f.y);
      const lineUp = ys(l).every((y) => ys(r).some((other) => Math.abs(other - y) <= 2)) && ys(r).every((y) => ys(l).some((other) => Math.abs(other - y) <= 2));
      if (sameHeader || (hasRowLabels(l) && hasRowLabels(r) && !lineUp)) found.push(...left!, ...right!);
    }
    i = end;
  }
  return found;
}

/**
 * Finds the tables among a page's fragments in reading order: first tables set side by side, then, in what is left,
 * each candidate run: a sequence of lines with two or more cells, set no further apart than a blank line, with short
 * one-cell lines allowed between them (row labels such as "Operating expenses:"); dot leaders mark a table of contents,
 * which stays text.
 */
export function findTables(ordered: LineFragment[], page: PageGeometry): TableOnPage[] {
  const beside = sideBySideTables(ordered, page);
  const taken = new Set(beside.flatMap((table) => table.fragments));
  return [...beside, ...tablesOfRows(rowsOf(ordered.filter((f) => !taken.has(f))), page)];
}
