// Splits a streamed completion into reasoning and answer text where the model writes its thinking inline as
// <think>…</think> (Groq's raw reasoning_format, local Qwen3/DeepSeek-R1 models). Tags may arrive split across
// chunks, so a chunk's tail that could be the start of a tag is held back until the next chunk decides it.

export interface SplitText {
  reasoning: string;
  content: string;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

export class ThinkTagSplitter {
  private inside: boolean;
  private held = '';
  private answerStarted = false;
  private reasoningStarted = false;

  /** `startInside` for chat templates that already open <think> in the generation prompt. */
  constructor(options: { startInside?: boolean } = {}) {
    this.inside = options.startInside ?? false;
  }

  /** True while the text so far ends inside an unclosed <think> block. */
  get thinking(): boolean {
    return this.inside;
  }

  push(chunk: string): SplitText {
    const out: SplitText = { reasoning: '', content: '' };
    let text = this.held + chunk;
    this.held = '';
    while (text) {
      const tag = this.inside ? CLOSE : OPEN;
      const at = text.indexOf(tag);
      if (at >= 0) {
        this.emit(out, text.slice(0, at));
        this.inside = !this.inside;
        text = text.slice(at + tag.length);
        continue;
      }
      const keep = partialTagLength(text, tag);
      this.emit(out, text.slice(0, text.length - keep));
      this.held = text.slice(text.length - keep);
      break;
    }
    return out;
  }

  /** At the end of the stream a held tail was not a tag after all: it belongs where it stands. */
  flush(): SplitText {
    const out: SplitText = { reasoning: '', content: '' };
    this.emit(out, this.held);
    this.held = '';
    return out;
  }

  private emit(out: SplitText, text: string): void {
    if (!text) return;
    if (this.inside) {
      // The newline after <think> is framing, not thought.
      const part = this.reasoningStarted ? text : text.replace(/^\s+/, '');
      this.reasoningStarted ||= part.length > 0;
      out.reasoning += part;
    } else {
      // Models put blank lines between </think> and the answer; the answer starts at its first visible character.
      const part = this.answerStarted ? text : text.replace(/^\s+/, '');
      this.answerStarted ||= part.length > 0;
      out.content += part;
    }
  }
}
