import { describe, expect, it } from 'vitest';
import { ThinkTagSplitter } from '../../../src/main/providers/think-tags';

const RAW = '<think>\nThe handbook says 25 days.\n</think>\n\nLeave is 25 days [1].';

function splitAll(chunks: string[], options?: { startInside?: boolean }) {
  const splitter = new ThinkTagSplitter(options);
  let reasoning = '';
  let content = '';
  for (const chunk of [...chunks.map((c) => splitter.push(c)), splitter.flush()]) {
    reasoning += chunk.reasoning;
    content += chunk.content;
  }
  return { reasoning, content };
}

/** Every way of cutting `text` into two chunks, and into single characters. */
function cuts(text: string): string[][] {
  const pairs = Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
  return [...pairs, [...text]];
}

describe('ThinkTagSplitter', () => {
  it('separates the thinking from the answer however the stream is cut, tags included', () => {
    for (const chunks of cuts(RAW)) {
      expect(splitAll(chunks), JSON.stringify(chunks)).toEqual({ reasoning: 'The handbook says 25 days.\n', content: 'Leave is 25 days [1].' });
    }
  });

  it('passes text without tags through untouched, holding back only what could start a tag', () => {
    const splitter = new ThinkTagSplitter();
    expect(splitter.push('a < b and <thi')).toEqual({ reasoning: '', content: 'a < b and ' });
    expect(splitter.push('s is not a tag')).toEqual({ reasoning: '', content: '<this is not a tag' });
    expect(splitter.push(' <')).toEqual({ reasoning: '', content: ' ' });
    expect(splitter.flush()).toEqual({ reasoning: '', content: '<' });
  });

  it('keeps an unclosed think block out of the answer', () => {
    expect(splitAll(['<think>still going', ' when the tokens ran out'])).toEqual({ reasoning: 'still going when the tokens ran out', content: '' });
  });

  it('starts inside when the chat template opened the block, and reports where it stands', () => {
    const splitter = new ThinkTagSplitter({ startInside: true });
    expect(splitter.thinking).toBe(true);
    expect(splitter.push('hmm</th')).toEqual({ reasoning: 'hmm', content: '' });
    expect(splitter.push('ink>Yes.')).toEqual({ reasoning: '', content: 'Yes.' });
    expect(splitter.thinking).toBe(false);
  });

  it('treats a second think block as thinking too', () => {
    expect(splitAll(['<think>a</think>One. <think>b</think>Two.'])).toEqual({ reasoning: 'ab', content: 'One. Two.' });
  });
});
