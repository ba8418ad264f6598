import { describe, expect, it } from 'vitest';
import { lpuMeters } from '../../../src/main/providers/lpu';
import type { LpuGenerationResult } from '../../../src/main/lpu';

const result: LpuGenerationResult = {
  text: 'x', tokens: [1, 2], promptTokens: 2000, cachedPromptTokens: 1904, stopReason: 'eos',
  cycles: { prefill: 10, decode: 5, total: 15, perDecodeToken: 5 }, emulatedMs: { ttft: 0.1, total: 0.2 },
  wallMs: { ttft: 63, total: 90, queue: 3, prefill: 52, firstDecode: 8 }, kernels: 'native-avx2',
  utilisation: { MXM: 0, VXM: 0, SXM: 0, MEM: 0, C2C: 0 }, chips: 1, sramBytesPerChip: [1],
};

describe('TTFT split and kernels in the LPU meters', () => {
  it('carry the runtime\'s queue, prefill and first-decode times and the kernel set that ran', () => {
    const meters = lpuMeters(result, undefined, 'wasm-simd');
    expect(meters.ttftSplitMs).toEqual({ queue: 3, retrieval: 0, prefill: 52, firstDecode: 8 });
    expect(meters.kernels).toBe('native-avx2'); // the result's own kernel set wins over the handle's
    expect(meters.wallMs).toEqual({ ttft: 63, total: 90 });
    expect(lpuMeters({ ...result, kernels: undefined }, undefined, 'wasm-simd').kernels).toBe('wasm-simd');
  });

});
