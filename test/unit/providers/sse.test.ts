import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from '../../../src/main/providers/sse';

// The text/event-stream rules the OpenAI-compatible provider relies on, fed in every split the network may produce.

const STREAM = ': keep-alive comment\r\ndata: {"a":1}\r\n\r\nevent: error\ndata: first line\ndata:second line\n\ndata\n\n\rdata: [DONE]\r\r';
const EXPECTED: ServerSentEvent[] = [
  { event: 'message', data: '{"a":1}' },
  { event: 'error', data: 'first line\nsecond line' },
  { event: 'message', data: '' },
  { event: 'message', data: '[DONE]' },
];

describe('SseParser', () => {
  it('parses CRLF, LF and CR line ends, comments, event names and multi-line data', () => {
    expect(new SseParser().push(STREAM)).toEqual(EXPECTED);
  });

  it('gives the same events however the text is split, including between CR and LF', () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new SseParser();
      const events: ServerSentEvent[] = [];
      for (let at = 0; at < STREAM.length; at += size) events.push(...parser.push(STREAM.slice(at, at + size)));
      expect(events, `pieces of ${size}`).toEqual(EXPECTED);
    }
  });

  it('drops an event whose blank line never came', () => {
    const parser = new SseParser();
    expect(parser.push('data: {"cut":')).toEqual([]);
    parser.end();
    expect(parser.push('\n\n')).toEqual([]);
  });
});
