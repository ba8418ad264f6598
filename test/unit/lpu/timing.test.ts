import { describe, expect, it } from 'vitest';
import { predict } from '../../../src/main/lpu/timing/predict';
import { PUBLISHED_DECODE_TOK_S } from '../../../src/main/lpu/timing/presets';
import { C2C_HOP_LATENCY_US } from '../../../src/main/lpu/compiler/cost-model';

// docs/lpu-timing.md: one knob (C2C per-transfer latency) calibrated on llama-3.1-8b; the rest is validation.
const within = (value: number, target: number, fraction: number) => Math.abs(value - target) / target <= fraction;

describe('timing-only predictions against published Groq figures', () => {
  it('llama-2-70b on 576 chips decodes within ±30% of the published 256 tok/s (validation)', () => {
    const r = predict('llama-2-70b', { chips: 576 });
    expect(r).toMatchObject({ chips: 576, tp: 8, stages: 72 });
    expect(within(r.decode_tok_s, PUBLISHED_DECODE_TOK_S['llama-2-70b']!.value, 0.3)).toBe(true);
    expect(r.sramMiBMaxPerChip).toBeLessThanOrEqual(220);
    expect(r.ttft_ms).toBeGreaterThan(0);
  });

  it('llama-3.1-8b on the fewest chips that fit decodes within ±30% of 560 tok/s (the calibration point)', () => {
    const r = predict('llama-3.1-8b');
    expect(within(r.decode_tok_s, PUBLISHED_DECODE_TOK_S['llama-3.1-8b']!.value, 0.3)).toBe(true);
    expect(C2C_HOP_LATENCY_US).toBe(3.48);
  });

  it('TTFT grows with the prompt by one pipeline interval per extra chunk; unknown presets are named', () => {
    const short = predict('llama-3.1-8b', { promptTokens: 32 });
    const long = predict('llama-3.1-8b', { promptTokens: 32 * 9 });
    expect(long.ttft_ms).toBeGreaterThan(short.ttft_ms);
    expect(long.ttft_ms).toBeLessThan(short.ttft_ms * 9); // chunks overlap across pipeline stages
    expect(() => predict('gpt-4')).toThrow('Unknown preset "gpt-4"; choose one of llama-2-70b, llama-3.1-8b, llama-3.3-70b.');
  });
});
