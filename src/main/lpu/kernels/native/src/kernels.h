// The native kernel set: one table of function pointers per instruction-set path, all with the semantics of
// kernels/abi.ts. Pointers are already resolved against the arena base by the Node-API glue (addon.c).
#ifndef LK_KERNELS_H
#define LK_KERNELS_H
#include <stddef.h>
#include <stdint.h>

// ggml block formats against int8 activations (kernels/abi.ts BlockKernels); y is Q8_K blocks of LK_Q8K_BYTES,
// w points at weight row 0 and rows [n0, n1) are read.
typedef struct lk_block_kernels {
  void (*quantize_rows_q8k)(uint8_t *y, const float *x, int M, int K);
  void (*matmul_q4_0)(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1);
  void (*matmul_q4k)(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
  void (*matmul_q5k)(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
  void (*matmul_q6k)(float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
} lk_block_kernels;

typedef struct lk_kernels {
  const char *isa;
  const lk_block_kernels *blocks;
  void (*quantize_rows_q8)(int8_t *xq, float *xs, const float *x, int M, int K);
  // w and ws point at row 0 of the (possibly shifted) weight matrix; only rows [n0, n1) are read
  void (*matmul_q8)(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1);
  void (*matmul_f32)(float *out, const float *x, const float *w, int M, int K, int N, int n0, int n1);
  void (*matmul_f16)(float *out, const float *x, const uint16_t *w, int M, int K, int N, int n0, int n1);
  void (*rmsnorm)(float *out, const float *x, const float *weight, int M, int D, float eps);
  void (*rope)(float *x, const float *table, int M, int nHeads, int headDim, int pos0);
  // NULL where this path leaves attention to the WASM kernels (addon.c reports it; the JS set falls back)
  void (*attention)(float *out, const float *q, const uint16_t *k, const uint16_t *v, int M, int pos0, int nHeads, int nKvHeads, int headDim, int ctx, int h0, int h1);
  void (*store_kv_f16)(uint16_t *cache, const float *x, int M, int pos0, int nKvHeads, int headDim, int ctx);
  void (*silu_mul)(float *out, const float *gate, const float *up, int n);
  void (*add)(float *out, const float *a, const float *b, int n);
  void (*add_bias)(float *x, const float *bias, int M, int N);
  void (*embed_q8)(float *out, const int32_t *ids, const int8_t *w, const uint16_t *ws, int M, int D);
  int (*argmax)(const float *x, int N);
} lk_kernels;

#define LK_GROUP 32
#define LK_QK 256          // elements per K-quant super-block and per Q8_K block
#define LK_Q8K_BYTES 292   // f32 d, int8 qs[256], int16 bsums[16]
enum { LK_Q4_K, LK_Q5_K, LK_Q6_K };

// The portable block kernels (blocks.c): the numerics every path keeps, and the arm64 paths' block kernels.
extern const lk_block_kernels lk_blocks_scalar;
void lk_quantize_rows_q8k_scalar(uint8_t *y, const float *x, int M, int K);
void lk_matmul_q4_0_scalar(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1);
void lk_matmul_kquant_scalar(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
// get_scale_min_k4 for all 8 sub-blocks: the 6-bit scales and mins packed in a Q4_K/Q5_K block's 12 bytes.
void lk_unpack_scales_k4(const uint8_t *sc, uint8_t scales[8], uint8_t mins[8]);

// Paths compiled into this binary (a path may be absent on other architectures).
extern const lk_kernels lk_generic;
#if defined(__x86_64__)
extern const lk_kernels lk_avx2;
extern const lk_kernels lk_avx_vnni;
extern const lk_kernels lk_avx512;
#endif
#if defined(__aarch64__)
extern const lk_kernels lk_neon;
extern const lk_kernels lk_neon_i8mm;
#endif

// Thread-local scratch that grows on demand (kernels never allocate arena memory; this is per-thread working space).
void *lk_scratch(int slot, size_t bytes);

// Scalar helpers shared by every path (identical numerics everywhere).
float lk_f16_to_f32(uint16_t h);
uint16_t lk_f32_to_f16(float f);
void lk_quantize_rows_q8_scalar(int8_t *xq, float *xs, const float *x, int M, int K);
void lk_matmul_q8_scalar(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1);
void lk_embed_q8_scalar(float *out, const int32_t *ids, const int8_t *w, const uint16_t *ws, int M, int D);
void lk_store_kv_f16_scalar(uint16_t *cache, const float *x, int M, int pos0, int nKvHeads, int headDim, int ctx);
int lk_argmax_scalar(const float *x, int N);
void lk_attention_reference(float *out, const float *q, const uint16_t *k, const uint16_t *v, int M, int pos0, int nHeads, int nKvHeads, int headDim, int ctx, int h0, int h1);
#endif
