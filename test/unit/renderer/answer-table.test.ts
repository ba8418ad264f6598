import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { extractiveAnswer } from '../../../src/main/chat/extractive';
import type { Passage } from '../../../src/main/chat/passages';
import { rowsToTableBlocks } from '../../../src/main/ingest/converters/table';
import type { AnswerSource } from '../../../src/shared/contract/chat';

// Issue 17 item 8: a table read from a PDF reaches an extractive answer as a table (header cells, the matching row's
// cells, a citation chip), never as a line of raw pipes. Server rendering reads the settings store's initial state,
// so it is replaced by a fixed one.

vi.mock('../../../src/renderer/stores/settings/store', () => ({
  useSettingsStore: <T>(select: (state: { settings: { language: string } }) => T) => select({ settings: { language: 'en' } }),
}));

const { AnswerMarkdown } = await import('../../../src/renderer/features/chat/AnswerMarkdown');

describe('a PDF table in an extractive answer', () => {
  it('renders as a table with its header, the row asked about and a citation chip', () => {
    const [block] = rowsToTableBlocks(
      [
        ['', 'Loops', 'Speedup'],
        ['3d-cube', '25', '2.20x'],
        ['crypto-md5', '4', '2.30x'],
      ],
      [],
    );
    const text = block!.text;
    const passage: Passage = { chunkId: 1, documentId: 1, documentTitle: 'TraceMonkey', documentPath: '/t.pdf', pageStart: 12, pageEnd: 12, label: null, text, score: 1 };
    const answer = extractiveAnswer('What speedup does crypto-md5 get?', [passage])!;
    const source: AnswerSource = { ordinal: 1, chunkId: 1, documentId: 1, documentTitle: 'TraceMonkey', documentPath: '/t.pdf', pageStart: 12, pageEnd: 12, label: null, passage: text, cited: true };
    const html = renderToStaticMarkup(createElement(AnswerMarkdown, { content: answer, sources: [source] }));
    expect(html).toMatch(/<table>/);
    expect([...html.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1])).toEqual(['', 'Loops', 'Speedup']);
    expect(html).toMatch(/<td>crypto-md5 <button[^>]*data-testid="citation"[^>]*>1<\/button><\/td><td>4<\/td><td>2.30x<\/td>/);
    expect(html).not.toContain('|');
  });
});
