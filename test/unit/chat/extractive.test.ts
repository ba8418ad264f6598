import { describe, expect, it } from 'vitest';
import { extractiveAnswer, extractiveSentences, extractiveTable, withoutListMarker } from '../../../src/main/chat/extractive';
import type { Passage } from '../../../src/main/chat/passages';
import { sentences } from '../../../src/main/chat/terms';
import { rowsToTableBlocks } from '../../../src/main/ingest/converters/table';

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

  it('never doubles a bullet nor quotes a Markdown table row as a sentence: the matching row comes as a table', () => {
    const text = ['• Annual leave is 25 days for every employee.', '• • Unused annual leave carries over for five days.', '| Leave type | Days | Notes |', '|---|---|---|', '| Annual leave | 25 | paid |', '| Sick leave | 10 | paid |', '2) Annual leave requests go to your manager.'].join('\n');
    const [bullets, table, ...rest] = extractiveAnswer('annual leave days', [passage(text, 1)])!.split('\n\n');
    expect(rest).toEqual([]);
    expect(bullets!.split('\n').every((line) => /^- [A-Z]/.test(line))).toBe(true);
    expect(bullets).not.toMatch(/•|\|/);
    expect(bullets).toContain('- Annual leave is 25 days for every employee. [1]');
    // Every row sharing a question term comes under the header, in the order of the table, each cited.
    expect(table).toBe('| Leave type | Days | Notes |\n|---|---|---|\n| Annual leave [1] | 25 | paid |\n| Sick leave [1] | 10 | paid |');
    expect(withoutListMarker('• • text')).toBe('text');
    expect(withoutListMarker('3.0x faster')).toBe('3.0x faster');
    expect(withoutListMarker('-5 °C at night')).toBe('-5 °C at night');
  });

  it('answers from a PDF table with the rows that name what was asked, under the table header, cited', () => {
    const rows = [
      ['', 'Loops', 'Trees', 'Speedup'],
      ['3d-cube', '25', '27', '2.20x'],
      ['3d-raytrace', '10', '25', '1.18x'],
      ['crypto-md5', '4', '4', '2.30x'],
    ];
    const [block] = rowsToTableBlocks(rows, [], { header: true });
    const answer = extractiveAnswer('What speedup does crypto-md5 get?', [passage('Figure 13 lists each benchmark.', 11), passage(block!.text, 12)])!;
    expect(answer).toBe('|  | Loops | Trees | Speedup |\n| --- | --- | --- | --- |\n| crypto-md5 [2] | 4 | 4 | 2.30x |');
    expect(extractiveTable('quantum chromodynamics', [passage(block!.text, 12)])).toBeNull();
  });

  it('returns null when no sentence shares a term with the question', () => {
    expect(extractiveAnswer('quantum chromodynamics', passages)).toBeNull();
  });
});
