import { describe, expect, it } from 'vitest';
import { ingestReasonCodes, problems } from '../../../src/main/ingest/outcome';
import { documentErrorText, translatedDocumentErrorCodes } from '../../../src/renderer/features/library/documentError';
import { translate, type Language, type Translate } from '../../../src/renderer/i18n/translate';

const tFor = (language: Language): Translate => (key, values) => translate(language, key, values);

describe('ingestion reason codes in the UI', () => {
  it('every code ingestion can give has a plain Chinese sentence', () => {
    expect(ingestReasonCodes.filter((code) => !translatedDocumentErrorCodes.includes(code))).toEqual([]);
    for (const code of ingestReasonCodes) {
      const zh = documentErrorText(code, 'server sentence', 'zh-CN', tFor('zh-CN'));
      expect(zh).not.toBe('server sentence');
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(zh).toMatch(/。$/);
    }
  });

  it('keeps the specific server sentence (with its sizes) in English, and repeats the sizes in Chinese', () => {
    const message = problems.partTooLarge('Word document', 'word/document.xml', 400 * 2 ** 20, 2.5 * 2 ** 20, 64 * 2 ** 20).message;
    expect(documentErrorText('too_large', message, 'en', tFor('en'))).toBe(message);
    expect(documentErrorText('too_large', message, 'zh-CN', tFor('zh-CN'))).toBe(
      '此文档大小为 2.5 MB，但其中的部件 word/document.xml 展开后达 400 MB；Lockstep 单个部件最多读取 64 MB。请将其拆分为较小的文件后再添加。',
    );
    const fileMessage = problems.fileTooLarge(600 * 2 ** 20, 512 * 2 ** 20).message;
    expect(documentErrorText('file_too_large', fileMessage, 'zh-CN', tFor('zh-CN'))).toBe('此文件大小为 600 MB；Lockstep 最多为 512 MB 的文件建立索引。');
    // A sentence without sizes (an older library) still gets the plain translation.
    expect(documentErrorText('too_large', 'Too large.', 'zh-CN', tFor('zh-CN'))).toBe(translate('zh-CN', 'documentError.tooLarge'));
  });
});
