import type { AnswerMeters } from '../../shared/contract/chat';
import type { LpuObservation } from './metrics';

// What an answer's meters say about it, whichever path produced it (the app's answers, the local API's completions).

export function tokensPerSecond(meters: AnswerMeters | null, intervals: number[]): number | null {
  if (meters?.provider === 'lpu' && meters.wallTokensPerSecond > 0) return meters.wallTokensPerSecond;
  if (meters && 'tokensPerSecond' in meters && typeof meters.tokensPerSecond === 'number' && meters.tokensPerSecond > 0) return meters.tokensPerSecond;
  const total = intervals.reduce((sum, gap) => sum + gap, 0);
  return total > 0 ? (intervals.length * 1000) / total : null;
}

/** Prompt tokens the provider evaluated per second of prefill (tokens it took from a cache are not evaluated). */
export function prefillRate(meters: AnswerMeters | null): number | null {
  if (meters?.provider === 'lpu') {
    const evaluated = meters.promptTokens - meters.cachedPromptTokens;
    const ms = meters.ttftSplitMs?.prefill ?? 0;
    return evaluated > 0 && ms > 0 ? (evaluated * 1000) / ms : null;
  }
  if (meters?.provider === 'groq') {
    const evaluated = (meters.promptTokens ?? 0) - (meters.cachedPromptTokens ?? 0);
    return evaluated > 0 && meters.promptTime ? evaluated / meters.promptTime : null;
  }
  return null;
}

export function lpuObservation(meters: Extract<AnswerMeters, { provider: 'lpu' }>): LpuObservation {
  // Answers from a model loaded without a per-chip schedule report the chip mean on every chip.
  const perChip = meters.utilisationPerChip ?? Array.from({ length: meters.chips }, () => ({ ...meters.utilisation }));
  return { utilisationPerChip: perChip, sramBytesPerChip: meters.sramBytesPerChip ?? [], sramCapacityPerChip: meters.sramCapacityPerChip ?? null };
}
