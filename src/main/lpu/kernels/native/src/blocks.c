// Portable kernels for ggml's block formats (Q4_0, Q4_K, Q5_K, Q6_K) against int8 activations, and the Q8_K
// activation quantiser. They define the numerics every path keeps: each block's (or sub-block's) products are
// summed in int32 (exact), then one fixed float expression per block, in block order, the WASM kernels' expression:
//   Q4_0:      acc = acc + (float)isum · (xs·d)
//   Q4_K/Q5_K: acc = acc + ((yd·d)·(float)Σ sc·dot − (yd·dmin)·(float)Σ m·bsum)
//   Q6_K:      acc = acc + (yd·d)·(float)Σ sc·dot
// so the SIMD paths, whatever their tiles or worker splits, give these results bit for bit.
#include <math.h>
#include <string.h>
#include "kernels.h"

static inline float half_at(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return lk_f16_to_f32(h); }

// d = max|x|/127 per 256 (f64, stored f32), q = floor(x/d + 0.5) in f64 (the TS oracle's Math.round), bsums per 16.
void lk_quantize_rows_q8k_scalar(uint8_t *y, const float *x, int M, int K) {
  const size_t blocks = (size_t)M * (size_t)K / LK_QK;
  for (size_t b = 0; b < blocks; b++) {
    const float *src = x + b * LK_QK;
    uint8_t *dst = y + b * LK_Q8K_BYTES;
    float amax = 0;
    for (int j = 0; j < LK_QK; j++) { const float a = fabsf(src[j]); if (a > amax) amax = a; }
    const double d = (double)amax / 127.0, inv = d != 0 ? 1.0 / d : 0.0;
    const float df = (float)d;
    memcpy(dst, &df, 4);
    int8_t *qs = (int8_t *)(dst + 4);
    for (int g = 0; g < 16; g++) {
      int16_t sum = 0;
      for (int j = 16 * g; j < 16 * g + 16; j++) { qs[j] = (int8_t)(int)floor((double)src[j] * inv + 0.5); sum = (int16_t)(sum + qs[j]); }
      memcpy(dst + 260 + 2 * g, &sum, 2);
    }
  }
}

void lk_matmul_q4_0_scalar(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  const int nb = K / 32;
  const size_t rowBytes = (size_t)nb * 18;
  for (int n = n0; n < n1; n++) {
    const uint8_t *wr = w + (size_t)n * rowBytes;
    for (int m = 0; m < M; m++) {
      const int8_t *xr = xq + (size_t)m * K;
      float acc = 0;
      for (int b = 0; b < nb; b++) {
        const uint8_t *blk = wr + (size_t)b * 18;
        int32_t isum = 0;
        for (int j = 0; j < 16; j++) isum += ((blk[2 + j] & 0xf) - 8) * xr[b * 32 + j] + ((blk[2 + j] >> 4) - 8) * xr[b * 32 + j + 16];
        acc = acc + (float)isum * (xs[(size_t)m * nb + b] * half_at(blk));
      }
      out[(size_t)m * N + n] = acc;
    }
  }
}

void lk_unpack_scales_k4(const uint8_t *sc, uint8_t scales[8], uint8_t mins[8]) {
  for (int j = 0; j < 4; j++) {
    scales[j] = sc[j] & 63;
    mins[j] = sc[j + 4] & 63;
    scales[j + 4] = (uint8_t)((sc[j + 8] & 0xf) | ((sc[j] >> 6) << 4));
    mins[j + 4] = (uint8_t)((sc[j + 8] >> 4) | ((sc[j + 4] >> 6) << 4));
  }
}

// One Q4_K (five = 0) or Q5_K super-block against one Q8_K block: its share of out[m, n].
static float q45k_block(const uint8_t *wb, const uint8_t *yb, int five) {
  uint8_t scales[8], mins[8];
  lk_unpack_scales_k4(wb + 4, scales, mins);
  const uint8_t *qh = wb + 16, *qs = wb + (five ? 48 : 16);
  const int8_t *yq = (const int8_t *)(yb + 4);
  int16_t bsums[16];
  memcpy(bsums, yb + 260, 32);
  int32_t sumi = 0, summ = 0;
  for (int j = 0; j < 8; j++) {
    const uint8_t *q = qs + (j >> 1) * 32;
    const int shift = (j & 1) * 4;
    int32_t dot = 0;
    for (int l = 0; l < 32; l++) {
      const int v = ((q[l] >> shift) & 0xf) | (five ? ((qh[l] >> j) & 1) << 4 : 0);
      dot += v * yq[32 * j + l];
    }
    sumi += scales[j] * dot;
    summ += mins[j] * (bsums[2 * j] + bsums[2 * j + 1]);
  }
  float yd;
  memcpy(&yd, yb, 4);
  return yd * half_at(wb) * (float)sumi - yd * half_at(wb + 2) * (float)summ;
}

static float q6k_block(const uint8_t *wb, const uint8_t *yb) {
  const int8_t *yq = (const int8_t *)(yb + 4), *sc = (const int8_t *)(wb + 192);
  int32_t sumi = 0;
  for (int h = 0; h < 2; h++) {
    const uint8_t *ql = wb + 64 * h, *qh = wb + 128 + 32 * h;
    for (int t = 0; t < 4; t++) { // quarter t: low or high nibbles of ql[0..32) or ql[32..64), qh bits 2t, 2t+1
      const uint8_t *qlo = ql + (t & 1) * 32;
      const int shift = (t >> 1) * 4;
      for (int s = 0; s < 2; s++) {
        int32_t dot = 0;
        for (int l = 16 * s; l < 16 * s + 16; l++) {
          const int q = (((qlo[l] >> shift) & 0xf) | (((qh[l] >> (2 * t)) & 3) << 4)) - 32;
          dot += q * yq[128 * h + 32 * t + l];
        }
        sumi += sc[8 * h + 2 * t + s] * dot;
      }
    }
  }
  float yd;
  memcpy(&yd, yb, 4);
  return yd * half_at(wb + 208) * (float)sumi;
}

void lk_matmul_kquant_scalar(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  const int nb = K / LK_QK;
  const size_t blockBytes = format == LK_Q4_K ? 144 : format == LK_Q5_K ? 176 : 210, rowBytes = (size_t)nb * blockBytes;
  for (int n = n0; n < n1; n++) {
    const uint8_t *wr = w + (size_t)n * rowBytes;
    for (int m = 0; m < M; m++) {
      const uint8_t *yr = y + (size_t)m * nb * LK_Q8K_BYTES;
      float acc = 0;
      for (int b = 0; b < nb; b++) {
        const uint8_t *wb = wr + (size_t)b * blockBytes, *yb = yr + (size_t)b * LK_Q8K_BYTES;
        acc = acc + (format == LK_Q6_K ? q6k_block(wb, yb) : q45k_block(wb, yb, format == LK_Q5_K));
      }
      out[(size_t)m * N + n] = acc;
    }
  }
}

static void matmul_q4k_scalar(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { lk_matmul_kquant_scalar(LK_Q4_K, out, y, w, M, K, N, n0, n1); }
static void matmul_q5k_scalar(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { lk_matmul_kquant_scalar(LK_Q5_K, out, y, w, M, K, N, n0, n1); }
static void matmul_q6k_scalar(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { lk_matmul_kquant_scalar(LK_Q6_K, out, y, w, M, K, N, n0, n1); }

const lk_block_kernels lk_blocks_scalar = {
  .quantize_rows_q8k = lk_quantize_rows_q8k_scalar,
  .matmul_q4_0 = lk_matmul_q4_0_scalar,
  .matmul_q4k = matmul_q4k_scalar,
  .matmul_q5k = matmul_q5k_scalar,
  .matmul_q6k = matmul_q6k_scalar,
};
