import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, sliceText } from '../../../src/main/mcp/budget';

describe('MCP cursors', () => {
  it('continue the call they were issued for, whatever the argument order', () => {
    const cursor = encodeCursor('read_page', { document: 3, page: 2 }, 1234);
    expect(decodeCursor('read_page', { page: 2, document: 3, cursor })).toBe(1234);
    expect(decodeCursor('read_page', { page: 2, document: 3 })).toBe(0);
  });

  it('refuse a cursor from another tool, other arguments, or not from Lockstep', () => {
    const cursor = encodeCursor('search_documents', { query: 'pump', k: 8 }, 8);
    expect(() => decodeCursor('search_documents', { query: 'pump', k: 9, cursor })).toThrow('That cursor continues a different search_documents call.');
    expect(() => decodeCursor('list_documents', { cursor })).toThrow('continues a different list_documents call');
    for (const forged of ['', 'abc', Buffer.from('{"k":"x","p":-1}').toString('base64url'), Buffer.from('{"k":"x","p":1.5}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(() => decodeCursor('list_documents', { cursor: forged })).toThrow('That cursor is not one Lockstep issued.');
    }
  });
});

describe('sliceText', () => {
  const text = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');

  it('cuts at a word boundary within the limit, and the slices join back to the text', () => {
    const parts: string[] = [];
    for (let start = 0; start < text.length; ) {
      const slice = sliceText(text, start, 97);
      expect(slice.text.length).toBeLessThanOrEqual(97);
      expect(slice.end).toBeGreaterThan(start);
      if (slice.end < text.length) expect(slice.text.endsWith(' ')).toBe(true);
      parts.push(slice.text);
      start = slice.end;
    }
    expect(parts.join('')).toBe(text);
  });

  it('cuts a text without spaces at the limit', () => {
    expect(sliceText('x'.repeat(50), 10, 20)).toEqual({ text: 'x'.repeat(20), end: 30 });
  });
});
