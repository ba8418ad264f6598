// Plain C kernels whose numerics every path shares: activation quantisation (the TS oracle's f64 rounding),
// the INT8 matmul's per-group order, f16 conversions, argmax. Other paths call these for tails.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

static _Thread_local struct { void *p; size_t bytes; } scratch[7];

void *lk_scratch(int slot, size_t bytes) {
  if (scratch[slot].bytes < bytes) {
    free(scratch[slot].p);
    size_t rounded = (bytes + 4095) & ~(size_t)4095;
    scratch[slot].p = aligned_alloc(64, rounded);
    if (!scratch[slot].p) abort(); // out of memory for a few kilobytes: nothing sensible left to do
    scratch[slot].bytes = rounded;
  }
  return scratch[slot].p;
}

float lk_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, mag = h & 0x7fff, bits;
  if (mag >= 0x7c00) bits = sign | 0x7f800000 | ((mag & 0x3ff) << 13); // inf / NaN
  else if (mag >= 0x400) bits = sign | ((mag << 13) + 0x38000000);     // normal: rebias exponent 15 → 127
  else { float f = (float)mag * 5.9604644775390625e-8f; memcpy(&bits, &f, 4); bits |= sign; } // subnormal or zero
  float out;
  memcpy(&out, &bits, 4);
  return out;
}

// Round to nearest even, subnormals kept, overflow to ±inf, NaN stays NaN (the TS oracle's f32ToF16).
uint16_t lk_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xff, mant = x & 0x7fffff;
  if (exp == 0xff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
  int e = (int)exp - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return (uint16_t)sign;
    mant |= 0x800000;
    int shift = 14 - e;
    uint32_t half = mant >> shift, rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) half++;
    return (uint16_t)(sign | half);
  }
  uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; // a carry into the exponent rounds up to the next binade or inf
  return (uint16_t)(sign | h);
}

// scale = max|x|/127 per group; q = floor(x·(1/scale) + 0.5) in f64, exactly as the TS and WASM kernels round.
void lk_quantize_rows_q8_scalar(int8_t *xq, float *xs, const float *x, int M, int K) {
  size_t groups = (size_t)M * (size_t)K / LK_GROUP;
  for (size_t g = 0; g < groups; g++) {
    const float *src = x + g * LK_GROUP;
    float amax = 0;
    for (int j = 0; j < LK_GROUP; j++) { float a = fabsf(src[j]); if (a > amax) amax = a; }
    double scale = (double)amax / 127.0, inv = scale != 0 ? 1.0 / scale : 0.0;
    xs[g] = (float)scale;
    for (int j = 0; j < LK_GROUP; j++) xq[g * LK_GROUP + j] = (int8_t)floor((double)src[j] * inv + 0.5);
  }
}

// out[m,n] = Σ_g (float)isum(m,n,g) · (xs[m,g]·ws[n,g]) summed in group order: the order every native path keeps.
void lk_matmul_q8_scalar(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  for (int nb = n0; nb < n1; nb += 16) { // a block of weight rows stays in L1 while every activation row passes
    const int ne = nb + 16 < n1 ? nb + 16 : n1;
    for (int m = 0; m < M; m++) {
      const int8_t *xr = xq + (size_t)m * K;
      const float *sr = xs + (size_t)m * groups;
      for (int n = nb; n < ne; n++) {
        const int8_t *wr = w + (size_t)n * K;
        const uint16_t *wsr = ws + (size_t)n * groups;
        float acc = 0;
        for (int g = 0; g < groups; g++) {
          int32_t s = 0;
          for (int j = 0; j < LK_GROUP; j++) s += (int32_t)xr[g * LK_GROUP + j] * (int32_t)wr[g * LK_GROUP + j];
          const float scale = sr[g] * lk_f16_to_f32(wsr[g]);
          acc = acc + (float)s * scale;
        }
        out[(size_t)m * N + n] = acc;
      }
    }
  }
}

void lk_embed_q8_scalar(float *out, const int32_t *ids, const int8_t *w, const uint16_t *ws, int M, int D) {
  const int groups = D / LK_GROUP;
  for (int m = 0; m < M; m++) {
    const int8_t *row = w + (size_t)ids[m] * D;
    const uint16_t *srow = ws + (size_t)ids[m] * groups;
    for (int d = 0; d < D; d++) out[(size_t)m * D + d] = (float)row[d] * lk_f16_to_f32(srow[d / LK_GROUP]);
  }
}

void lk_store_kv_f16_scalar(uint16_t *cache, const float *x, int M, int pos0, int nKvHeads, int headDim, int ctx) {
  for (int m = 0; m < M; m++)
    for (int g = 0; g < nKvHeads; g++) {
      const float *src = x + ((size_t)m * nKvHeads + g) * headDim;
      uint16_t *dst = cache + ((size_t)g * ctx + pos0 + m) * headDim;
      for (int d = 0; d < headDim; d++) dst[d] = lk_f32_to_f16(src[d]);
    }
}

int lk_argmax_scalar(const float *x, int N) {
  int best = 0;
  for (int i = 1; i < N; i++) if (x[i] > x[best]) best = i;
  return best;
}
