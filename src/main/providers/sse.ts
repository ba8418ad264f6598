// Server-sent events as the WHATWG HTML standard defines the text/event-stream format: lines end in CRLF, LF or CR,
// a blank line dispatches the event, `data:` lines join with "\n", one space after the colon is dropped, lines
// starting with ":" are comments. Fed decoded text in whatever pieces the network delivers.

export interface ServerSentEvent {
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  /** A CR ended the last piece: an LF at the start of the next one belongs to the same line end. */
  private pendingCr = false;

  push(text: string): ServerSentEvent[] {
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      // A trailing CR may be the first half of a CRLF split across pieces.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(this.buffer.startsWith('\r\n', end) ? end + 2 : end + 1);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The stream ended: an event without its blank line is incomplete and, per the standard, dropped. */
  end(): void {
    this.buffer = '';
    this.data = [];
    this.event = '';
  }

  private line(line: string): ServerSentEvent | null {
    if (line === '') {
      if (this.data.length === 0) return (this.event = ''), null;
      const event = { event: this.event || 'message', data: this.data.join('\n') };
      this.data = [];
      this.event = '';
      return event;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    return null;
  }
}
