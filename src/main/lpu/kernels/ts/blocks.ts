import { QK_K, Q8K_BLOCK_BYTES, type ArenaMemory, type BlockKernels } from '../abi';
import { dequantize, f16ToF32 } from '../../loader/dequant';

// The TypeScript oracle of the block-format kernels: one output at a time, integer sums per block in the order
// llama.cpp's generic ggml_vec_dot_*_q8_* functions use, then scaled in floating point.

const Q8K_QS = 4, Q8K_BSUMS = 260; // byte offsets inside a Q8_K block: f32 d, int8 qs[256], int16 bsums[16]

/** Row bytes of a ggml-typed table row of D elements (embedGgml's types). */
export function ggmlRowBytes(ggmlType: number, D: number): number {
  switch (ggmlType) {
    case 1: case 30: return D * 2;
    case 2: return (D / 32) * 18;
    case 12: return (D / QK_K) * 144;
    case 13: return (D / QK_K) * 176;
    case 14: return (D / QK_K) * 210;
    default: throw new Error(`embedGgml: unsupported ggml type ${ggmlType}`);
  }
}

/** The 6-bit scale and min of sub-block j of a Q4_K/Q5_K block whose 12 scale bytes start at `at`. */
export function scaleMinK4(u8: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [u8[at + j]! & 63, u8[at + j + 4]! & 63];
  return [(u8[at + j + 4]! & 0xf) | ((u8[at + j - 4]! >> 6) << 4), (u8[at + j + 4]! >> 4) | ((u8[at + j]! >> 6) << 4)];
}

export function createTsBlockKernels(memory: ArenaMemory): BlockKernels {
  const f32 = new Float32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const i8 = new Int8Array(memory.buffer);
  const i16 = new Int16Array(memory.buffer);
  const u16 = new Uint16Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const bf16Bits = new Uint32Array(1), bf16Value = new Float32Array(bf16Bits.buffer);
  const half = (p: number) => f16ToF32(u8[p]! | (u8[p + 1]! << 8)); // block fields are not 2-aligned in general

  // K-quant matmul skeleton: superBlock(wBlock, yBlock) returns that super-block's contribution to out[m, n].
  const kQuantMatmul = (blockBytes: number, superBlock: (wb: number, yb: number) => number) =>
    (out: number, y: number, w: number, M: number, K: number, N: number, nStart: number, nEnd: number) => {
      const nb = K / QK_K;
      for (let m = 0; m < M; m++) {
        for (let n = nStart; n < nEnd; n++) {
          let acc = 0;
          for (let b = 0; b < nb; b++) acc += superBlock(w + (n * nb + b) * blockBytes, y + (m * nb + b) * Q8K_BLOCK_BYTES);
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    };

  // Q4_K and Q5_K share everything but the 5th bit: d·Σ sc·(q·yq) − dmin·Σ m·bsums, times the activation's d.
  const q45kSuperBlock = (five: boolean) => (wb: number, yb: number) => {
    const qh = wb + 16, qs = wb + (five ? 48 : 16), yq = yb + Q8K_QS;
    let sumi = 0, summ = 0;
    for (let j = 0; j < 8; j++) {
      const [sc, mn] = scaleMinK4(u8, wb + 4, j);
      const q = qs + (j >> 1) * 32, shift = (j & 1) * 4;
      let dot = 0;
      for (let l = 0; l < 32; l++) {
        const v = ((u8[q + l]! >> shift) & 0xf) | (five ? ((u8[qh + l]! >> j) & 1) << 4 : 0);
        dot += v * i8[yq + 32 * j + l]!;
      }
      sumi += sc * dot;
      summ += mn * (i16[(yb + Q8K_BSUMS >> 1) + 2 * j]! + i16[(yb + Q8K_BSUMS >> 1) + 2 * j + 1]!);
    }
    const yd = f32[yb >> 2]!;
    return yd * half(wb) * sumi - yd * half(wb + 2) * summ;
  };

  return {
    quantizeRowsQ8K(y, x, M, K) {
      const blocks = (M * K) / QK_K; // rows are contiguous and K % 256 == 0
      for (let b = 0; b < blocks; b++) {
        const src = (x >> 2) + b * QK_K, dst = y + b * Q8K_BLOCK_BYTES;
        let amax = 0;
        for (let j = 0; j < QK_K; j++) amax = Math.max(amax, Math.abs(f32[src + j]!));
        const d = amax / 127, inv = d ? 1 / d : 0;
        f32[dst >> 2] = d;
        for (let g = 0; g < 16; g++) {
          let sum = 0;
          for (let j = 16 * g; j < 16 * g + 16; j++) {
            const q = Math.round(f32[src + j]! * inv);
            i8[dst + Q8K_QS + j] = q;
            sum += q;
          }
          i16[(dst + Q8K_BSUMS >> 1) + g] = sum;
        }
      }
    },

    matmulQ4_0(out, xq, xs, w, M, K, N, nStart, nEnd) {
      const nb = K / 32;
      for (let m = 0; m < M; m++) {
        for (let n = nStart; n < nEnd; n++) {
          let acc = 0;
          for (let b = 0; b < nb; b++) {
            const o = w + (n * nb + b) * 18, x = xq + m * K + b * 32;
            let isum = 0;
            for (let j = 0; j < 16; j++) {
              const q = u8[o + 2 + j]!;
              isum += ((q & 0xf) - 8) * i8[x + j]! + ((q >> 4) - 8) * i8[x + j + 16]!;
            }
            acc += isum * (f32[(xs >> 2) + m * nb + b]! * half(o));
          }
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    },

    matmulQ4K: kQuantMatmul(144, q45kSuperBlock(false)),
    matmulQ5K: kQuantMatmul(176, q45kSuperBlock(true)),

    matmulQ6K: kQuantMatmul(210, (wb, yb) => {
      const yq = yb + Q8K_QS;
      let sumi = 0;
      for (let h = 0; h < 2; h++) {
        const ql = wb + 64 * h, qh = wb + 128 + 32 * h;
        for (let t = 0; t < 4; t++) { // quarter t of this half: 32 elements, low/high nibble of ql[0..32) or ql[32..64)
          const qlo = ql + (t & 1) * 32, shift = (t >> 1) * 4;
          for (let s = 0; s < 2; s++) { // two groups of 16, each with its own int8 scale
            const g = 8 * h + 2 * t + s;
            let dot = 0;
            for (let l = 16 * s; l < 16 * s + 16; l++) {
              const q = (((u8[qlo + l]! >> shift) & 0xf) | (((u8[qh + l]! >> (2 * t)) & 3) << 4)) - 32;
              dot += q * i8[yq + 128 * h + 32 * t + l]!;
            }
            sumi += i8[wb + 192 + g]! * dot;
          }
        }
      }
      return f32[yb >> 2]! * half(wb + 208) * sumi;
    }),

    matmulBF16(out, x, w, M, K, N, nStart, nEnd) {
      for (let m = 0; m < M; m++) {
        const xRow = (x >> 2) + m * K;
        for (let n = nStart; n < nEnd; n++) {
          const wRow = (w >> 1) + n * K;
          let acc = 0;
          for (let k = 0; k < K; k++) { bf16Bits[0] = u16[wRow + k]! << 16; acc += f32[xRow + k]! * bf16Value[0]!; }
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    },

    embedGgml(out, ids, table, M, D, ggmlType) {
      const rowBytes = ggmlRowBytes(ggmlType, D);
      for (let m = 0; m < M; m++) {
        const row = table + i32[(ids >> 2) + m]! * rowBytes;
        dequantize(ggmlType, u8.subarray(row, row + rowBytes), f32, (out >> 2) + m * D, D);
      }
    },
  };
}
