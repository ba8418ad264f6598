// Node-API glue: binds a kernel path to the arena (a Uint8Array over the shared WebAssembly.Memory's buffer) and
// exposes each kernel of kernels/abi.ts taking byte offsets. Every range a kernel touches is checked against the
// arena first: unlike WASM, a native kernel has no sandbox.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "cpu.h"
#include "kernels.h"

typedef struct {
  uint8_t *base;
  uint64_t length;
  const lk_kernels *k;
  napi_ref arena; // keeps the buffer alive as long as the handle
} binding;

static lk_cpu cpu;
static int cpu_known;

static const lk_cpu *features(void) {
  if (!cpu_known) { lk_detect_cpu(&cpu); cpu_known = 1; }
  return &cpu;
}

// Paths this CPU can run, best first.
static int runnable(const lk_kernels **out) {
  const lk_cpu *c = features();
  int n = 0;
#if defined(__x86_64__)
  if (c->avx512f && c->avx512bw && c->avx512vl && c->avx512vnni && c->fma && c->f16c) out[n++] = &lk_avx512;
  if (c->avx_vnni && c->avx2 && c->fma && c->f16c) out[n++] = &lk_avx_vnni;
  if (c->avx2 && c->fma && c->f16c) out[n++] = &lk_avx2;
#elif defined(__aarch64__)
  if (c->dotprod && c->i8mm) out[n++] = &lk_neon_i8mm;
  if (c->dotprod) out[n++] = &lk_neon;
#endif
  (void)c;
  out[n++] = &lk_generic;
  return n;
}

#define CALL(env, expr) do { if ((expr) != napi_ok) { napi_throw_error(env, "lpu_native", "Node-API call failed: " #expr); return NULL; } } while (0)

static napi_value str_array(napi_env env, const char **names, int n) {
  napi_value arr, s;
  CALL(env, napi_create_array_with_length(env, (size_t)n, &arr));
  for (int i = 0; i < n; i++) {
    CALL(env, napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &s));
    CALL(env, napi_set_element(env, arr, (uint32_t)i, s));
  }
  return arr;
}

static napi_value cpu_features(napi_env env, napi_callback_info info) {
  (void)info;
  const lk_cpu *c = features();
  const char *names[16];
  int n = 0;
  if (c->avx2) names[n++] = "avx2";
  if (c->fma) names[n++] = "fma";
  if (c->f16c) names[n++] = "f16c";
  if (c->avx_vnni) names[n++] = "avx-vnni";
  if (c->avx512f) names[n++] = "avx512f";
  if (c->avx512bw) names[n++] = "avx512bw";
  if (c->avx512vl) names[n++] = "avx512vl";
  if (c->avx512vnni) names[n++] = "avx512vnni";
  if (c->avx512bf16) names[n++] = "avx512bf16";
  if (c->amx_int8) names[n++] = c->amx_granted ? "amx-int8" : "amx-int8 (not granted by the OS)";
  if (c->neon) names[n++] = "neon";
  if (c->dotprod) names[n++] = "dotprod";
  if (c->i8mm) names[n++] = "i8mm";
  return str_array(env, names, n);
}

static napi_value paths(napi_env env, napi_callback_info info) {
  (void)info;
  const lk_kernels *list[8];
  const char *names[8];
  const int n = runnable(list);
  for (int i = 0; i < n; i++) names[i] = list[i]->isa;
  return str_array(env, names, n);
}

static void release(napi_env env, void *data, void *hint) {
  (void)hint;
  binding *b = data;
  napi_delete_reference(env, b->arena);
  free(b);
}

// lacks(path) → the ABI kernels this path leaves to the fallback set
static napi_value lacks(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[32] = "";
  size_t nameLength;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &nameLength) != napi_ok) {
    napi_throw_type_error(env, "lpu_native", "lacks(path) needs a path name.");
    return NULL;
  }
  const lk_kernels *list[8];
  const char *names[1];
  const int n = runnable(list);
  int count = 0;
  for (int i = 0; i < n; i++) if (strcmp(list[i]->isa, name) == 0 && !list[i]->attention) names[count++] = "attention";
  return str_array(env, names, count);
}

// open(arena: Uint8Array, path: string) → handle
static napi_value open_binding(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (argc < 2 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "lpu_native", "open(arena, path) needs a Uint8Array over the arena.");
    return NULL;
  }
  char name[32];
  size_t nameLength;
  CALL(env, napi_get_value_string_utf8(env, argv[1], name, sizeof name, &nameLength));
  const lk_kernels *list[8];
  const int n = runnable(list);
  const lk_kernels *chosen = NULL;
  for (int i = 0; i < n; i++) if (strcmp(list[i]->isa, name) == 0) chosen = list[i];
  if (!chosen) {
    napi_throw_range_error(env, "lpu_native_isa", "This CPU cannot run the requested native kernel path.");
    return NULL;
  }
  binding *b = calloc(1, sizeof *b);
  if (!b) { napi_throw_error(env, "lpu_native", "Out of memory."); return NULL; }
  b->base = data;
  b->length = length;
  b->k = chosen;
  CALL(env, napi_create_reference(env, argv[0], 1, &b->arena));
  CALL(env, napi_create_external(env, b, release, NULL, &result));
  return result;
}

// Reads the handle and `count` numeric arguments after it; NULL (with an exception pending) on bad input.
static binding *args(napi_env env, napi_callback_info info, double *v, size_t count) {
  napi_value argv[16];
  size_t argc = 16;
  binding *b = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count + 1 ||
      napi_get_value_external(env, argv[0], (void **)&b) != napi_ok) {
    napi_throw_type_error(env, "lpu_native", "Wrong arguments to a native LPU kernel.");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[i + 1], &v[i]) != napi_ok) {
      napi_throw_type_error(env, "lpu_native", "Native LPU kernel arguments must be numbers.");
      return NULL;
    }
  }
  return b;
}

// [offset, offset + bytes) must lie in the arena; shapes must be non-negative.
static int in_arena(napi_env env, const binding *b, double offset, double bytes) {
  if (offset >= 0 && bytes >= 0 && offset + bytes <= (double)b->length) return 1;
  napi_throw_range_error(env, "lpu_native_bounds", "A native LPU kernel argument points outside the arena.");
  return 0;
}

// The checks every matmul shares: rows [n0, n1) of N (bad shape → RangeError), then the output rows they write
// (M rows of N floats, from column n0). Returns 1 to run, 0 for an empty range, -1 with an exception pending.
static int matmul_rows(napi_env env, const binding *b, const char *message, double out, double M, double N, double n0, double n1) {
  if (n0 < 0 || n1 < n0 || n1 > N || M < 1) { napi_throw_range_error(env, "lpu_native_shape", message); return -1; }
  if (n1 == n0) return 0;
  return in_arena(env, b, out + n0 * 4, ((M - 1) * N + (n1 - n0)) * 4) ? 1 : -1;
}
#define MATMUL_ROWS(msg, out, M, N, n0, n1) do { const int run_ = matmul_rows(env, b, msg, out, M, N, n0, n1); if (run_ <= 0) return NULL; } while (0)

#define P(i, T) ((T *)(b->base + (uint64_t)v[i]))
#define I(i) ((int)v[i])
#define CHECK(off, bytes) if (!in_arena(env, b, (off), (bytes))) return NULL

static napi_value quantize_rows_q8(napi_env env, napi_callback_info info) { // (xq, xs, x, M, K)
  double v[5];
  binding *b = args(env, info, v, 5);
  if (!b) return NULL;
  const double M = v[3], K = v[4];
  if ((I(4) % LK_GROUP) != 0) { napi_throw_range_error(env, "lpu_native_shape", "K must be a multiple of 32."); return NULL; }
  CHECK(v[0], M * K); CHECK(v[1], M * K / 8); CHECK(v[2], M * K * 4);
  b->k->quantize_rows_q8(P(0, int8_t), P(1, float), P(2, const float), I(3), I(4));
  return NULL;
}

static napi_value matmul_q8(napi_env env, napi_callback_info info) { // (out, xq, xs, w, ws, M, K, N, nStart, nEnd)
  double v[10];
  binding *b = args(env, info, v, 10);
  if (!b) return NULL;
  const double M = v[5], K = v[6], N = v[7], n0 = v[8], n1 = v[9];
  if (I(6) % LK_GROUP) { napi_throw_range_error(env, "lpu_native_shape", "matmulQ8: bad shape (K must be a multiple of 32)."); return NULL; }
  MATMUL_ROWS("matmulQ8: bad shape.", v[0], M, N, n0, n1);
  CHECK(v[1], M * K); CHECK(v[2], M * K / 8);
  CHECK(v[3] + n0 * K, (n1 - n0) * K); CHECK(v[4] + n0 * K / 16, (n1 - n0) * K / 16);
  b->k->matmul_q8(P(0, float), P(1, const int8_t), P(2, const float), (const int8_t *)(b->base + (int64_t)v[3]),
                  (const uint16_t *)(b->base + (int64_t)v[4]), I(5), I(6), I(7), I(8), I(9));
  return NULL;
}

static napi_value matmul_float(napi_env env, napi_callback_info info, int elementBytes) { // (out, x, w, M, K, N, nStart, nEnd)
  double v[8];
  binding *b = args(env, info, v, 8);
  if (!b) return NULL;
  const double M = v[3], K = v[4], N = v[5], n0 = v[6], n1 = v[7];
  MATMUL_ROWS("matmul: bad shape.", v[0], M, N, n0, n1);
  CHECK(v[1], M * K * 4); CHECK(v[2] + n0 * K * elementBytes, (n1 - n0) * K * elementBytes);
  if (elementBytes == 4) b->k->matmul_f32(P(0, float), P(1, const float), (const float *)(b->base + (int64_t)v[2]), I(3), I(4), I(5), I(6), I(7));
  else b->k->matmul_f16(P(0, float), P(1, const float), (const uint16_t *)(b->base + (int64_t)v[2]), I(3), I(4), I(5), I(6), I(7));
  return NULL;
}
static napi_value matmul_f32(napi_env env, napi_callback_info info) { return matmul_float(env, info, 4); }
static napi_value matmul_f16(napi_env env, napi_callback_info info) { return matmul_float(env, info, 2); }

static napi_value rmsnorm(napi_env env, napi_callback_info info) { // (out, x, weight, M, D, eps)
  double v[6];
  binding *b = args(env, info, v, 6);
  if (!b) return NULL;
  CHECK(v[0], v[3] * v[4] * 4); CHECK(v[1], v[3] * v[4] * 4); CHECK(v[2], v[4] * 4);
  b->k->rmsnorm(P(0, float), P(1, const float), P(2, const float), I(3), I(4), (float)v[5]);
  return NULL;
}

static napi_value rope(napi_env env, napi_callback_info info) { // (x, table, M, nHeads, headDim, pos0)
  double v[6];
  binding *b = args(env, info, v, 6);
  if (!b) return NULL;
  if (I(4) % 2) { napi_throw_range_error(env, "lpu_native_shape", "rope: headDim must be even."); return NULL; }
  CHECK(v[0], v[2] * v[3] * v[4] * 4); CHECK(v[1], (v[5] + v[2]) * v[4] * 4);
  b->k->rope(P(0, float), P(1, const float), I(2), I(3), I(4), I(5));
  return NULL;
}

// (out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, ctx, hStart, hEnd); scores is unused
// (scratch is per thread), kept so the signature matches the WASM set's attentionHeads.
static napi_value attention_heads(napi_env env, napi_callback_info info) {
  double v[13];
  binding *b = args(env, info, v, 13);
  if (!b) return NULL;
  const double M = v[5], pos0 = v[6], nHeads = v[7], nKv = v[8], hd = v[9], ctx = v[10], h0 = v[11], h1 = v[12];
  if (nKv < 1 || I(7) % I(8) || h0 < 0 || h1 > nHeads || h1 < h0 || pos0 < 0 || pos0 + M > ctx || M < 1) {
    napi_throw_range_error(env, "lpu_native_shape", "attention: bad shape.");
    return NULL;
  }
  if (!b->k->attention) { napi_throw_error(env, "lpu_native", "This native path has no attention kernel."); return NULL; }
  if (h1 == h0) return NULL;
  CHECK(v[0], M * nHeads * hd * 4); CHECK(v[1], M * nHeads * hd * 4); CHECK(v[2], nKv * ctx * hd * 2); CHECK(v[3], nKv * ctx * hd * 2);
  b->k->attention(P(0, float), P(1, const float), P(2, const uint16_t), P(3, const uint16_t), I(5), I(6), I(7), I(8), I(9), I(10), I(11), I(12));
  return NULL;
}

static napi_value store_kv_f16(napi_env env, napi_callback_info info) { // (cache, x, M, pos0, nKvHeads, headDim, ctx)
  double v[7];
  binding *b = args(env, info, v, 7);
  if (!b) return NULL;
  if (v[3] < 0 || v[3] + v[2] > v[6]) { napi_throw_range_error(env, "lpu_native_shape", "storeKvF16: positions past the context."); return NULL; }
  CHECK(v[0], v[4] * v[6] * v[5] * 2); CHECK(v[1], v[2] * v[4] * v[5] * 4);
  b->k->store_kv_f16(P(0, uint16_t), P(1, const float), I(2), I(3), I(4), I(5), I(6));
  return NULL;
}

static napi_value silu_mul(napi_env env, napi_callback_info info) { // (out, gate, up, n)
  double v[4];
  binding *b = args(env, info, v, 4);
  if (!b) return NULL;
  CHECK(v[0], v[3] * 4); CHECK(v[1], v[3] * 4); CHECK(v[2], v[3] * 4);
  b->k->silu_mul(P(0, float), P(1, const float), P(2, const float), I(3));
  return NULL;
}

static napi_value add(napi_env env, napi_callback_info info) { // (out, a, b, n)
  double v[4];
  binding *b = args(env, info, v, 4);
  if (!b) return NULL;
  CHECK(v[0], v[3] * 4); CHECK(v[1], v[3] * 4); CHECK(v[2], v[3] * 4);
  b->k->add(P(0, float), P(1, const float), P(2, const float), I(3));
  return NULL;
}

static napi_value add_bias(napi_env env, napi_callback_info info) { // (x, bias, M, N)
  double v[4];
  binding *b = args(env, info, v, 4);
  if (!b) return NULL;
  CHECK(v[0], v[2] * v[3] * 4); CHECK(v[1], v[3] * 4);
  b->k->add_bias(P(0, float), P(1, const float), I(2), I(3));
  return NULL;
}

static napi_value embed_q8(napi_env env, napi_callback_info info) { // (out, ids, w, ws, M, D)
  double v[6];
  binding *b = args(env, info, v, 6);
  if (!b) return NULL;
  const double M = v[4], D = v[5];
  if (I(5) % LK_GROUP) { napi_throw_range_error(env, "lpu_native_shape", "embedQ8: D must be a multiple of 32."); return NULL; }
  CHECK(v[0], M * D * 4); CHECK(v[1], M * 4);
  const int32_t *ids = P(1, const int32_t);
  for (int m = 0; m < I(4); m++) { CHECK(v[2] + (double)ids[m] * D, D); CHECK(v[3] + (double)ids[m] * D / 16, D / 16); }
  b->k->embed_q8(P(0, float), ids, P(2, const int8_t), P(3, const uint16_t), I(4), I(5));
  return NULL;
}

static napi_value argmax(napi_env env, napi_callback_info info) { // (x, N) → index
  double v[2];
  napi_value result;
  binding *b = args(env, info, v, 2);
  if (!b) return NULL;
  CHECK(v[0], v[1] * 4);
  CALL(env, napi_create_int32(env, v[1] >= 1 ? b->k->argmax(P(0, const float), I(1)) : 0, &result));
  return result;
}

static napi_value quantize_rows_q8k(napi_env env, napi_callback_info info) { // (y, x, M, K)
  double v[4];
  binding *b = args(env, info, v, 4);
  if (!b) return NULL;
  const double M = v[2], K = v[3];
  if (I(3) % LK_QK || M < 0) { napi_throw_range_error(env, "lpu_native_shape", "quantizeRowsQ8K: K must be a multiple of 256."); return NULL; }
  CHECK(v[0], M * K / LK_QK * LK_Q8K_BYTES); CHECK(v[1], M * K * 4);
  b->k->blocks->quantize_rows_q8k(P(0, uint8_t), P(1, const float), I(2), I(3));
  return NULL;
}

static napi_value matmul_q4_0(napi_env env, napi_callback_info info) { // (out, xq, xs, w, M, K, N, nStart, nEnd)
  double v[9];
  binding *b = args(env, info, v, 9);
  if (!b) return NULL;
  const double M = v[4], K = v[5], N = v[6], n0 = v[7], n1 = v[8], rowBytes = K / 32 * 18;
  if (I(5) % 32) { napi_throw_range_error(env, "lpu_native_shape", "matmulQ4_0: bad shape (K must be a multiple of 32)."); return NULL; }
  MATMUL_ROWS("matmulQ4_0: bad shape.", v[0], M, N, n0, n1);
  CHECK(v[1], M * K); CHECK(v[2], M * K / 8);
  CHECK(v[3] + n0 * rowBytes, (n1 - n0) * rowBytes);
  b->k->blocks->matmul_q4_0(P(0, float), P(1, const int8_t), P(2, const float), (const uint8_t *)(b->base + (int64_t)v[3]), I(4), I(5), I(6), I(7), I(8));
  return NULL;
}

// (out, y, w, M, K, N, nStart, nEnd) for one K-quant format
static napi_value matmul_kquant(napi_env env, napi_callback_info info, int format) {
  double v[8];
  binding *b = args(env, info, v, 8);
  if (!b) return NULL;
  const double M = v[3], K = v[4], N = v[5], n0 = v[6], n1 = v[7];
  const double rowBytes = K / LK_QK * (format == LK_Q4_K ? 144 : format == LK_Q5_K ? 176 : 210);
  if (I(4) % LK_QK) { napi_throw_range_error(env, "lpu_native_shape", "K-quant matmul: bad shape (K must be a multiple of 256)."); return NULL; }
  MATMUL_ROWS("K-quant matmul: bad shape.", v[0], M, N, n0, n1);
  CHECK(v[1], M * K / LK_QK * LK_Q8K_BYTES);
  CHECK(v[2] + n0 * rowBytes, (n1 - n0) * rowBytes);
  const lk_block_kernels *k = b->k->blocks;
  void (*run)(float *, const uint8_t *, const uint8_t *, int, int, int, int, int) = format == LK_Q4_K ? k->matmul_q4k : format == LK_Q5_K ? k->matmul_q5k : k->matmul_q6k;
  run(P(0, float), P(1, const uint8_t), (const uint8_t *)(b->base + (int64_t)v[2]), I(3), I(4), I(5), I(6), I(7));
  return NULL;
}
static napi_value matmul_q4k(napi_env env, napi_callback_info info) { return matmul_kquant(env, info, LK_Q4_K); }
static napi_value matmul_q5k(napi_env env, napi_callback_info info) { return matmul_kquant(env, info, LK_Q5_K); }
static napi_value matmul_q6k(napi_env env, napi_callback_info info) { return matmul_kquant(env, info, LK_Q6_K); }

// streamRead(h, ptr, bytes) → a checksum: reads the range once, 64-bit words with eight independent sums, so the
// kernel profile can set each matvec's GB/s against the memory bandwidth one thread gets in the same run.
static napi_value stream_read(napi_env env, napi_callback_info info) {
  double v[2];
  napi_value result;
  binding *b = args(env, info, v, 2);
  if (!b) return NULL;
  CHECK(v[0], v[1]);
  const uint8_t *p = P(0, const uint8_t);
  const size_t words = (size_t)v[1] / 8;
  uint64_t s[8] = {0};
  size_t i = 0;
  for (; i + 8 <= words; i += 8) { // one line per step, prefetched 1 KB ahead as the matvec kernels prefetch theirs
    __builtin_prefetch(p + 8 * i + 1024);
    for (int j = 0; j < 8; j++) { uint64_t t; memcpy(&t, p + 8 * (i + j), 8); s[j] += t; }
  }
  for (; i < words; i++) { uint64_t t; memcpy(&t, p + 8 * i, 8); s[0] += t; }
  CALL(env, napi_create_double(env, (double)((s[0] ^ s[1] ^ s[2] ^ s[3] ^ s[4] ^ s[5] ^ s[6] ^ s[7]) & 0xffffffffu), &result));
  return result;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
    { "cpuFeatures", NULL, cpu_features, NULL, NULL, NULL, napi_default, NULL },
    { "paths", NULL, paths, NULL, NULL, NULL, napi_default, NULL },
    { "open", NULL, open_binding, NULL, NULL, NULL, napi_default, NULL },
    { "lacks", NULL, lacks, NULL, NULL, NULL, napi_default, NULL },
    { "quantizeRowsQ8", NULL, quantize_rows_q8, NULL, NULL, NULL, napi_default, NULL },
    { "matmulQ8", NULL, matmul_q8, NULL, NULL, NULL, napi_default, NULL },
    { "matmulF32", NULL, matmul_f32, NULL, NULL, NULL, napi_default, NULL },
    { "matmulF16", NULL, matmul_f16, NULL, NULL, NULL, napi_default, NULL },
    { "rmsnorm", NULL, rmsnorm, NULL, NULL, NULL, napi_default, NULL },
    { "rope", NULL, rope, NULL, NULL, NULL, napi_default, NULL },
    { "attentionHeads", NULL, attention_heads, NULL, NULL, NULL, napi_default, NULL },
    { "storeKvF16", NULL, store_kv_f16, NULL, NULL, NULL, napi_default, NULL },
    { "siluMul", NULL, silu_mul, NULL, NULL, NULL, napi_default, NULL },
    { "add", NULL, add, NULL, NULL, NULL, napi_default, NULL },
    { "addBias", NULL, add_bias, NULL, NULL, NULL, napi_default, NULL },
    { "embedQ8", NULL, embed_q8, NULL, NULL, NULL, napi_default, NULL },
    { "argmax", NULL, argmax, NULL, NULL, NULL, napi_default, NULL },
    { "quantizeRowsQ8K", NULL, quantize_rows_q8k, NULL, NULL, NULL, napi_default, NULL },
    { "matmulQ4_0", NULL, matmul_q4_0, NULL, NULL, NULL, napi_default, NULL },
    { "matmulQ4K", NULL, matmul_q4k, NULL, NULL, NULL, napi_default, NULL },
    { "matmulQ5K", NULL, matmul_q5k, NULL, NULL, NULL, napi_default, NULL },
    { "matmulQ6K", NULL, matmul_q6k, NULL, NULL, NULL, napi_default, NULL },
    { "streamRead", NULL, stream_read, NULL, NULL, NULL, napi_default, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
