// Dequantisation of ggml block formats to f32, following ggml-quants.c block layouts.
// Every function writes n elements (a multiple of the block size) from src into out without allocating.

const f16Table = buildF16Table();

function buildF16Table(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24;
    else if (exp === 31) table[h] = frac ? NaN : sign * Infinity;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** IEEE binary16 bits → f32 value. */
export function f16ToF32(bits: number): number {
  return f16Table[bits & 0xffff]!;
}

/** f32 → IEEE binary16 bits, round to nearest even. */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >> 10;
  return sign | half;
}
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/**
 * Splits nBlocks GGUF Q8_0 blocks (f16 d, int8 qs[32]; 34 bytes each) from src into the arena's INT8 layout:
 * quants[nBlocks·32] and scales[nBlocks] as binary16 bits. A copy, no arithmetic, so the stored weights are exact.
 */
export function splitQ8_0Blocks(src: Uint8Array, nBlocks: number, quants: Int8Array, scales: Uint16Array): void {
  for (let b = 0; b < nBlocks; b++) {
    const o = b * 34, q = b * 32;
    scales[b] = src[o]! | (src[o + 1]! << 8);
    for (let j = 0; j < 32; j++) quants[q + j] = src[o + 2 + j]!; // Int8Array stores the byte's two's-complement value
  }
}

function getScaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j]! & 63, q[o + j + 4]! & 63];
  return [(q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4), (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4)];
}

/** Dequantises n elements of ggml type `type` from src (starting at byte 0) into out[outOffset..]. */
export function dequantize(type: number, src: Uint8Array, out: Float32Array, outOffset: number, n: number): void {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const h = (o: number) => f16Table[dv.getUint16(o, true)]!;
  let y = outOffset;
  switch (type) {
    case 0: for (let i = 0; i < n; i++) out[y + i] = dv.getFloat32(i * 4, true); return;
    case 1: for (let i = 0; i < n; i++) out[y + i] = h(i * 2); return;
    case 30: for (let i = 0; i < n; i++) { u32Scratch[0] = dv.getUint16(i * 2, true) << 16; out[y + i] = f32Scratch[0]!; } return;
    case 8: // Q8_0: f16 d, int8 qs[32]
      for (let b = 0; b < n / 32; b++, y += 32) {
        const o = b * 34; const d = h(o);
        for (let j = 0; j < 32; j++) out[y + j] = d * dv.getInt8(o + 2 + j);
      }
      return;
    case 2: // Q4_0: f16 d, qs[16] nibbles, value (q - 8) * d
      for (let b = 0; b < n / 32; b++, y += 32) {
        const o = b * 18; const d = h(o);
        for (let j = 0; j < 16; j++) { const q = src[o + 2 + j]!; out[y + j] = ((q & 0xf) - 8) * d; out[y + j + 16] = ((q >> 4) - 8) * d; }
      }
      return;
    case 3: // Q4_1: f16 d, f16 m, qs[16], value q * d + m
      for (let b = 0; b < n / 32; b++, y += 32) {
        const o = b * 20; const d = h(o); const m = h(o + 2);
        for (let j = 0; j < 16; j++) { const q = src[o + 4 + j]!; out[y + j] = (q & 0xf) * d + m; out[y + j + 16] = (q >> 4) * d + m; }
      }
      return;
    case 12: // Q4_K: f16 d, f16 dmin, scales[12], qs[128]
      for (let b = 0; b < n / 256; b++) {
        const o = b * 144; const d = h(o); const dmin = h(o + 2);
        let q = o + 16;
        for (let j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
          const [sc1, m1] = getScaleMinK4(is, src, o + 4);
          const [sc2, m2] = getScaleMinK4(is + 1, src, o + 4);
          for (let l = 0; l < 32; l++) out[y++] = d * sc1 * (src[q + l]! & 0xf) - dmin * m1;
          for (let l = 0; l < 32; l++) out[y++] = d * sc2 * (src[q + l]! >> 4) - dmin * m2;
        }
      }
      return;
    case 13: // Q5_K: f16 d, f16 dmin, scales[12], qh[32], qs[128]
      for (let b = 0; b < n / 256; b++) {
        const o = b * 176; const d = h(o); const dmin = h(o + 2);
        const qh = o + 16; let ql = o + 48; let u1 = 1; let u2 = 2;
        for (let j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
          const [sc1, m1] = getScaleMinK4(is, src, o + 4);
          const [sc2, m2] = getScaleMinK4(is + 1, src, o + 4);
          for (let l = 0; l < 32; l++) out[y++] = d * sc1 * ((src[ql + l]! & 0xf) + (src[qh + l]! & u1 ? 16 : 0)) - dmin * m1;
          for (let l = 0; l < 32; l++) out[y++] = d * sc2 * ((src[ql + l]! >> 4) + (src[qh + l]! & u2 ? 16 : 0)) - dmin * m2;
        }
      }
      return;
    case 14: // Q6_K: ql[128], qh[64], int8 scales[16], f16 d
      for (let b = 0; b < n / 256; b++) {
        const o = b * 210; const d = h(o + 208);
        let ql = o; let qh = o + 128; let sc = o + 192;
        for (let half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8) {
          for (let l = 0; l < 32; l++) {
            const is = l >> 4; const hb = src[qh + l]!;
            const q1 = ((src[ql + l]! & 0xf) | ((hb & 3) << 4)) - 32;
            const q2 = ((src[ql + l + 32]! & 0xf) | (((hb >> 2) & 3) << 4)) - 32;
            const q3 = ((src[ql + l]! >> 4) | (((hb >> 4) & 3) << 4)) - 32;
            const q4 = ((src[ql + l + 32]! >> 4) | (((hb >> 6) & 3) << 4)) - 32;
            out[y + l] = d * dv.getInt8(sc + is) * q1;
            out[y + l + 32] = d * dv.getInt8(sc + is + 2) * q2;
            out[y + l + 64] = d * dv.getInt8(sc + is + 4) * q3;
            out[y + l + 96] = d * dv.getInt8(sc + is + 6) * q4;
          }
        }
      }
      return;
    default:
      throw new Error(`dequantize: unsupported ggml type ${type}`);
  }
}
