// Standalone kernel check for cross-compiled paths (arm64 under qemu-user): every path this CPU runs against the
// shared scalar INT8 matmul and block-format kernels (bit for bit) and the generic float kernels (attention within 1e-5 of the output range).
// Built and run by test/unit/lpu-native/cross-arch.test.ts; prints one line per path, exits 1 on a mismatch.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/cpu.h"
#include "../src/kernels.h"

static uint32_t seed = 12345;
static uint32_t next(void) { seed = seed * 1664525u + 1013904223u; return seed >> 8; }
static float uniform(void) { return (float)next() / (float)(1u << 24) * 2.0f - 1.0f; }

// Random bytes make valid blocks of every format (any bits are quants and scales); the f16 fields get finite scales,
// including 0 and the smallest subnormal, so the edge cases of the float expression are covered.
static void random_blocks(uint8_t *w, size_t bytes, size_t blockBytes, size_t dAt, int two) {
  static const uint16_t edges[] = { 0x0000, 0x0001, 0x7bff, 0x8001, 0x3c00 };
  for (size_t i = 0; i < bytes; i++) w[i] = (uint8_t)next();
  for (size_t at = 0, n = 0; at < bytes; at += blockBytes, n++)
    for (int f = 0; f < (two ? 2 : 1); f++) {
      const uint16_t h = n % 7 == 3 ? edges[(n / 7 + (size_t)f) % 5] : lk_f32_to_f16(fabsf(uniform()) * 0.01f + 1e-4f);
      memcpy(w + at + dAt + 2 * (size_t)f, &h, 2);
    }
}

// Every block format on path k against the portable kernels of blocks.c, bit for bit, cut into two worker shares.
static int check_blocks(const lk_kernels *k) {
  int bad = 0;
  static const int shapes[][3] = { { 1, 256, 13 }, { 1, 768, 21 }, { 2, 512, 9 }, { 3, 768, 20 }, { 5, 256, 37 }, { 9, 512, 8 } };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int M = shapes[s][0], K = shapes[s][1], N = shapes[s][2], nb = K / LK_QK;
    float *x = malloc((size_t)M * K * 4), *out = malloc((size_t)M * N * 4), *ref = malloc((size_t)M * N * 4);
    uint8_t *y = malloc((size_t)M * nb * LK_Q8K_BYTES), *yRef = malloc((size_t)M * nb * LK_Q8K_BYTES), *w = malloc((size_t)N * nb * 210 + 1);
    for (int i = 0; i < M * K; i++) x[i] = uniform() * (i % 700 == 5 ? 40 : 2);
    if (M > 1) for (int i = 0; i < K; i++) x[i] = 0; // a zero first row: d = 0 (decode's one row stays live)
    k->blocks->quantize_rows_q8k(y, x, M, K);
    lk_quantize_rows_q8k_scalar(yRef, x, M, K);
    if (memcmp(y, yRef, (size_t)M * nb * LK_Q8K_BYTES) != 0) { printf("FAIL %s quantize_rows_q8k M=%d K=%d\n", k->isa, M, K); bad = 1; }
    static const int formats[] = { LK_Q4_K, LK_Q5_K, LK_Q6_K };
    for (int f = 0; f < 3; f++) {
      const size_t blockBytes = formats[f] == LK_Q4_K ? 144 : formats[f] == LK_Q5_K ? 176 : 210;
      uint8_t *wOdd = w + 1; // block fields are not aligned in the arena either
      random_blocks(wOdd, (size_t)N * nb * blockBytes, blockBytes, formats[f] == LK_Q6_K ? 208 : 0, formats[f] != LK_Q6_K);
      lk_matmul_kquant_scalar(formats[f], ref, y, wOdd, M, K, N, 0, N);
      void (*run)(float *, const uint8_t *, const uint8_t *, int, int, int, int, int) =
        formats[f] == LK_Q4_K ? k->blocks->matmul_q4k : formats[f] == LK_Q5_K ? k->blocks->matmul_q5k : k->blocks->matmul_q6k;
      const int cut = N / 3 / 4 * 4 + (N > 12 ? 4 : 1); // one share a multiple of four, one not
      run(out, y, wOdd, M, K, N, 0, cut);
      run(out, y, wOdd, M, K, N, cut, N);
      if (memcmp(out, ref, (size_t)M * N * 4) != 0) { printf("FAIL %s kquant %d M=%d K=%d N=%d\n", k->isa, formats[f], M, K, N); bad = 1; }
    }
    // Q4_0 against per-32 activations
    int8_t *xq = malloc((size_t)M * K);
    float *xs = malloc((size_t)M * K / 32 * 4);
    k->quantize_rows_q8(xq, xs, x, M, K);
    random_blocks(w + 1, (size_t)N * K / 32 * 18, 18, 0, 0);
    lk_matmul_q4_0_scalar(ref, xq, xs, w + 1, M, K, N, 0, N);
    k->blocks->matmul_q4_0(out, xq, xs, w + 1, M, K, N, 0, N / 2);
    k->blocks->matmul_q4_0(out, xq, xs, w + 1, M, K, N, N / 2, N);
    if (memcmp(out, ref, (size_t)M * N * 4) != 0) { printf("FAIL %s matmul_q4_0 M=%d K=%d N=%d\n", k->isa, M, K, N); bad = 1; }
    free(x); free(out); free(ref); free(y); free(yRef); free(w); free(xq); free(xs);
  }
  return bad;
}

static int check_path(const lk_kernels *k) {
  int bad = check_blocks(k);
  static const int shapes[][3] = { { 1, 32, 9 }, { 1, 608, 13 }, { 2, 96, 37 }, { 3, 576, 16 }, { 5, 160, 41 }, { 17, 96, 23 }, { 33, 128, 38 } };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const int M = shapes[s][0], K = shapes[s][1], N = shapes[s][2], G = K / 32;
    int8_t *xq = malloc((size_t)M * K), *w = malloc((size_t)N * K);
    float *x = malloc((size_t)M * K * 4), *xs = malloc((size_t)M * G * 4), *out = calloc((size_t)M * N, 4), *ref = calloc((size_t)M * N, 4);
    uint16_t *ws = malloc((size_t)N * G * 2);
    for (int i = 0; i < M * K; i++) x[i] = uniform() * 3;
    for (int i = 0; i < N * K; i++) w[i] = (int8_t)(next() & 0xff);
    for (int i = 0; i < N * G; i++) ws[i] = lk_f32_to_f16(0.001f + fabsf(uniform()) * 0.02f);
    k->quantize_rows_q8(xq, xs, x, M, K);
    lk_matmul_q8_scalar(ref, xq, xs, w, ws, M, K, N, 0, N);
    k->matmul_q8(out, xq, xs, w, ws, M, K, N, 0, N / 3);
    k->matmul_q8(out, xq, xs, w, ws, M, K, N, N / 3, N);
    if (memcmp(out, ref, (size_t)M * N * 4) != 0) { printf("FAIL %s matmul_q8 M=%d K=%d N=%d\n", k->isa, M, K, N); bad = 1; }
    free(xq); free(w); free(x); free(xs); free(out); free(ref); free(ws);
  }
  // attention: 9 heads over 3 KV heads, 20 rows after 45 cached positions, headDim 64
  const int M = 20, pos0 = 45, nHeads = 9, nKv = 3, hd = 64, ctx = 70, qDim = nHeads * hd;
  float *q = malloc((size_t)M * qDim * 4), *out = malloc((size_t)M * qDim * 4), *ref = malloc((size_t)M * qDim * 4);
  uint16_t *kc = malloc((size_t)nKv * ctx * hd * 2), *vc = malloc((size_t)nKv * ctx * hd * 2);
  for (int i = 0; i < M * qDim; i++) q[i] = uniform() * 2;
  for (int i = 0; i < nKv * ctx * hd; i++) { kc[i] = lk_f32_to_f16(uniform() * 2); vc[i] = lk_f32_to_f16(uniform()); }
  lk_attention_reference(ref, q, kc, vc, M, pos0, nHeads, nKv, hd, ctx, 0, nHeads);
  if (k->attention) { // a path without it leaves attention to the WASM kernels
    k->attention(out, q, kc, vc, M, pos0, nHeads, nKv, hd, ctx, 0, nHeads);
    for (int i = 0; i < M * qDim; i++)
      if (fabsf(out[i] - ref[i]) > 1e-5f) { printf("FAIL %s attention [%d] %g vs %g\n", k->isa, i, out[i], ref[i]); bad = 1; break; }
  }
  free(q); free(out); free(ref); free(kc); free(vc);
  if (!bad) printf("ok %s\n", k->isa);
  return bad;
}

int main(void) {
  lk_cpu cpu;
  lk_detect_cpu(&cpu);
  int bad = check_path(&lk_generic);
#if defined(__aarch64__)
  if (cpu.dotprod) bad |= check_path(&lk_neon); else printf("skip neon-dotprod (CPU lacks it)\n");
  if (cpu.dotprod && cpu.i8mm) bad |= check_path(&lk_neon_i8mm); else printf("skip neon-i8mm (CPU lacks it)\n");
#elif defined(__x86_64__)
  if (cpu.avx2 && cpu.fma && cpu.f16c) bad |= check_path(&lk_avx2);
  if (cpu.avx_vnni && cpu.avx2 && cpu.fma && cpu.f16c) bad |= check_path(&lk_avx_vnni); // untested where the CPU lacks it
  if (cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512vnni) bad |= check_path(&lk_avx512);
#endif
  return bad;
}
