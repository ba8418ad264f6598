import { describe, expect, it } from 'vitest';
import { asRuns, forEachSpanWithin, joinRuns, runsOverlap, type RowRuns } from '../../../src/main/retrieve/row-runs';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';

// Row runs against plain set arithmetic on random rows: the spans walked by galloping must cover exactly the list
// entries inside the runs, in order, each once.

const randomRows = (next: () => number, max: number, share: number) => Array.from({ length: max }, (_, row) => row).filter(() => next() < share);

describe('row runs', () => {
  it('walks exactly the entries of a list that fall inside the runs, in order', () => {
    const next = seededRandom(7);
    for (let trial = 0; trial < 120; trial++) {
      const max = 1 + Math.floor(next() * 2000);
      const list = Int32Array.from(randomRows(next, max, next()));
      const allowed = randomRows(next, max + 50, next() < 0.2 ? 0.99 : next());
      const runs = asRuns(allowed);
      const count = Math.floor(list.length * (0.5 + next() / 2)); // only the first `count` entries are in use
      const walked: number[] = [];
      let emptySpans = 0;
      forEachSpanWithin(list, count, runs, (from, to) => {
        if (to <= from) emptySpans++;
        for (let i = from; i < to; i++) walked.push(i);
      });
      expect(emptySpans).toBe(0);
      const inside = new Set(allowed);
      const expected = [...list.subarray(0, count).keys()].filter((i) => inside.has(list[i]));
      expect(walked).toEqual(expected);
    }
  });

  it('joins disjoint run sets and finds overlaps as sets of rows do', () => {
    const next = seededRandom(11);
    for (let trial = 0; trial < 100; trial++) {
      const owner = Array.from({ length: 400 }, () => Math.floor(next() * 4)); // each row in one of four sets
      const sets = [0, 1, 2, 3].map((set) => asRuns(owner.flatMap((o, row) => (o === set ? [row] : []))));
      const rows = (runs: RowRuns) => runs.flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i));
      const joined = joinRuns([sets[0], sets[2]]);
      expect(rows(joined)).toEqual(owner.flatMap((o, row) => (o === 0 || o === 2 ? [row] : [])));
      expect(joined.every(([first], i) => i === 0 || joined[i - 1][1] + 1 < first)).toBe(true); // touching runs joined
      const probe = asRuns(randomRows(next, 400, 0.02));
      const probed = new Set(rows(probe));
      expect(runsOverlap(sets[1], probe)).toBe(rows(sets[1]).some((row) => probed.has(row)));
    }
  });
});
