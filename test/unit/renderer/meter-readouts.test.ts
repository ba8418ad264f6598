import { describe, expect, it } from 'vitest';
import type { LpuMeters } from '../../../src/shared/contract/chat';
import { groqReadouts, lpuReadouts } from '../../../src/renderer/features/meters/readouts';

const samples = { index: [1, 2, 3, 4], emulatedMs: [0.01, 0.01, 0.01, 0.01], wallMs: [2, 4, 2, 8], cycles: [9000, 9000, 9000, 9000] };

describe('meter readouts', () => {
  it('derive live LPU numbers from the per-token samples while the answer streams', () => {
    const live = lpuReadouts(samples, null);
    expect(live).toMatchObject({ tokens: '4', cycles: '36,000', 'cycles-per-token': '9,000', 'tps-emulated': '100,000', 'tps-wall': '250', 'ttft-wall': '—', 'util-MXM': '—' });
  });

  it('switch to the final meters when they arrive, utilisation as percentages', () => {
    const meters: LpuMeters = {
      provider: 'lpu', promptTokens: 367, cachedPromptTokens: 120, completionTokens: 128,
      cycles: { prefill: 300_000, decode: 956_848, total: 1_256_848, perDecodeToken: 7677 },
      emulatedMs: { ttft: 0.313, total: 1.4 }, wallMs: { ttft: 76, total: 180 },
      emulatedTokensPerSecond: 117_233, wallTokensPerSecond: 695.4,
      utilisation: { MXM: 0.54, VXM: 0.449, SXM: 0.03, MEM: 0.01, C2C: 0 }, chips: 1,
    };
    expect(lpuReadouts(samples, meters)).toMatchObject({
      tokens: '128', cycles: '1,256,848', 'cycles-per-token': '7,677', 'ttft-emulated': '0.313 ms', 'ttft-wall': '76 ms',
      'tps-emulated': '117,233', 'tps-wall': '695', chips: '1', 'prefix-cache': '120 / 367', 'util-MXM': '54%', 'util-VXM': '45%', 'util-C2C': '0%',
      sram: '—',
    });
  });

  it('show the fullest chip\'s planned SRAM against its capacity', () => {
    const base = lpuReadouts(samples, null);
    expect(base.sram).toBe('—');
    const meters = {
      provider: 'lpu', promptTokens: 1, cachedPromptTokens: 0, completionTokens: 1,
      cycles: { prefill: 1, decode: 1, total: 2, perDecodeToken: 1 }, emulatedMs: { ttft: 0, total: 0 }, wallMs: { ttft: 0, total: 0 },
      emulatedTokensPerSecond: 0, wallTokensPerSecond: 0, utilisation: {}, chips: 2,
      sramBytesPerChip: [100 * 1024 * 1024, 110 * 1024 * 1024], sramCapacityPerChip: 220 * 1024 * 1024,
    } satisfies LpuMeters;
    expect(lpuReadouts(samples, meters).sram).toBe('110 MB / 220 MB (50.0%) × 2');
  });

  it('show Groq timings (reported in seconds) as milliseconds and dashes for what is unknown', () => {
    const readouts = groqReadouts({ provider: 'groq', ttftMs: 212, tokensPerSecond: 540.2, promptTokens: 900, completionTokens: 120, queueTime: 0.0123, promptTime: 0.045, completionTime: 0.22, totalTime: null });
    expect(readouts).toEqual({
      ttft: '212 ms', tps: '540', queue: '12 ms', prompt: '45 ms', completion: '220 ms', total: '—', tokens: '120',
      'ttft-reasoning': '—', 'reasoning-tokens': '—', 'cached-prompt': '—', tier: '—', 'token-limit': '—',
    });
  });

  it('show a reasoning answer\'s first thinking and first answer token, cached prompt, tier and the key\'s tokens left', () => {
    const readouts = groqReadouts({
      provider: 'groq', ttftMs: 950, tokensPerSecond: 400, promptTokens: 900, completionTokens: 300, queueTime: 0.01, promptTime: 0.04, completionTime: 0.5, totalTime: 0.55,
      firstReasoningMs: 180, reasoningMs: 770, reasoningTokens: 240, cachedPromptTokens: 512, serviceTier: 'on_demand', tokenLimit: 8000, tokensRemaining: 6100,
    });
    expect(readouts).toMatchObject({ 'ttft-reasoning': '180 ms', ttft: '950 ms', 'reasoning-tokens': '240', 'cached-prompt': '512 / 900', tier: 'on_demand', 'token-limit': '6,100 / 8,000' });
  });
});
