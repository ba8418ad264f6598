import { describe, expect, it } from 'vitest';
import { ingestReasonCodes } from '../../../src/main/ingest/outcome';
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

  it('keeps the specific server sentence (with its sizes) in English', () => {
    const message = 'This Word document is 2.5 MB but its part word/document.xml expands to 400 MB; Lockstep reads parts of up to 64 MB.';
    expect(documentErrorText('too_large', message, 'en', tFor('en'))).toBe(message);
  });
});
