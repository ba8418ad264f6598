// Sets of keyword-index rows held as runs of consecutive rowids: a document's chunks are written in one transaction,
// so they are one run, and a workspace or a set of documents is a handful of runs however many rows it holds.

/** Inclusive [first, last] runs of rowids, ascending and disjoint. */
export type RowRuns = [first: number, last: number][];

/** Ascending distinct rows as runs. */
export function asRuns(rows: ArrayLike<number>): RowRuns {
  const runs: RowRuns = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const last = runs[runs.length - 1];
    if (last && row === last[1] + 1) last[1] = row;
    else runs.push([row, row]);
  }
  return runs;
}

/** The union of run sets that do not overlap one another (documents' rows), as one set with touching runs joined. */
export function joinRuns(sets: readonly RowRuns[]): RowRuns {
  const all = sets.flat().sort((a, b) => a[0] - b[0]);
  const runs: RowRuns = [];
  for (const [first, last] of all) {
    const previous = runs[runs.length - 1];
    if (previous && first <= previous[1] + 1) previous[1] = Math.max(previous[1], last);
    else runs.push([first, last]);
  }
  return runs;
}

/** Whether any row of `a` is in `b`. */
export function runsOverlap(a: RowRuns, b: RowRuns): boolean {
  return a.some(([first, last]) => {
    // The first run of b that ends at or after `first`: it overlaps when it starts by `last`.
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b[mid][1] < first) lo = mid + 1;
      else hi = mid;
    }
    return lo < b.length && b[lo][0] <= last;
  });
}

/** The first index in rows[from, count) whose row is >= row (count when none). */
export function lowerBound(rows: Int32Array, count: number, row: number, from = 0): number {
  let lo = from;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** As lowerBound, galloping from `from`: cheap when the answer is near, as it is walking many runs through one list. */
function seek(rows: Int32Array, count: number, row: number, from: number): number {
  if (from >= count || rows[from] >= row) return from;
  let below = from; // rows[below] < row
  let step = 1;
  while (below + step < count && rows[below + step] < row) {
    below += step;
    step *= 2;
  }
  return lowerBound(rows, Math.min(count, below + step), row, below + 1);
}

/** Calls visit(from, to) for each stretch of rows[0, count) (ascending) that falls inside a run, in order. */
export function forEachSpanWithin(rows: Int32Array, count: number, runs: RowRuns, visit: (from: number, to: number) => void): void {
  let at = 0;
  for (const [first, last] of runs) {
    if (at >= count) return;
    at = seek(rows, count, first, at);
    const to = seek(rows, count, last + 1, at);
    if (to > at) visit(at, to);
    at = to;
  }
}
