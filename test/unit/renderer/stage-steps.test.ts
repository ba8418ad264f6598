import { describe, expect, it } from 'vitest';
import { keywordOnly, stageSteps } from '../../../src/renderer/features/library/stageSteps';

// A file's row lists only the steps that will run for it: no Embed step when no embedder is installed.

const steps = (stage: Parameters<typeof stageSteps>[0]['stage'], willEmbed: boolean | undefined, sawOcr = false) =>
  stageSteps({ stage, willEmbed }, sawOcr).map((s) => `${s.stage}:${s.state}`);

describe('ingest row stage steps', () => {
  it('lists Parse, Split and Embed when the file will be embedded, marking the current one', () => {
    expect(steps('chunking', true)).toEqual(['parsing:done', 'chunking:active', 'embedding:pending']);
    expect(steps('embedding', true)).toEqual(['parsing:done', 'chunking:done', 'embedding:active']);
    expect(keywordOnly({ stage: 'chunking', willEmbed: true })).toBe(false);
  });

  it('leaves out the Embed step, and says keyword search only, when no embedder is installed', () => {
    expect(steps('parsing', false)).toEqual(['parsing:active', 'chunking:pending']);
    expect(steps('writing', false)).toEqual(['parsing:done', 'chunking:done']);
    expect(keywordOnly({ stage: 'parsing', willEmbed: false })).toBe(true);
  });

  it('shows OCR once the file has needed it, and no steps at all while it is queued or being read', () => {
    expect(steps('ocr', true, true)).toEqual(['parsing:done', 'ocr:active', 'chunking:pending', 'embedding:pending']);
    expect(steps('queued', undefined)).toEqual([]);
    expect(steps('reading', false)).toEqual([]);
    expect(keywordOnly({ stage: 'queued', willEmbed: undefined })).toBe(false);
  });
});
