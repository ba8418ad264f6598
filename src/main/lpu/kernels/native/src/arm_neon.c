// arm64 paths: NEON float kernels (the shared vector-extension code) with INT8 matmuls on the dot-product
// extension (SDOT, Armv8.2+) and, where present, the int8 matrix-multiply extension (SMMLA, Armv8.6+), both exact
// per 32-group and scaled in the shared group order, so they equal the generic path bit for bit.
#if defined(__aarch64__)
#pragma GCC target("arch=armv8.2-a+dotprod")
#include <arm_neon.h>
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
    .isa = NAME, .blocks = &lk_blocks_scalar, .quantize_rows_q8 = neon_quantize_rows_q8, .matmul_q8 = MATMUL, \
    .matmul_f32 = neon_matmul_f32, .matmul_f16 = neon_matmul_f16, .rmsnorm = neon_rmsnorm, .rope = neon_rope, \
    .attention = neon_attention, .store_kv_f16 = neon_store_kv_f16, .silu_mul = neon_silu_mul, .add = neon_add, \
    .add_bias = neon_add_bias, .embed_q8 = lk_embed_q8_scalar, .argmax = neon_argmax }
const lk_kernels lk_neon = NEON_TABLE("neon-dotprod", matmul_q8_dotprod);
const lk_kernels lk_neon_i8mm = NEON_TABLE("neon-i8mm", matmul_q8_i8mm);
#endif
