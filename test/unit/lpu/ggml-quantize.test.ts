// The TS block encoders give ggml's own bytes: digests of quantize_row_{q4_0,q4_K,q5_K,q6_K}_ref's output on fixed
// inputs, computed from ggml-quants.c of the llama.cpp that node-llama-cpp bundles (`npx tsx
// scripts/ggml-quant-digests.ts`: cc -O2, float arithmetic without FMA contraction), pin every byte, not only the error.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { quantizeQ4_0, quantizeQ4K, quantizeQ5K, quantizeQ6K } from '../../../src/main/lpu/loader/ggml-quantize';
import { quantizerInputs } from '../../fixtures/lpu/quantizer-inputs';

const ENCODERS = [
  { type: 'Q4_0', encode: quantizeQ4_0, blockElems: 32, blockBytes: 18 },
  { type: 'Q4_K', encode: quantizeQ4K, blockElems: 256, blockBytes: 144 },
  { type: 'Q5_K', encode: quantizeQ5K, blockElems: 256, blockBytes: 176 },
  { type: 'Q6_K', encode: quantizeQ6K, blockElems: 256, blockBytes: 210 },
] as const;

/** First 16 hex digits of sha256 over ggml's encoding of each input, in quantizerInputs' order. */
const GGML_DIGESTS: Record<(typeof ENCODERS)[number]['type'], string[]> = {
  Q4_0: ['8bb8e3b25c01f86f', '3d4b94a55c540d50', '631989ae3b85baa7', '4ba923c3ad5b0649', '1d9a2e73bb478af5', '1582aa418dbff874'],
  Q4_K: ['a44114d1e71a565c', '839967915537d804', 'a1d89c6b5e9860f0', '25a14c41ab9f94ae', '935135a343fc3c8a', '6e7f809fa2c51e8c'],
  Q5_K: ['c9ec29168c16690c', 'd302fb0054b799dc', '61c27355892a76fa', 'f8e07e4c9cac94dc', 'c6c8f8ca0d380ae4', '4d9240b2d077ea02'],
  Q6_K: ['76b26a90111a6a98', 'c400d042fe8d5e53', '066b8aa6ba10c43a', 'd1cab5d98c25069a', 'b0b25ebb30a0128d', 'fb0b599aa67e6539'],
};

describe('ggml block encoders', () => {
  const inputs = quantizerInputs();
  describe.each(ENCODERS)('$type', ({ type, encode, blockElems, blockBytes }) => {
    it.each(inputs.map(([name, x], i) => ({ name, x, i })))('$name: the bytes of quantize_row_ref', ({ x, i }) => {
      const out = new Uint8Array((x.length / blockElems) * blockBytes);
      encode(x, out, 0);
      expect(createHash('sha256').update(out).digest('hex').slice(0, 16)).toBe(GGML_DIGESTS[type][i]);
    });

    it('writes at an offset without touching the bytes around the blocks', () => {
      const x = inputs[0]![1].subarray(0, blockElems * 2), bytes = 2 * blockBytes;
      const alone = new Uint8Array(bytes), shifted = new Uint8Array(bytes + 10).fill(0xee);
      encode(x, alone, 0);
      encode(x, shifted, 5);
      expect(shifted.subarray(5, 5 + bytes)).toEqual(alone);
      expect([...shifted.subarray(0, 5), ...shifted.subarray(5 + bytes)]).toEqual(new Array(10).fill(0xee));
    });
  });
});
