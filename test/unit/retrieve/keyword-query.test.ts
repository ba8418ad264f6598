import { describe, expect, it } from 'vitest';
import { matchExpression, queryTerms } from '../../../src/main/retrieve/keyword-query';
import { segmentForIndex } from '../../../src/main/text/segment';

describe('matchExpression', () => {
  it('quotes every distinct term, lower-cased, and ORs them', () => {
    expect(matchExpression('Vitamin D and HIP fractures, hip')).toBe('"vitamin" OR "d" OR "hip" OR "fractures"');
  });

  it('turns FTS5 syntax into plain terms', () => {
    expect(matchExpression('body:hip* NEAR("a b") -x ^y')).toBe('"body" OR "hip" OR "near" OR "b" OR "x" OR "y"');
    expect(matchExpression('AND OR NOT')).toBe('"and" OR "or" OR "not"');
  });

  it('drops stop words unless nothing else is left', () => {
    expect(queryTerms('what is the role of the ribosome')).toEqual(['what', 'role', 'ribosome']);
    expect(queryTerms('to be or not to be')).toEqual(['to', 'be', 'or', 'not']);
  });

  it('splits CJK runs into words the way the index does', () => {
    const query = '髋部骨折的风险';
    expect(queryTerms(query)).toEqual(segmentForIndex(query).split(' '));
    expect(queryTerms(query)).toContain('骨折');
  });

  it('keeps accents and digits as the unicode61 tokenizer does, and returns null when no word is left', () => {
    expect(queryTerms('Café COVID-19')).toEqual(['café', 'covid', '19']);
    expect(matchExpression('?! … — "')).toBeNull();
  });

  it('caps very long queries', () => {
    const long = Array.from({ length: 200 }, (_, i) => `term${i}`).join(' ');
    expect(queryTerms(long)).toHaveLength(64);
  });
});
