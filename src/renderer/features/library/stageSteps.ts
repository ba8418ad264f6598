import type { JobProgress } from '../../../shared/contract/library';

// The steps a file's row lists while it is indexed: only those that will run for it, each done, active or pending.

type Stage = JobProgress['stage'];
const STAGE_ORDER: Stage[] = ['queued', 'reading', 'parsing', 'ocr', 'chunking', 'embedding', 'writing'];
const STEPS = [
  { stage: 'parsing', label: 'library.step.parsing' },
  { stage: 'ocr', label: 'library.ocr' },
  { stage: 'chunking', label: 'library.step.chunking' },
  { stage: 'embedding', label: 'library.step.embedding' },
] as const;

export interface StageStep {
  stage: Stage;
  label: (typeof STEPS)[number]['label'];
  state: 'done' | 'active' | 'pending';
}

/**
 * The file's steps once it is being parsed (none before): OCR only once it has needed it, and no Embed step when no
 * embedder is installed, since that step would never run (the row says "keyword search only" instead).
 */
export function stageSteps(progress: Pick<JobProgress, 'stage' | 'willEmbed'>, sawOcr: boolean): StageStep[] {
  const rank = STAGE_ORDER.indexOf(progress.stage);
  if (rank < STAGE_ORDER.indexOf('parsing')) return [];
  return STEPS.filter((step) => (step.stage !== 'ocr' || sawOcr) && (step.stage !== 'embedding' || progress.willEmbed !== false)).map((step) => {
    const at = STAGE_ORDER.indexOf(step.stage);
    return { ...step, state: at < rank ? 'done' : at === rank ? 'active' : 'pending' };
  });
}

/** True when the row should say its chunks are indexed for keyword search only. */
export const keywordOnly = (progress: Pick<JobProgress, 'stage' | 'willEmbed'>): boolean => progress.willEmbed === false && progress.stage !== 'queued';
