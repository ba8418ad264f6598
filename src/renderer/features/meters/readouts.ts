import type { GroqMeters, LpuMeters, OpenAiMeters } from '../../../shared/contract/chat';
import { formatBytes, formatCount, formatMs, formatRate } from '../../i18n/format';
import type { TokenSamples } from '../../stores/meters/store';

// The dashboard's numbers as display strings, keyed by the data-meter slot they fill. While an LPU answer
// streams they come from the per-token samples; the final meters replace them when the answer is done.

export const UNITS = ['MXM', 'VXM', 'SXM', 'MEM', 'C2C'] as const;
export type Readouts = Record<string, string>;

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

export function lpuReadouts(samples: TokenSamples, meters: LpuMeters | null): Readouts {
  const tokens = meters?.completionTokens ?? samples.index.length;
  const cycles = meters?.cycles.total ?? samples.cycles.reduce((a, b) => a + b, 0);
  const perToken = meters?.cycles.perDecodeToken ?? mean(samples.cycles);
  const out: Readouts = {
    'ttft-emulated': meters ? formatMs(meters.emulatedMs.ttft) : '—',
    'ttft-wall': meters ? formatMs(meters.wallMs.ttft) : '—',
    'tps-emulated': formatRate(meters?.emulatedTokensPerSecond ?? 1000 / mean(samples.emulatedMs)),
    'tps-wall': formatRate(meters?.wallTokensPerSecond ?? 1000 / mean(samples.wallMs)),
    tokens: formatCount(tokens),
    cycles: Number.isFinite(cycles) && cycles > 0 ? formatCount(cycles) : '—',
    'cycles-per-token': Number.isFinite(perToken) ? formatCount(perToken) : '—',
    chips: meters ? String(meters.chips) : '—',
    'prefix-cache': meters ? `${formatCount(meters.cachedPromptTokens)} / ${formatCount(meters.promptTokens)}` : '—',
    // Wall TTFT in the order it is spent: retrieval, waiting for the model, prompt evaluation, first token.
    'ttft-retrieval': formatMs(meters?.ttftSplitMs?.retrieval),
    'ttft-queue': formatMs(meters?.ttftSplitMs?.queue),
    'ttft-prefill': formatMs(meters?.ttftSplitMs?.prefill),
    'ttft-first-decode': formatMs(meters?.ttftSplitMs?.firstDecode),
    kernels: meters?.kernels ?? '—',
  };
  out.sram = meters ? sramReadout(meters) : '—';
  for (const unit of UNITS) {
    const value = meters ? utilisationOf(meters.utilisation, unit) : null;
    out[`util-${unit}`] = value === null ? '—' : `${Math.round(value * 100)}%`;
  }
  return out;
}

/** The fullest chip's planned SRAM against one chip's capacity; every chip of a partitioned model holds a similar share. */
export function sramReadout(meters: LpuMeters): string {
  const used = meters.sramBytesPerChip ?? [];
  if (used.length === 0) return '—';
  const fullest = Math.max(...used);
  const capacity = meters.sramCapacityPerChip;
  const share = capacity ? ` / ${formatBytes(capacity)} (${((fullest / capacity) * 100).toFixed(1)}%)` : '';
  return `${formatBytes(fullest)}${share}${used.length > 1 ? ` × ${used.length}` : ''}`;
}

/** The emulator reports each unit's busy fraction of all cycles (0..1), keyed by unit name. */
export function utilisationOf(record: Record<string, number>, unit: string): number | null {
  const key = Object.keys(record).find((k) => k.toUpperCase() === unit);
  return key === undefined ? null : Math.min(1, Math.max(0, record[key]));
}

export function groqReadouts(meters: GroqMeters | null): Readouts {
  const seconds = (s: number | null | undefined) => (s === null || s === undefined ? '—' : formatMs(s * 1000));
  const limit = meters?.tokenLimit ?? null;
  return {
    // With a reasoning model TTFT is the first answer token; the first thinking token has its own readout.
    'ttft-reasoning': formatMs(meters?.firstReasoningMs),
    ttft: formatMs(meters?.ttftMs),
    tps: formatRate(meters?.tokensPerSecond),
    'reasoning-tokens': meters?.reasoningTokens != null ? formatCount(meters.reasoningTokens) : '—',
    'cached-prompt': meters?.cachedPromptTokens != null && meters.promptTokens != null ? `${formatCount(meters.cachedPromptTokens)} / ${formatCount(meters.promptTokens)}` : '—',
    tier: meters?.serviceTier ?? '—',
    'token-limit': limit === null ? '—' : meters?.tokensRemaining != null ? `${formatCount(meters.tokensRemaining)} / ${formatCount(limit)}` : formatCount(limit),
    queue: seconds(meters?.queueTime),
    prompt: seconds(meters?.promptTime),
    completion: seconds(meters?.completionTime),
    total: seconds(meters?.totalTime),
    tokens: meters?.completionTokens != null ? formatCount(meters.completionTokens) : '—',
  };
}

/** An OpenAI-compatible server: what this machine measured, the server's usage and (llama.cpp) its own timings. */
export function openAiReadouts(meters: OpenAiMeters | null): Readouts {
  const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : formatCount(n));
  const timings = meters?.serverTimings ?? null;
  return {
    'ttft-reasoning': formatMs(meters?.firstReasoningMs),
    ttft: formatMs(meters?.ttftMs),
    tps: formatRate(meters?.tokensPerSecond),
    tokens: count(meters?.completionTokens),
    'prompt-tokens': count(meters?.promptTokens),
    'reasoning-tokens': count(meters?.reasoningTokens),
    'cached-prompt': meters?.cachedPromptTokens != null && meters.promptTokens != null ? `${formatCount(meters.cachedPromptTokens)} / ${formatCount(meters.promptTokens)}` : '—',
    'server-prompt': timings ? `${formatMs(timings.promptMs)}${timings.promptPerSecond ? ` · ${formatRate(timings.promptPerSecond)}` : ''}` : '—',
    'server-generation': timings ? `${formatMs(timings.predictedMs)}${timings.predictedPerSecond ? ` · ${formatRate(timings.predictedPerSecond)}` : ''}` : '—',
    server: meters?.server ?? '—',
  };
}
