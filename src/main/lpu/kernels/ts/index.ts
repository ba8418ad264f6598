import { ATTENTION_WINDOW_BLOCK, Q8_GROUP, type ArenaMemory, type KernelSet, type Ptr } from '../abi';
import { f16ToF32, f32ToF16 } from '../../loader/dequant';
import { createTsBlockKernels } from './blocks';

/** GELU's tanh form: 0.5·x·(1 + tanh(√(2/π)·x·(1 + 0.044715·x²))). */
export const GELU_COEF_A = Math.sqrt(2 / Math.PI);
export const GELU_COEF_B = 0.044715;

/**
 * The TypeScript kernel set: plain loops over typed views of the arena, the oracle the WASM kernels are
 * checked against. Views are made once; pointers are byte offsets (>> 2 for f32 indices). No kernel allocates.
 */
export function createTsKernels(memory: ArenaMemory): KernelSet {
  const f32 = new Float32Array(memory.buffer);
  const i8 = new Int8Array(memory.buffer);
  const u16 = new Uint16Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);
  const G = Q8_GROUP;

  return {
    name: 'ts',
    ...createTsBlockKernels(memory),

    quantizeRowsQ8(xq, xs, x, M, K) { // Xq[M,K] int8, Xs[M,K/32] ← X[M,K]
      const groups = K / G;
      for (let m = 0; m < M; m++) {
        for (let g = 0; g < groups; g++) {
          const base = (x >> 2) + m * K + g * G;
          let amax = 0;
          for (let j = 0; j < G; j++) amax = Math.max(amax, Math.abs(f32[base + j]!));
          const scale = amax / 127;
          const inv = scale ? 1 / scale : 0;
          f32[(xs >> 2) + m * groups + g] = scale;
          const qBase = xq + m * K + g * G;
          for (let j = 0; j < G; j++) i8[qBase + j] = Math.round(f32[base + j]! * inv);
        }
      }
    },

    matmulQ8(out, xq, xs, w, ws, M, K, N, nStart, nEnd) { // out[M,N] = Xq·Wᵀ per 32-group, int32 sums scaled; S binary16
      const groups = K / G;
      for (let m = 0; m < M; m++) {
        const xRow = xq + m * K;
        const xsRow = (xs >> 2) + m * groups;
        for (let n = nStart; n < nEnd; n++) {
          const wRow = w + n * K;
          const wsRow = (ws >> 1) + n * groups;
          let acc = 0;
          for (let g = 0; g < groups; g++) {
            let isum = 0;
            const xo = xRow + g * G, wo = wRow + g * G;
            for (let j = 0; j < G; j++) isum += i8[xo + j]! * i8[wo + j]!;
            acc += isum * f32[xsRow + g]! * f16ToF32(u16[wsRow + g]!);
          }
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    },

    matmulF32(out, x, w, M, K, N, nStart, nEnd) { // out[M,N] = X[M,K]·W[N,K]ᵀ
      for (let m = 0; m < M; m++) {
        const xRow = (x >> 2) + m * K;
        for (let n = nStart; n < nEnd; n++) {
          const wRow = (w >> 2) + n * K;
          let acc = 0;
          for (let k = 0; k < K; k++) acc += f32[xRow + k]! * f32[wRow + k]!;
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    },

    matmulF16(out, x, w, M, K, N, nStart, nEnd) { // W binary16 [N,K]
      for (let m = 0; m < M; m++) {
        const xRow = (x >> 2) + m * K;
        for (let n = nStart; n < nEnd; n++) {
          const wRow = (w >> 1) + n * K;
          let acc = 0;
          for (let k = 0; k < K; k++) acc += f32[xRow + k]! * f16ToF32(u16[wRow + k]!);
          f32[(out >> 2) + m * N + n] = acc;
        }
      }
    },

    rmsnorm(out, x, weight, M, D, eps) { // out[M,D] = x / rms(x) * weight[D]
      for (let m = 0; m < M; m++) {
        const xo = (x >> 2) + m * D, oo = (out >> 2) + m * D;
        let ss = 0;
        for (let d = 0; d < D; d++) ss += f32[xo + d]! * f32[xo + d]!;
        const inv = 1 / Math.sqrt(ss / D + eps);
        for (let d = 0; d < D; d++) f32[oo + d] = f32[xo + d]! * inv * f32[(weight >> 2) + d]!;
      }
    },

    rope(x, ropeTable, M, nHeads, headDim, pos0) { // x[M, nHeads*headDim] in place; table[ctx, headDim/2, (cos,sin)]
      const half = headDim / 2;
      for (let m = 0; m < M; m++) {
        const t = (ropeTable >> 2) + (pos0 + m) * headDim;
        for (let h = 0; h < nHeads; h++) {
          const o = (x >> 2) + m * nHeads * headDim + h * headDim;
          for (let i = 0; i < half; i++) {
            const c = f32[t + 2 * i]!, s = f32[t + 2 * i + 1]!;
            const a = f32[o + 2 * i]!, b = f32[o + 2 * i + 1]!;
            f32[o + 2 * i] = a * c - b * s;
            f32[o + 2 * i + 1] = a * s + b * c;
          }
        }
      }
    },

    attention(out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, ctx) { // K/V binary16 [nKvHeads, ctx, headDim]
      const qDim = nHeads * headDim;
      const groupSize = nHeads / nKvHeads;
      const scale = 1 / Math.sqrt(headDim);
      const sc = scores >> 2;
      for (let m = 0; m < M; m++) {
        const last = pos0 + m; // causal: attend to 0..last
        for (let h = 0; h < nHeads; h++) {
          const qo = (q >> 2) + m * qDim + h * headDim;
          const kvOff = Math.floor(h / groupSize) * ctx * headDim;
          let max = -Infinity;
          for (let t = 0; t <= last; t++) {
            const ko = (kCache >> 1) + kvOff + t * headDim;
            let dot = 0;
            for (let d = 0; d < headDim; d++) dot += f32[qo + d]! * f16ToF32(u16[ko + d]!);
            f32[sc + t] = dot * scale;
            if (f32[sc + t]! > max) max = f32[sc + t]!;
          }
          let sum = 0;
          for (let t = 0; t <= last; t++) { const e = Math.exp(f32[sc + t]! - max); f32[sc + t] = e; sum += e; }
          const oo = (out >> 2) + m * qDim + h * headDim;
          for (let d = 0; d < headDim; d++) f32[oo + d] = 0;
          for (let t = 0; t <= last; t++) {
            const p = f32[sc + t]! / sum;
            const vo = (vCache >> 1) + kvOff + t * headDim;
            for (let d = 0; d < headDim; d++) f32[oo + d] = f32[oo + d]! + p * f16ToF32(u16[vo + d]!);
          }
        }
      }
    },

    storeKvF16(kvCache, x, M, pos0, nKvHeads, headDim, ctx) { // x[M, nKvHeads*headDim] → cache[nKvHeads, ctx, headDim], position p at slot p mod ctx
      for (let m = 0; m < M; m++) {
        const slot = (pos0 + m) % ctx;
        for (let g = 0; g < nKvHeads; g++) {
          const src = (x >> 2) + (m * nKvHeads + g) * headDim, dst = (kvCache >> 1) + (g * ctx + slot) * headDim;
          for (let d = 0; d < headDim; d++) u16[dst + d] = f32ToF16(f32[src + d]!);
        }
      }
    },

    siluMul(out, gate, up, n) {
      for (let i = 0; i < n; i++) {
        const g = f32[(gate >> 2) + i]!;
        f32[(out >> 2) + i] = (g / (1 + Math.exp(-g))) * f32[(up >> 2) + i]!;
      }
    },

    geluMul(out, gate, up, n) { // tanh-form GELU, as ggml_gelu
      for (let i = 0; i < n; i++) {
        const g = f32[(gate >> 2) + i]!;
        f32[(out >> 2) + i] = 0.5 * g * (1 + Math.tanh(GELU_COEF_A * g * (1 + GELU_COEF_B * g * g))) * f32[(up >> 2) + i]!;
      }
    },

    scale(out, x, n, factor) {
      for (let i = 0; i < n; i++) f32[(out >> 2) + i] = f32[(x >> 2) + i]! * factor;
    },

    softcap(out, x, n, cap) {
      for (let i = 0; i < n; i++) f32[(out >> 2) + i] = cap * Math.tanh(f32[(x >> 2) + i]! / cap);
    },

    attentionWindowed(out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, ctx, hStart, hEnd, window, scale, softcap) {
      const qDim = nHeads * headDim, groupSize = nHeads / nKvHeads, sc = scores >> 2;
      for (let m = 0; m < M; m++) {
        const last = pos0 + m, first = window > 0 ? Math.max(0, last - window + 1) : 0;
        for (let h = hStart; h < hEnd; h++) {
          const qo = (q >> 2) + m * qDim + h * headDim, oo = (out >> 2) + m * qDim + h * headDim;
          const kvOff = Math.floor(h / groupSize) * ctx * headDim;
          for (let d = 0; d < headDim; d++) f32[oo + d] = 0;
          let max = -Infinity, sum = 0;
          // online softmax over blocks of keys, so the scratch stays ATTENTION_WINDOW_BLOCK floats
          for (let t0 = first; t0 <= last; t0 += ATTENTION_WINDOW_BLOCK) {
            const n = Math.min(ATTENTION_WINDOW_BLOCK, last + 1 - t0);
            let blockMax = -Infinity;
            for (let j = 0; j < n; j++) {
              const ko = (kCache >> 1) + kvOff + ((t0 + j) % ctx) * headDim; // a ring when ctx < the bucket
              let dot = 0;
              for (let d = 0; d < headDim; d++) dot += f32[qo + d]! * f16ToF32(u16[ko + d]!);
              let s = dot * scale;
              if (softcap > 0) s = softcap * Math.tanh(s / softcap);
              f32[sc + j] = s;
              blockMax = Math.max(blockMax, f32[sc + j]!);
            }
            const newMax = Math.max(max, blockMax), rescale = Math.exp(max - newMax);
            sum *= rescale;
            for (let d = 0; d < headDim; d++) f32[oo + d] = f32[oo + d]! * rescale;
            for (let j = 0; j < n; j++) {
              const p = Math.exp(f32[sc + j]! - newMax);
              sum += p;
              const vo = (vCache >> 1) + kvOff + ((t0 + j) % ctx) * headDim;
              for (let d = 0; d < headDim; d++) f32[oo + d] = f32[oo + d]! + p * f16ToF32(u16[vo + d]!);
            }
            max = newMax;
          }
          for (let d = 0; d < headDim; d++) f32[oo + d] = f32[oo + d]! / sum;
        }
      }
    },

    add(out, a, b, n) {
      for (let i = 0; i < n; i++) f32[(out >> 2) + i] = f32[(a >> 2) + i]! + f32[(b >> 2) + i]!;
    },

    addBias(x, bias, M, N) {
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) f32[(x >> 2) + m * N + n] = f32[(x >> 2) + m * N + n]! + f32[(bias >> 2) + n]!;
    },

    embedQ8(out, ids, w, ws, M, D) {
      const groups = D / G;
      for (let m = 0; m < M; m++) {
        const row = i32[(ids >> 2) + m]!;
        for (let d = 0; d < D; d++) f32[(out >> 2) + m * D + d] = i8[w + row * D + d]! * f16ToF32(u16[(ws >> 1) + row * groups + ((d / G) | 0)]!);
      }
    },

    embedF32(out, ids, table, M, D) {
      for (let m = 0; m < M; m++) {
        const row = i32[(ids >> 2) + m]!;
        f32.copyWithin((out >> 2) + m * D, (table >> 2) + row * D, (table >> 2) + (row + 1) * D);
      }
    },

    argmax(x: Ptr, N: number): number {
      let best = 0;
      for (let i = 1; i < N; i++) if (f32[(x >> 2) + i]! > f32[(x >> 2) + best]!) best = i;
      return best;
    },
  };
}
