import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../../src/main/text/decode';
import { hasCjk, segmentForIndex, splitSentences } from '../../../src/main/text/segment';

describe('segmentForIndex', () => {
  it('splits Chinese and Japanese runs into words and leaves other text alone', () => {
    expect(segmentForIndex('Debian 新维护人员手册')).toBe('Debian 新 维护 人员 手册');
    expect(segmentForIndex('用dpkg打包')).toBe('用 dpkg 打包');
    expect(segmentForIndex('日本語のテキスト')).toBe('日本語 の テキスト');
    const latin = 'Trace-based JIT, naïve café — unchanged.';
    expect(segmentForIndex(latin)).toBe(latin);
    expect(hasCjk(latin)).toBe(false);
  });

  it('splits CJK text into sentences without relying on spaces', () => {
    expect(splitSentences('这是第一句。这是第二句！Third one. 第四句？').map((s) => s.text.trim())).toEqual(['这是第一句。', '这是第二句！', 'Third one.', '第四句？']);
  });
});

describe('decodeText', () => {
  it('decodes UTF-16 with and without a BOM', () => {
    const text = 'Hello, wörld — 你好';
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]))).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeText(iconv.encode(`${text} and some more ASCII words`, 'utf-16be')).encoding).toBe('utf-16be');
  });

  it('falls back from invalid UTF-8 to a single-byte encoding and honours a declared charset', () => {
    const latin1 = iconv.encode('Crème brûlée à la café, déjà vu. Ça va très bien, merci beaucoup.', 'latin1');
    expect(decodeText(latin1).text).toBe('Crème brûlée à la café, déjà vu. Ça va très bien, merci beaucoup.');
    const sjis = iconv.encode('日本語の文章です', 'shift_jis');
    expect(decodeText(sjis, 'Shift_JIS').text).toBe('日本語の文章です');
    expect(decodeText(Buffer.from('\uFEFFplain', 'utf8'))).toEqual({ text: 'plain', encoding: 'utf-8' });
  });
});
