import { describe, expect, it } from 'vitest';
import { extractiveAnswer, extractiveSentences, withoutListMarker } from '../../../src/main/chat/extractive';
import type { Passage } from '../../../src/main/chat/passages';
import { sentences } from '../../../src/main/chat/terms';

const passage = (text: string, page: number): Passage => ({
  chunkId: page,
  documentId: 1,
  documentTitle: 'Policy',
  documentPath: '/p.pdf',
  pageStart: page,
  pageEnd: page,
  label: null,
  text,
  score: 1,
});

describe('extractive answers', () => {
  const passages = [
    passage('Employees receive 25 days of annual leave per year. The office opens at 9am. Parking is free on weekends.', 3),
    passage('Unused annual leave can be carried over for three months. Version 3.5 of the handbook applies.', 8),
  ];

  it('splits sentences without breaking decimals and keeps offsets', () => {
    const parts = sentences('Version 3.5 applies. 价格是多少？Next line\nLast one');
    expect(parts.map((p) => p.text)).toEqual(['Version 3.5 applies.', '价格是多少？', 'Next line', 'Last one']);
    expect(parts[1].start).toBe('Version 3.5 applies. '.length);
  });

  it('picks the sentences that share the question terms and cites each one', () => {
    const picked = extractiveSentences('How many days of annual leave do employees get?', passages, 2);
    expect(picked.map((s) => [s.text, s.ordinal])).toEqual([
      ['Employees receive 25 days of annual leave per year.', 1],
      ['Unused annual leave can be carried over for three months.', 2],
    ]);
    expect(extractiveAnswer('How many days of annual leave do employees get?', passages)).toBe(
      '- Employees receive 25 days of annual leave per year. [1]\n- Unused annual leave can be carried over for three months. [2]',
    );
  });

  it('never doubles a bullet nor quotes a Markdown table row as a sentence', () => {
    const text = ['• Annual leave is 25 days for every employee.', '• • Unused annual leave carries over for five days.', '| Leave type | Days | Notes |', '|---|---|---|', '| Annual leave | 25 | paid |', '2) Annual leave requests go to your manager.'].join('\n');
    const answer = extractiveAnswer('annual leave days', [passage(text, 1)])!;
    expect(answer.split('\n').every((line) => /^- [A-Z]/.test(line))).toBe(true);
    expect(answer).not.toMatch(/•|\|/);
    expect(answer).toContain('- Annual leave is 25 days for every employee. [1]');
    expect(withoutListMarker('• • text')).toBe('text');
    expect(withoutListMarker('3.0x faster')).toBe('3.0x faster');
    expect(withoutListMarker('-5 °C at night')).toBe('-5 °C at night');
  });

  it('returns null when no sentence shares a term with the question', () => {
    expect(extractiveAnswer('quantum chromodynamics', passages)).toBeNull();
  });
});
