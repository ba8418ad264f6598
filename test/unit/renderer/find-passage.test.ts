import { describe, expect, it } from 'vitest';
import { findPassage } from '../../../src/renderer/features/viewer/findPassage';

describe('findPassage', () => {
  const page = 'Running header 12\nTrace trees are built from hot loops. Each trace is recor-\nded when the loop header is executed twice.\nFooter';

  it('finds a passage across line breaks, hyphenation and case', () => {
    const range = findPassage(page, 'trace trees are built from hot loops. Each trace is recorded when the loop header is executed twice.')!;
    expect(page.slice(range.start, range.end)).toBe('Trace trees are built from hot loops. Each trace is recor-\nded when the loop header is executed twice');
  });

  it('falls back to the opening words when the middle differs', () => {
    const range = findPassage(page, 'Trace trees are built from hot loops. [dropped figure caption] Each trace is recorded')!;
    expect(page.slice(range.start, range.start + 11)).toBe('Trace trees');
  });

  it('matches Chinese text', () => {
    const text = '第一章\n调试软件包时，请先阅读维护者指南。';
    const range = findPassage(text, '请先阅读维护者指南')!;
    expect(text.slice(range.start, range.end)).toBe('请先阅读维护者指南');
  });

  it('returns null when the passage is not on the page', () => {
    expect(findPassage(page, 'Completely unrelated sentence about gardening and tomatoes.')).toBeNull();
  });
});
