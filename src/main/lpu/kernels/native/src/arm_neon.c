// arm64 paths: NEON float kernels (the shared vector-extension code) with INT8 matmuls on the dot-product
// extension (SDOT, Armv8.2+) and, where present, the int8 matrix-multiply extension (SMMLA, Armv8.6+), both exact
// per 32-group and scaled in the shared group order, so they equal the generic path bit for bit.
#if defined(__aarch64__)
#pragma GCC target("arch=armv8.2-a+dotprod")
#include <arm_neon.h>
#include <string.h>
#include "vec.h"

static inline v16f neon_load_f16(const uint16_t *p) {
  v16f r;
  float32x4_t *q = (float32x4_t *)&r;
  for (int i = 0; i < 4; i++) q[i] = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p + 4 * i)));
  return r;
}
static inline void neon_store_f16(uint16_t *p, v16f v) {
  const float32x4_t *q = (const float32x4_t *)&v;
  for (int i = 0; i < 4; i++) vst1_u16(p + 4 * i, vreinterpret_u16_f16(vcvt_f16_f32(q[i]))); // FPCR default: round to nearest even
}

static inline v16f neon_vmax(v16f a, v16f b) {
  float32x4_t *x = (float32x4_t *)&a;
  const float32x4_t *y = (const float32x4_t *)&b;
  for (int i = 0; i < 4; i++) x[i] = vmaxq_f32(x[i], y[i]);
  return a;
}
static inline v16f neon_floor(v16f a) {
  float32x4_t *x = (float32x4_t *)&a;
  for (int i = 0; i < 4; i++) x[i] = vrndmq_f32(x[i]);
  return a;
}

static inline v16f neon_splat16(float f) {
  v16f r;
  float32x4_t *q = (float32x4_t *)&r;
  for (int i = 0; i < 4; i++) q[i] = vdupq_n_f32(f);
  return r;
}
#define LK_SPLAT(f) neon_splat16(f)
#define LK_PATH(name) neon_##name
#define LK_VMAX(a, b) neon_vmax(a, b)
#define LK_FLOOR(a) neon_floor(a)
#define LK_LOAD_F16(p) neon_load_f16(p)
#define LK_STORE_F16(p, v) neon_store_f16(p, v)
#define LK_MADD(a, b, c) ((a) * (b) + (c))
#include "common.inc"

// Exact Σ x·w over one 32-group with SDOT.
static inline int32_t group_dot(const int8_t *x, const int8_t *w) {
  int32x4_t acc = vdotq_s32(vdupq_n_s32(0), vld1q_s8(x), vld1q_s8(w));
  acc = vdotq_s32(acc, vld1q_s8(x + 16), vld1q_s8(w + 16));
  return vaddvq_s32(acc);
}

static void matmul_q8_dotprod(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  for (int nb = n0; nb < n1; nb += 16) { // a block of weight rows stays in L1 while every activation row passes
    const int ne = nb + 16 < n1 ? nb + 16 : n1;
    for (int m = 0; m < M; m++)
      for (int n = nb; n < ne; n++) {
        const int8_t *xr = xq + (size_t)m * K, *wr = w + (size_t)n * K;
        float acc = 0;
        for (int g = 0; g < groups; g++) {
          const float scale = xs[(size_t)m * groups + g] * lk_f16_to_f32(ws[(size_t)n * groups + g]);
          acc = acc + (float)group_dot(xr + g * 32, wr + g * 32) * scale;
        }
        out[(size_t)m * N + n] = acc;
      }
  }
}

// ggml block formats with SDOT: quants (nibbles, 5- or 6-bit values, Q4_0's q − 8, Q6_K's q − 32) fit in int8, so
// each 16-byte piece of a sub-block is one SDOT against the int8 activations; the sums are exact in int32 and the
// per-block float expression is blocks.c's, so these equal the portable path (and every x86 path) bit for bit.
static inline float neon_half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return lk_f16_to_f32(h); }

static void neon_matmul_q4_0(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  const int nb = K / 32;
  const size_t rowBytes = (size_t)nb * 18;
  const uint8x16_t nibble = vdupq_n_u8(0x0f);
  const int8x16_t eight = vdupq_n_s8(8);
  for (int n = n0; n < n1; n++) {
    const uint8_t *wr = w + (size_t)n * rowBytes;
    for (int m = 0; m < M; m++) {
      const int8_t *xr = xq + (size_t)m * K;
      float acc = 0;
      for (int b = 0; b < nb; b++) {
        const uint8_t *blk = wr + (size_t)b * 18;
        const uint8x16_t q = vld1q_u8(blk + 2);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, nibble)), eight), hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), eight);
        const int32_t isum = vaddvq_s32(vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(xr + b * 32)), hi, vld1q_s8(xr + b * 32 + 16)));
        acc = acc + (float)isum * (xs[(size_t)m * nb + b] * neon_half(blk));
      }
      out[(size_t)m * N + n] = acc;
    }
  }
}

static inline float neon_q45k_block(const uint8_t *wb, const uint8_t *yb, int five) {
  uint8_t scales[8], mins[8];
  lk_unpack_scales_k4(wb + 4, scales, mins);
  const uint8_t *qs = wb + (five ? 48 : 16);
  const int8_t *yq = (const int8_t *)(yb + 4);
  const uint8x16_t nibble = vdupq_n_u8(0x0f), one = vdupq_n_u8(1);
  const uint8x16_t qh0 = five ? vld1q_u8(wb + 16) : vdupq_n_u8(0), qh1 = five ? vld1q_u8(wb + 32) : vdupq_n_u8(0);
  int32_t sumi = 0, summ = 0;
  for (int p = 0; p < 4; p++) { // 32 quant bytes: sub-block 2p in the low nibbles, 2p + 1 in the high ones
    const uint8x16_t q0 = vld1q_u8(qs + 32 * p), q1 = vld1q_u8(qs + 32 * p + 16);
    uint8x16_t l0 = vandq_u8(q0, nibble), l1 = vandq_u8(q1, nibble), h0 = vshrq_n_u8(q0, 4), h1 = vshrq_n_u8(q1, 4);
    if (five) { // sub-block j's fifth bit is bit j of qh[l]
      const int8x16_t sl = vdupq_n_s8((int8_t)(-2 * p)), sh = vdupq_n_s8((int8_t)(-2 * p - 1));
      l0 = vorrq_u8(l0, vshlq_n_u8(vandq_u8(vshlq_u8(qh0, sl), one), 4));
      l1 = vorrq_u8(l1, vshlq_n_u8(vandq_u8(vshlq_u8(qh1, sl), one), 4));
      h0 = vorrq_u8(h0, vshlq_n_u8(vandq_u8(vshlq_u8(qh0, sh), one), 4));
      h1 = vorrq_u8(h1, vshlq_n_u8(vandq_u8(vshlq_u8(qh1, sh), one), 4));
    }
    const int8_t *y0 = yq + 64 * p, *y1 = y0 + 32;
    const int32x4_t dl = vdotq_s32(vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(l0), vld1q_s8(y0)), vreinterpretq_s8_u8(l1), vld1q_s8(y0 + 16));
    const int32x4_t dh = vdotq_s32(vdotq_s32(vdupq_n_s32(0), vreinterpretq_s8_u8(h0), vld1q_s8(y1)), vreinterpretq_s8_u8(h1), vld1q_s8(y1 + 16));
    sumi += scales[2 * p] * vaddvq_s32(dl) + scales[2 * p + 1] * vaddvq_s32(dh);
  }
  int16_t bsums[16];
  memcpy(bsums, yb + 260, 32);
  for (int j = 0; j < 8; j++) summ += mins[j] * (bsums[2 * j] + bsums[2 * j + 1]);
  float yd;
  memcpy(&yd, yb, 4);
  return yd * neon_half(wb) * (float)sumi - yd * neon_half(wb + 2) * (float)summ;
}

static inline float neon_q6k_block(const uint8_t *wb, const uint8_t *yb) {
  const int8_t *yq = (const int8_t *)(yb + 4), *sc = (const int8_t *)(wb + 192);
  const uint8x16_t nibble = vdupq_n_u8(0x0f), two = vdupq_n_u8(3);
  const int8x16_t offset = vdupq_n_s8(32);
  int32_t sumi = 0;
  for (int h = 0; h < 2; h++)
    for (int t = 0; t < 4; t++) // quarter t: low or high nibbles of ql[0..32) or ql[32..64), qh bits 2t, 2t + 1
      for (int s = 0; s < 2; s++) {
        const uint8x16_t ql = vld1q_u8(wb + 64 * h + 32 * (t & 1) + 16 * s), qh = vld1q_u8(wb + 128 + 32 * h + 16 * s);
        const uint8x16_t low = t < 2 ? vandq_u8(ql, nibble) : vshrq_n_u8(ql, 4);
        const uint8x16_t high = vshlq_n_u8(vandq_u8(vshlq_u8(qh, vdupq_n_s8((int8_t)(-2 * t))), two), 4);
        const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, high)), offset);
        sumi += sc[8 * h + 2 * t + s] * vaddvq_s32(vdotq_s32(vdupq_n_s32(0), q, vld1q_s8(yq + 128 * h + 32 * t + 16 * s)));
      }
  float yd;
  memcpy(&yd, yb, 4);
  return yd * neon_half(wb + 208) * (float)sumi;
}

static inline __attribute__((always_inline)) void neon_kquant(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  const int nb = K / LK_QK;
  const size_t blockBytes = format == LK_Q4_K ? 144 : format == LK_Q5_K ? 176 : 210, rowBytes = (size_t)nb * blockBytes;
  for (int n = n0; n < n1; n++) {
    const uint8_t *wr = w + (size_t)n * rowBytes;
    for (int m = 0; m < M; m++) {
      const uint8_t *yr = y + (size_t)m * nb * LK_Q8K_BYTES;
      float acc = 0;
      for (int b = 0; b < nb; b++) {
        const uint8_t *wb = wr + (size_t)b * blockBytes, *yb = yr + (size_t)b * LK_Q8K_BYTES;
        acc = acc + (format == LK_Q6_K ? neon_q6k_block(wb, yb) : neon_q45k_block(wb, yb, format == LK_Q5_K));
      }
      out[(size_t)m * N + n] = acc;
    }
  }
}
static void neon_matmul_q4k(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { neon_kquant(LK_Q4_K, out, y, w, M, K, N, n0, n1); }
static void neon_matmul_q5k(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { neon_kquant(LK_Q5_K, out, y, w, M, K, N, n0, n1); }
static void neon_matmul_q6k(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) { neon_kquant(LK_Q6_K, out, y, w, M, K, N, n0, n1); }

static const lk_block_kernels neon_blocks = {
  .quantize_rows_q8k = lk_quantize_rows_q8k_scalar,
  .matmul_q4_0 = neon_matmul_q4_0,
  .matmul_q4k = neon_matmul_q4k,
  .matmul_q5k = neon_matmul_q5k,
  .matmul_q6k = neon_matmul_q6k,
};

#pragma GCC push_options
#pragma GCC target("arch=armv8.6-a+i8mm")
// SMMLA: two activation rows × two weight rows per instruction (8 k each), four group sums exact in one vector.
static void matmul_q8_i8mm(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP, m2 = M & ~1, np = n0 + ((n1 - n0) & ~1);
  for (int nb = n0; nb < np; nb += 16) {
    const int ne = nb + 16 < np ? nb + 16 : np;
    for (int m = 0; m < m2; m += 2)
      for (int n = nb; n < ne; n += 2) {
        const int8_t *x0 = xq + (size_t)m * K, *x1 = x0 + K, *w0 = w + (size_t)n * K, *w1 = w0 + K;
        float a00 = 0, a01 = 0, a10 = 0, a11 = 0;
        for (int g = 0; g < groups; g++) {
          int32x4_t s = vdupq_n_s32(0); // [x0·w0, x0·w1, x1·w0, x1·w1]
          for (int k = g * 32; k < g * 32 + 32; k += 8)
            s = vmmlaq_s32(s, vcombine_s8(vld1_s8(x0 + k), vld1_s8(x1 + k)), vcombine_s8(vld1_s8(w0 + k), vld1_s8(w1 + k)));
          const float xs0 = xs[(size_t)m * groups + g], xs1 = xs[(size_t)(m + 1) * groups + g];
          const float ws0 = lk_f16_to_f32(ws[(size_t)n * groups + g]), ws1 = lk_f16_to_f32(ws[(size_t)(n + 1) * groups + g]);
          a00 = a00 + (float)vgetq_lane_s32(s, 0) * (xs0 * ws0);
          a01 = a01 + (float)vgetq_lane_s32(s, 1) * (xs0 * ws1);
          a10 = a10 + (float)vgetq_lane_s32(s, 2) * (xs1 * ws0);
          a11 = a11 + (float)vgetq_lane_s32(s, 3) * (xs1 * ws1);
        }
        out[(size_t)m * N + n] = a00; out[(size_t)m * N + n + 1] = a01;
        out[(size_t)(m + 1) * N + n] = a10; out[(size_t)(m + 1) * N + n + 1] = a11;
      }
  }
  // an odd last activation row or weight row: the dot-product kernel, same numerics
  if (m2 < M) matmul_q8_dotprod(out + (size_t)m2 * N, xq + (size_t)m2 * K, xs + (size_t)m2 * groups, w, ws, M - m2, K, N, n0, n1);
  if (np < n1 && m2 > 0) matmul_q8_dotprod(out, xq, xs, w, ws, m2, K, N, np, n1);
}

#pragma GCC pop_options

#define NEON_TABLE(NAME, MATMUL) { \
    .isa = NAME, .blocks = &neon_blocks, .quantize_rows_q8 = neon_quantize_rows_q8, .matmul_q8 = MATMUL, \
    .matmul_f32 = neon_matmul_f32, .matmul_f16 = neon_matmul_f16, .rmsnorm = neon_rmsnorm, .rope = neon_rope, \
    .attention = neon_attention, .store_kv_f16 = neon_store_kv_f16, .silu_mul = neon_silu_mul, .add = neon_add, \
    .add_bias = neon_add_bias, .embed_q8 = lk_embed_q8_scalar, .argmax = neon_argmax }
const lk_kernels lk_neon = NEON_TABLE("neon-dotprod", matmul_q8_dotprod);
const lk_kernels lk_neon_i8mm = NEON_TABLE("neon-i8mm", matmul_q8_i8mm);
#endif
