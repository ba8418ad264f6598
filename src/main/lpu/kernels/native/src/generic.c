// The portable path: plain C and vector extensions at the architecture's baseline (SSE2 on x86-64, NEON on arm64).
#include "vec.h"

static inline v16f generic_load_f16(const uint16_t *p) {
  float t[16];
  for (int i = 0; i < 16; i++) t[i] = lk_f16_to_f32(p[i]);
  return *(const v16f_u *)t;
}
static inline void generic_store_f16(uint16_t *p, v16f v) {
  float t[16];
  *(v16f_u *)t = v;
  for (int i = 0; i < 16; i++) p[i] = lk_f32_to_f16(t[i]);
}

static inline v16f generic_vmax(v16f a, v16f b) {
  for (int i = 0; i < 16; i++) a[i] = a[i] > b[i] ? a[i] : b[i];
  return a;
}
static inline v16f generic_floor(v16f a) {
  for (int i = 0; i < 16; i++) a[i] = __builtin_floorf(a[i]);
  return a;
}

#define LK_PATH(name) generic_##name
#define LK_VMAX(a, b) generic_vmax(a, b)
#define LK_FLOOR(a) generic_floor(a)
#define LK_LOAD_F16(p) generic_load_f16(p)
#define LK_STORE_F16(p, v) generic_store_f16(p, v)
#define LK_MADD(a, b, c) ((a) * (b) + (c))
#include "common.inc"

const lk_kernels lk_generic = {
  .isa = "generic",
  .blocks = &lk_blocks_scalar,
  .quantize_rows_q8 = generic_quantize_rows_q8,
  .matmul_q8 = lk_matmul_q8_scalar,
  .matmul_f32 = generic_matmul_f32,
  .matmul_f16 = generic_matmul_f16,
  .rmsnorm = generic_rmsnorm,
  .rope = generic_rope,
#if defined(__x86_64__)
  .attention = NULL, // GCC splits 16-lane code into slow pieces at SSE2 width: the WASM attention (measured faster) runs
#else
  .attention = generic_attention,
#endif
  .store_kv_f16 = generic_store_kv_f16,
  .silu_mul = generic_silu_mul,
  .add = generic_add,
  .add_bias = generic_add_bias,
  .embed_q8 = lk_embed_q8_scalar,
  .argmax = generic_argmax,
};

// The portable attention, kept callable as the reference of test/check.c.
void lk_attention_reference(float *out, const float *q, const uint16_t *k, const uint16_t *v, int M, int pos0, int nHeads, int nKvHeads, int headDim, int ctx, int h0, int h1) {
  generic_attention(out, q, k, v, M, pos0, nHeads, nKvHeads, headDim, ctx, h0, h1);
}
