import { describe, expect, it } from 'vitest';
import { CrossEncoderScorer } from '../../../src/main/retrieve/cross-encoder';
import { lexicalScorer, passageForScoring, rerankCandidates, shortestWindow, type PassageScorer } from '../../../src/main/retrieve/rerank';
import { relevanceModel } from '../../../src/main/retrieve/relevance-feedback';

interface Candidate {
  chunkId: number;
  fused: number;
}
const texts: Record<number, string> = { 1: 'alpha', 2: 'beta gamma', 3: 'gamma', 4: 'delta' };
const candidates: Candidate[] = [1, 2, 3, 4].map((chunkId, i) => ({ chunkId, fused: 1 - i / 10 }));
const chunkOf = (c: Candidate) => ({ text: texts[c.chunkId], headingPath: '', context: '' });

/** Scores a passage by how many times it says "gamma": a scorer whose order is known in advance. */
const stub = (seen: string[][] = []): PassageScorer => ({
  name: 'stub',
  score: async (_query, passages) => {
    seen.push(passages);
    return passages.map((p) => p.split('gamma').length - 1);
  },
});

describe('rerankCandidates', () => {
  it('orders the first depth candidates by the scorer, keeps ties and the tail in their order, and rescores to follow', async () => {
    const seen: string[][] = [];
    const reranked = await rerankCandidates('q', candidates, chunkOf, stub(seen), undefined, 3);
    expect(seen).toEqual([['alpha', 'beta gamma', 'gamma']]);
    expect(reranked.map((c) => c.chunkId)).toEqual([2, 3, 1, 4]);
    const scores = reranked.map((c) => c.fused);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('refuses a scorer that returns the wrong number of scores', async () => {
    const broken: PassageScorer = { name: 'broken', score: async () => [1] };
    await expect(rerankCandidates('q', candidates, chunkOf, broken)).rejects.toMatchObject({ code: 'rerank_failed' });
  });

  it('shows the scorer the context and heading before the text', () => {
    expect(passageForScoring({ context: 'Northwind · 10-K', headingPath: 'Item 8', text: 'Cash' })).toBe('Northwind · 10-K\nItem 8\nCash');
  });
});

describe('lexicalScorer', () => {
  it('prefers passages that cover more query terms, then tighter ones', async () => {
    const [all, spread, one, none] = await lexicalScorer.score('dividends paid by the company', [
      'The company paid dividends of $5.',
      'The company, after a long year of growth in every region and segment, paid dividends.',
      'Dividends are discussed elsewhere.',
      'Nothing relevant here.',
    ]);
    expect(all).toBeGreaterThan(spread);
    expect(spread).toBeGreaterThan(one);
    expect(one).toBeGreaterThan(none);
    expect(none).toBe(0);
  });
});

describe('shortestWindow', () => {
  it('matches a brute-force search over random position lists', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 50; trial++) {
      const positions = new Map<string, number[]>();
      const terms = 1 + Math.floor(random() * 4);
      for (let t = 0; t < terms; t++) positions.set(`t${t}`, Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.floor(random() * 40)));
      let brute = Infinity;
      for (let start = 0; start < 40; start++)
        for (let end = start; end < 40; end++)
          if ([...positions.values()].every((list) => list.some((p) => p >= start && p <= end))) brute = Math.min(brute, end - start + 1);
      expect(shortestWindow(positions)).toBe(brute);
    }
  });
});

describe('CrossEncoderScorer', () => {
  it('says how to get a model when none is installed', async () => {
    await expect(new CrossEncoderScorer('/nonexistent/reranker').score('q', ['p'])).rejects.toMatchObject({ code: 'reranker_missing' });
  });
});

describe('relevanceModel', () => {
  it('adds the terms the top passages share, weighted by their scores, never query words or one-off words', () => {
    const terms = relevanceModel(
      [
        { text: 'Dividends paid to shareholders; repurchases of common stock.', score: 3 },
        { text: 'Cash dividends paid to shareholders rose.', score: 2 },
        { text: 'Unrelated passage about weather.', score: 0 },
      ],
      new Set(['dividends']),
      3,
    );
    expect(terms).toEqual(['paid', 'shareholders']);
  });
});
