import { describe, expect, it } from 'vitest';
import { dequantize, f16ToF32, f32ToF16, splitQ8_0Blocks } from '../../../src/main/lpu/loader/dequant';
import { quantizeQ8 } from '../../../src/main/lpu/runtime/load-weights';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';

// Block formats checked against element-by-element formulas written from ggml's block layouts
// (an independent indexing of the same spec), on random block bytes with small, finite f16 scales.

const random = seededRandom(7);
function randomBlock(bytes: number, f16At: number[]): Uint8Array {
  const b = Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256));
  const dv = new DataView(b.buffer);
  for (const at of f16At) dv.setUint16(at, f32ToF16((random() - 0.5) * 0.1), true);
  return b;
}
const f16At = (b: Uint8Array, at: number) => f16ToF32(new DataView(b.buffer).getUint16(at, true));
const i8At = (b: Uint8Array, at: number) => new DataView(b.buffer).getInt8(at);

function kScaleMin(sc: Uint8Array, j: number): [number, number] {
  const s = sc;
  return j < 4 ? [s[j]! & 63, s[j + 4]! & 63] : [(s[j + 4]! & 15) | ((s[j - 4]! >> 6) << 4), (s[j + 4]! >> 4) | ((s[j]! >> 6) << 4)];
}

/** Position of element i of a 256-element K block: 64-element chunk j, offset l in its 32-byte run, sub-block, high nibble? */
function kIndex(i: number) {
  const j = Math.floor(i / 64), c = i % 64;
  return { j, l: c % 32, sub: 2 * j + (c >= 32 ? 1 : 0), high: c >= 32 };
}

function run(type: number, block: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  dequantize(type, block, out, 0, n);
  return out;
}

describe('ggml dequantisation', () => {
  it('f16 and bf16 conversions round-trip known values', () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(1 / 3)).toBe(0x3555);
    const bf = new Uint8Array([0x80, 0x3f, 0x40, 0xc0]); // bf16 1.0 and -3.0
    expect(Array.from(run(30, bf, 2))).toEqual([1, -3]);
  });

  it('Q8_0: d · int8', () => {
    const b = randomBlock(34, [0]);
    const out = run(8, b, 32);
    for (let i = 0; i < 32; i++) expect(out[i]).toBeCloseTo(f16At(b, 0) * i8At(b, 2 + i), 6);
  });

  it('Q4_0: (nibble - 8) · d, low nibbles first', () => {
    const b = randomBlock(18, [0]);
    const out = run(2, b, 32);
    for (let i = 0; i < 32; i++) {
      const q = i < 16 ? b[2 + i]! & 15 : b[2 + i - 16]! >> 4;
      expect(out[i]).toBeCloseTo((q - 8) * f16At(b, 0), 6);
    }
  });

  it('Q4_1: nibble · d + m', () => {
    const b = randomBlock(20, [0, 2]);
    const out = run(3, b, 32);
    for (let i = 0; i < 32; i++) {
      const q = i < 16 ? b[4 + i]! & 15 : b[4 + i - 16]! >> 4;
      expect(out[i]).toBeCloseTo(q * f16At(b, 0) + f16At(b, 2), 6);
    }
  });

  // Q4_K and Q5_K share the layout d, dmin, 12 scale bytes; Q5_K adds qh[32] whose bit `sub` of byte l is the fifth bit.
  it.each([
    { name: 'Q4_K', type: 12, bytes: 144, qs: 16, fifthBit: false },
    { name: 'Q5_K', type: 13, bytes: 176, qs: 48, fifthBit: true },
  ])('$name: 8 sub-blocks of 32 with 6-bit scales and mins', ({ type, bytes, qs, fifthBit }) => {
    const b = randomBlock(bytes, [0, 2]);
    const out = run(type, b, 256);
    const sc = b.subarray(4, 16);
    for (let i = 0; i < 256; i++) {
      const { j, l, sub, high } = kIndex(i);
      const byte = b[qs + 32 * j + l]!;
      const q = (high ? byte >> 4 : byte & 15) + (fifthBit ? 16 * ((b[16 + l]! >> sub) & 1) : 0);
      const [s, m] = kScaleMin(sc, sub);
      expect(out[i]).toBeCloseTo(f16At(b, 0) * s * q - f16At(b, 2) * m, 5);
    }
  });

  it('Q6_K: 4+2-bit values, 16 int8 scales, d last', () => {
    const b = randomBlock(210, [208]);
    const out = run(14, b, 256);
    for (let i = 0; i < 256; i++) {
      const half = Math.floor(i / 128), r = i % 128, quad = Math.floor(r / 32), l = r % 32;
      const qlByte = b[64 * half + l + (quad & 1) * 32]!;
      const nibble = quad < 2 ? qlByte & 15 : qlByte >> 4;
      const hi = (b[128 + 32 * half + l]! >> (2 * quad)) & 3;
      const scale = i8At(b, 192 + 8 * half + Math.floor(l / 16) + 2 * quad);
      expect(out[i]).toBeCloseTo(f16At(b, 208) * scale * ((nibble | (hi << 4)) - 32), 5);
    }
  });
});

describe('INT8 with binary16 group scales (the arena format)', () => {
  it('splitQ8_0Blocks copies Q8_0 blocks into quants and scale bits that dequantise to the file values', () => {
    const blocks = 5;
    const bytes = new Uint8Array(blocks * 34);
    for (let b = 0; b < blocks; b++) bytes.set(randomBlock(34, [0]), b * 34);
    const quants = new Int8Array(blocks * 32), scales = new Uint16Array(blocks);
    splitQ8_0Blocks(bytes, blocks, quants, scales);
    const file = run(8, bytes, blocks * 32);
    for (let b = 0; b < blocks; b++) {
      expect(scales[b]).toBe(new DataView(bytes.buffer).getUint16(b * 34, true));
      for (let j = 0; j < 32; j++) {
        expect(quants[b * 32 + j]).toBe(i8At(bytes, b * 34 + 2 + j));
        expect(quants[b * 32 + j]! * f16ToF32(scales[b]!)).toBe(file[b * 32 + j]);
      }
    }
  });

  it('quantizeQ8 rounds the scale to f16 first, quantises with it, and re-quantises Q8_0 values exactly', () => {
    const values = Float32Array.from({ length: 64 }, () => (random() * 2 - 1) * 0.3);
    const quants = new Int8Array(64), scales = new Uint16Array(2);
    const { sqErr, sqRef } = quantizeQ8(values, quants, scales);
    for (let g = 0; g < 2; g++) {
      let amax = 0;
      for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[g * 32 + j]!));
      expect(scales[g]).toBe(f32ToF16(amax / 127));
      for (let j = 0; j < 32; j++) {
        const i = g * 32 + j;
        expect(Math.abs(quants[i]! * f16ToF32(scales[g]!) - values[i]!)).toBeLessThanOrEqual(0.5 * f16ToF32(scales[g]!) * (1 + 1e-9));
      }
    }
    expect(Math.sqrt(sqErr / sqRef)).toBeGreaterThan(0);
    expect(Math.sqrt(sqErr / sqRef)).toBeLessThan(0.01);
    // Q8_0 values (d · q with |q| reaching 127) come back as the same quants and scales, with zero error
    const file = Float32Array.from(quants, (q, i) => q * f16ToF32(scales[i >> 5]!));
    const again = new Int8Array(64), againScales = new Uint16Array(2);
    expect(quantizeQ8(file, again, againScales).sqErr).toBe(0);
    expect(Array.from(again)).toEqual(Array.from(quants));
    expect(Array.from(againScales)).toEqual(Array.from(scales));
  });

  it('quantizeQ8 keeps quants within ±127 and scales finite at the edges of the f16 range', () => {
    const values = new Float32Array(96);
    values.fill(0, 0, 32); // an all-zero group: scale 0, quants 0
    values[32] = 127 * 2 ** -24 * 1.4; values[33] = -values[32]!; // subnormal scale 2^-24 after rounding down: q clamps
    values[64] = 1e9; values[65] = -3e8; // max/127 overflows f16: the scale stops at 65504
    const quants = new Int8Array(96), scales = new Uint16Array(3);
    quantizeQ8(values, quants, scales);
    expect(scales[0]).toBe(0);
    expect(Array.from(quants.subarray(0, 32)).every((q) => q === 0)).toBe(true);
    expect(scales[1]).toBe(0x0001);
    expect([quants[32], quants[33]]).toEqual([127, -127]);
    expect(scales[2]).toBe(0x7bff);
    expect([quants[64], quants[65]]).toEqual([127, -127]);
  });
});
