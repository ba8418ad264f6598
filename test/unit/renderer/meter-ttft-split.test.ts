import { describe, expect, it } from 'vitest';
import type { LpuMeters } from '../../../src/shared/contract/chat';
import { lpuReadouts } from '../../../src/renderer/features/meters/readouts';

const samples = { index: [], emulatedMs: [], wallMs: [], cycles: [] };
const meters: LpuMeters = {
  provider: 'lpu', promptTokens: 2000, cachedPromptTokens: 1904, completionTokens: 2,
  cycles: { prefill: 10, decode: 5, total: 15, perDecodeToken: 5 }, emulatedMs: { ttft: 0.1, total: 0.2 }, wallMs: { ttft: 104, total: 130 },
  emulatedTokensPerSecond: 0, wallTokensPerSecond: 0, utilisation: {}, chips: 1,
  ttftSplitMs: { queue: 3, retrieval: 41, prefill: 52, firstDecode: 8 }, kernels: 'native-avx2',
};

describe('TTFT split and kernels in the LPU readouts', () => {
  it('show each part of TTFT, the cached prompt tokens and the kernels, and dashes in older answers', () => {
    expect(lpuReadouts(samples, meters)).toMatchObject({
      'ttft-retrieval': '41 ms', 'ttft-queue': '3.00 ms', 'ttft-prefill': '52 ms', 'ttft-first-decode': '8.00 ms',
      kernels: 'native-avx2', 'prefix-cache': '1,904 / 2,000',
    });
    const { ttftSplitMs: _split, kernels: _kernels, ...older } = meters;
    expect(lpuReadouts(samples, older)).toMatchObject({ 'ttft-prefill': '—', kernels: '—' });
  });
});
