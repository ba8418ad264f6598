// x86-64 AVX2 + FMA + F16C path (Haswell, Zen 1-3 and later). Compiled for those extensions only; addon.c calls
// it only when CPUID and XGETBV say the CPU and OS support them.
#if defined(__x86_64__)
#pragma GCC target("avx2,fma,f16c")
#include <immintrin.h>
#include "vec.h"

typedef float v8f_ __attribute__((vector_size(32)));
// A 16-lane value as two 256-bit halves and back (register shuffles, no memory).
#define LO(v) ((__m256)__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7))
#define HI(v) ((__m256)__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15))
static inline v16f join(__m256 lo, __m256 hi) { return __builtin_shufflevector((v8f_)lo, (v8f_)hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }

static inline v16f avx2_load_f16(const uint16_t *p) {
  return join(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 8))));
}
static inline void avx2_store_f16(uint16_t *p, v16f v) {
  _mm_storeu_si128((__m128i *)p, _mm256_cvtps_ph(LO(v), _MM_FROUND_TO_NEAREST_INT));
  _mm_storeu_si128((__m128i *)(p + 8), _mm256_cvtps_ph(HI(v), _MM_FROUND_TO_NEAREST_INT));
}
static inline v16f avx2_madd(v16f a, v16f b, v16f c) { return join(_mm256_fmadd_ps(LO(a), LO(b), LO(c)), _mm256_fmadd_ps(HI(a), HI(b), HI(c))); }
static inline v16f avx2_vmax(v16f a, v16f b) { return join(_mm256_max_ps(LO(a), LO(b)), _mm256_max_ps(HI(a), HI(b))); }
static inline v16f avx2_floor(v16f a) { return join(_mm256_floor_ps(LO(a)), _mm256_floor_ps(HI(a))); }

static inline v16f avx2_splat16(float f) { const __m256 h = _mm256_set1_ps(f); return join(h, h); }
#define LK_SPLAT(f) avx2_splat16(f)
#define LK_PATH(name) avx2_##name
#define LK_LOAD_F16(p) avx2_load_f16(p)
#define LK_STORE_F16(p, v) avx2_store_f16(p, v)
#define LK_MADD(a, b, c) avx2_madd(a, b, c)
#define LK_VMAX(a, b) avx2_vmax(a, b)
#define LK_FLOOR(a) avx2_floor(a)
#include "common.inc"
#define LK_KQ_ROWS 2
// The prefill GEMM (kq_gemm8.inc, after the block kernels whose helpers it uses) takes groups of 8 activation rows.
#define LK_KQ_GEMM_LANES 8
#define LK_KQ_GEMM16 LK_PATH(kq_gemm8)
static void avx2_kq_gemm8(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
#include "blocks_x86.inc"
#include "kq_gemm8.inc"

// e^x for x ≤ 0, 8 lanes: the same Cephes polynomial as common.inc's vexp (clamped at -87).
static inline __m256 exp8(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 nf = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  const __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(-2.12194440e-4f), _mm256_fnmadd_ps(nf, _mm256_set1_ps(0.693359375f), x));
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nf), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(n));
}

static inline float hsum8(__m256 v) {
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}

static inline float hmax8(__m256 v) {
  __m128 q = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  q = _mm_max_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_max_ss(q, _mm_movehdup_ps(q)));
}

/**
 * common.inc's blocked attention written for 256-bit registers (GCC splits its 16-lane form into slow pieces here):
 * keys in blocks of 16 (two 8-lane halves), widened and transposed once per block for every row and head of a KV
 * head, online softmax per (row, head) with fixed block boundaries, so splits and chunking do not change results.
 */
static void attention_avx2(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int M, int pos0,
                           int nHeads, int nKvHeads, int headDim, int ctx, int h0, int h1) {
  const int hd = headDim, group = nHeads / nKvHeads, qStride = nHeads * hd;
  const float scale = 1.0f / sqrtf((float)hd);
  float *kt = lk_scratch(2, (size_t)hd * 16 * 4), *vf = lk_scratch(3, (size_t)16 * hd * 4);
  float *state = lk_scratch(0, (size_t)M * group * 2 * 4);
  float row[hd];
  for (int g = h0 / group; g * group < h1; g++) {
    const int hs = g * group > h0 ? g * group : h0, he = (g + 1) * group < h1 ? (g + 1) * group : h1;
    const uint16_t *K = kc + (size_t)g * ctx * hd, *V = vc + (size_t)g * ctx * hd;
    const int T = pos0 + M;
    for (int i = 0; i < M * group; i++) { state[2 * i] = -INFINITY; state[2 * i + 1] = 0; }
    for (int h = hs; h < he; h++)
      for (int m = 0; m < M; m++) memset(out + (size_t)m * qStride + (size_t)h * hd, 0, (size_t)hd * 4);
    for (int t0 = 0; t0 < T; t0 += 16) {
      const int nb = T - t0 < 16 ? T - t0 : 16;
      for (int t = 0; t < 16; t++) {
        if (t < nb) {
          const uint16_t *kr = K + (size_t)(t0 + t) * hd, *vr = V + (size_t)(t0 + t) * hd;
          int d = 0;
          for (; d + 8 <= hd; d += 8) {
            _mm256_storeu_ps(row + d, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(kr + d))));
            _mm256_storeu_ps(vf + t * hd + d, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vr + d))));
          }
          for (; d < hd; d++) { row[d] = lk_f16_to_f32(kr[d]); vf[t * hd + d] = lk_f16_to_f32(vr[d]); }
        } else {
          memset(row, 0, (size_t)hd * 4);
        }
        for (int d = 0; d < hd; d++) kt[d * 16 + t] = row[d];
      }
      const int mFirst = t0 - pos0 > 0 ? t0 - pos0 : 0;
      for (int h = hs; h < he; h++)
        for (int m = mFirst; m < M; m++) {
          const float *qr = q + (size_t)m * qStride + (size_t)h * hd;
          float *o = out + (size_t)m * qStride + (size_t)h * hd, *st = state + 2 * ((size_t)m * group + (h - g * group));
          const int visible = pos0 + m - t0 + 1 < nb ? pos0 + m - t0 + 1 : nb;
          __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0; // keys 0-7 and 8-15, two chains each
          int d = 0;
          for (; d + 2 <= hd; d += 2) {
            const __m256 q0 = _mm256_broadcast_ss(qr + d), q1 = _mm256_broadcast_ss(qr + d + 1);
            a0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + d * 16), a0); b0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + d * 16 + 8), b0);
            a1 = _mm256_fmadd_ps(q1, _mm256_loadu_ps(kt + (d + 1) * 16), a1); b1 = _mm256_fmadd_ps(q1, _mm256_loadu_ps(kt + (d + 1) * 16 + 8), b1);
          }
          if (d < hd) {
            const __m256 q0 = _mm256_broadcast_ss(qr + d);
            a0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + d * 16), a0); b0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + d * 16 + 8), b0);
          }
          float s[16];
          _mm256_storeu_ps(s, _mm256_mul_ps(_mm256_add_ps(a0, a1), _mm256_set1_ps(scale)));
          _mm256_storeu_ps(s + 8, _mm256_mul_ps(_mm256_add_ps(b0, b1), _mm256_set1_ps(scale)));
          for (int t = visible; t < 16; t++) s[t] = -INFINITY;
          const __m256 lo = _mm256_loadu_ps(s), hi = _mm256_loadu_ps(s + 8);
          const float top = hmax8(_mm256_max_ps(lo, hi)), prev = st[0], newMax = top > prev ? top : prev;
          if (newMax > prev && prev != -INFINITY) {
            const float r = expf(prev - newMax);
            st[1] *= r;
            for (int i = 0; i < hd; i++) o[i] *= r;
          }
          st[0] = newMax;
          float p[16];
          const __m256 mx = _mm256_set1_ps(newMax);
          _mm256_storeu_ps(p, exp8(_mm256_sub_ps(lo, mx)));
          _mm256_storeu_ps(p + 8, exp8(_mm256_sub_ps(hi, mx)));
          for (int t = visible; t < 16; t++) p[t] = 0;
          st[1] += hsum8(_mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)));
          d = 0;
          for (; d + 32 <= hd; d += 32) { // four accumulators of 8 per pass, one chain each
            __m256 c0 = _mm256_loadu_ps(o + d), c1 = _mm256_loadu_ps(o + d + 8), c2 = _mm256_loadu_ps(o + d + 16), c3 = _mm256_loadu_ps(o + d + 24);
            for (int t = 0; t < visible; t++) {
              const __m256 pt = _mm256_broadcast_ss(p + t);
              const float *vr = vf + t * hd + d;
              c0 = _mm256_fmadd_ps(pt, _mm256_loadu_ps(vr), c0); c1 = _mm256_fmadd_ps(pt, _mm256_loadu_ps(vr + 8), c1);
              c2 = _mm256_fmadd_ps(pt, _mm256_loadu_ps(vr + 16), c2); c3 = _mm256_fmadd_ps(pt, _mm256_loadu_ps(vr + 24), c3);
            }
            _mm256_storeu_ps(o + d, c0); _mm256_storeu_ps(o + d + 8, c1); _mm256_storeu_ps(o + d + 16, c2); _mm256_storeu_ps(o + d + 24, c3);
          }
          for (; d < hd; d++) {
            float acc = o[d];
            for (int t = 0; t < visible; t++) acc += p[t] * vf[t * hd + d];
            o[d] = acc;
          }
        }
    }
    for (int h = hs; h < he; h++)
      for (int m = 0; m < M; m++) {
        float *o = out + (size_t)m * qStride + (size_t)h * hd;
        const float inv = 1.0f / state[2 * ((size_t)m * group + (h - g * group)) + 1];
        for (int d = 0; d < hd; d++) o[d] *= inv;
      }
  }
}

// siluMul on 8 lanes (common.inc's formula: σ(g) = (w + (1 − w)·e)/(1 + e), e = e^-|g|, w = 1 for g > 0 else 0);
// the tail goes through the same 8-lane code, so an element's result does not depend on where a share starts.
static inline __m256 silu8(__m256 g, __m256 up) {
  const __m256 one = _mm256_set1_ps(1.0f), a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), g), e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), a));
  const __m256 w = _mm256_max_ps(_mm256_div_ps(g, _mm256_add_ps(a, _mm256_set1_ps(1e-30f))), _mm256_setzero_ps());
  const __m256 sigma = _mm256_div_ps(_mm256_fmadd_ps(_mm256_sub_ps(one, w), e, w), _mm256_add_ps(one, e));
  return _mm256_mul_ps(_mm256_mul_ps(g, sigma), up);
}

static void silu_mul_avx2(float *out, const float *gate, const float *up, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, silu8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {
    float g[8] = { 0 }, u[8] = { 0 }, o[8];
    memcpy(g, gate + i, (size_t)(n - i) * 4);
    memcpy(u, up + i, (size_t)(n - i) * 4);
    _mm256_storeu_ps(o, silu8(_mm256_loadu_ps(g), _mm256_loadu_ps(u)));
    memcpy(out + i, o, (size_t)(n - i) * 4);
  }
}

// Four weight rows' binary16 scales of one group, widened.
static inline __m128 scales4(const uint16_t *ws, int groups, int g) {
  return _mm_cvtph_ps(_mm_setr_epi16((short)ws[g], (short)ws[groups + g], (short)ws[2 * groups + g], (short)ws[3 * groups + g], 0, 0, 0, 0));
}

// Σ over 32 bytes of x·w as 8 i32 lanes: |w| (u8) times x carrying w's sign (|x| ≤ 127, so pairs never saturate).
static inline __m256i dot32(__m256i x, __m256i w) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w)), _mm256_set1_epi16(1));
}

// Lane sums of four 8-lane vectors: [Σa, Σb, Σc, Σd] (exact integer adds).
static inline __m128i reduce4(__m256i a, __m256i b, __m256i c, __m256i d) {
  __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

// One activation row against weight rows [n0, n1), four at a time (decode and leftover rows).
static void row_q8(float *out, const int8_t *x, const float *xs, const int8_t *w, const uint16_t *ws, int K, int n0, int n1) {
  const int groups = K / LK_GROUP;
  int n = n0;
  for (; n + 4 <= n1; n += 4) {
    const int8_t *w0 = w + (size_t)n * K;
    __m128 acc = _mm_setzero_ps();
    for (int g = 0; g < groups; g++) {
      if (g % 2 == 0) // the next four rows' cache line (decode streams every weight once)
        for (int r = 0; r < 4; r++) _mm_prefetch((const char *)w0 + (size_t)(r + 4) * K + g * 32, _MM_HINT_T0);
      const __m256i xv = _mm256_loadu_si256((const __m256i *)(x + g * 32));
      const __m128i sums = reduce4(dot32(xv, _mm256_loadu_si256((const __m256i *)(w0 + g * 32))),
                                   dot32(xv, _mm256_loadu_si256((const __m256i *)(w0 + K + g * 32))),
                                   dot32(xv, _mm256_loadu_si256((const __m256i *)(w0 + 2 * (size_t)K + g * 32))),
                                   dot32(xv, _mm256_loadu_si256((const __m256i *)(w0 + 3 * (size_t)K + g * 32))));
      const __m128 scale = _mm_mul_ps(_mm_set1_ps(xs[g]), scales4(ws + (size_t)n * groups, groups, g));
      acc = _mm_add_ps(acc, _mm_mul_ps(_mm_cvtepi32_ps(sums), scale));
    }
    _mm_storeu_ps(out + n, acc);
  }
  if (n < n1) lk_matmul_q8_scalar(out, x, xs, w, ws, 1, K, 0, n, n1);
}

/**
 * Decode's one activation row, one weight row at a time as a single prefetched stream (four interleaved rows left
 * the matvec short of the memory bandwidth, as on the AVX-512 path). Eight groups per step: their exact sums in
 * group order, scaled as sum·(xs·ws) in one vector, then added to the row's sum one by one in group order.
 */
static void row1_q8(float *out, const int8_t *x, const float *xs, const int8_t *w, const uint16_t *ws, int K, int n0, int n1) {
  const int groups = K / LK_GROUP, g8 = groups / 8 * 8;
  for (int n = n0; n < n1; n++) {
    const int8_t *wr = w + (size_t)n * K;
    const uint16_t *sr = ws + (size_t)n * groups;
    float acc = 0;
    for (int g = 0; g < g8; g += 8) {
      for (int line = 0; line < 256; line += 64) _mm_prefetch((const char *)wr + (size_t)g * 32 + 2048 + line, _MM_HINT_T0);
      __m256i d[8];
      for (int i = 0; i < 8; i++)
        d[i] = dot32(_mm256_loadu_si256((const __m256i *)(x + (g + i) * 32)), _mm256_loadu_si256((const __m256i *)(wr + (size_t)(g + i) * 32)));
      const __m256i sums = _mm256_set_m128i(reduce4(d[4], d[5], d[6], d[7]), reduce4(d[0], d[1], d[2], d[3]));
      const __m256 scale = _mm256_mul_ps(_mm256_loadu_ps(xs + g), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(sr + g))));
      float p[8];
      _mm256_storeu_ps(p, _mm256_mul_ps(_mm256_cvtepi32_ps(sums), scale));
      for (int j = 0; j < 8; j++) acc = acc + p[j];
    }
    for (int g = g8; g < groups; g++) {
      const __m128i s = reduce4(dot32(_mm256_loadu_si256((const __m256i *)(x + g * 32)), _mm256_loadu_si256((const __m256i *)(wr + (size_t)g * 32))),
                                _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256());
      acc = acc + (float)_mm_cvtsi128_si32(s) * (xs[g] * _cvtsh_ss(sr[g]));
    }
    out[n] = acc;
  }
}

/**
 * Prefill GEMM: activation rows packed eight to a vector (lane = row, one 4-byte k chunk each), each weight chunk
 * broadcast and multiplied into 2×8 rows at once, two weight rows per tile; per (row, weight row) the group sums are
 * exact and scaled in group order, so results equal every other path's bit for bit.
 */
static void pack8(int8_t *xp, float *sp, const int8_t *xq, const float *xs, int rows, int K) {
  const int groups = K / LK_GROUP;
  for (int lane = 0; lane < 8; lane++)
    for (int g = 0; g < groups; g++) {
      for (int c = 0; c < 8; c++) {
        int32_t v = 0;
        if (lane < rows) memcpy(&v, xq + (size_t)lane * K + g * 32 + c * 4, 4);
        memcpy(xp + ((size_t)(g * 8 + c) * 8 + lane) * 4, &v, 4);
      }
      sp[g * 8 + lane] = lane < rows ? xs[(size_t)lane * groups + g] : 0.0f;
    }
}

static inline __attribute__((always_inline)) void tile_avx2(float *out, int N, const int8_t *xp, const float *sp, size_t xpStride,
    size_t spStride, int mv, int rows, const int8_t *w, const uint16_t *ws, int K, int n, int nr) {
  const int groups = K / LK_GROUP;
  __m256 acc[2][2] = { { _mm256_setzero_ps(), _mm256_setzero_ps() }, { _mm256_setzero_ps(), _mm256_setzero_ps() } };
  const __m256i ones = _mm256_set1_epi16(1);
  for (int g = 0; g < groups; g++) {
    __m256i a[2][2] = { { _mm256_setzero_si256(), _mm256_setzero_si256() }, { _mm256_setzero_si256(), _mm256_setzero_si256() } };
    for (int c = 0; c < 8; c++) {
      __m256i xv[2];
      for (int i = 0; i < mv; i++) xv[i] = _mm256_loadu_si256((const __m256i *)(xp + i * xpStride + (size_t)(g * 8 + c) * 32));
      for (int r = 0; r < nr; r++) {
        int32_t chunk;
        memcpy(&chunk, w + (size_t)(n + r) * K + g * 32 + c * 4, 4);
        const __m256i wb = _mm256_set1_epi32(chunk), uw = _mm256_abs_epi8(wb);
        for (int i = 0; i < mv; i++) a[i][r] = _mm256_add_epi32(a[i][r], _mm256_madd_epi16(_mm256_maddubs_epi16(uw, _mm256_sign_epi8(xv[i], wb)), ones));
      }
    }
    for (int r = 0; r < nr; r++) {
      const __m256 wsc = _mm256_set1_ps(lk_f16_to_f32(ws[(size_t)(n + r) * groups + g]));
      for (int i = 0; i < mv; i++) {
        const __m256 scale = _mm256_mul_ps(_mm256_loadu_ps(sp + i * spStride + g * 8), wsc);
        acc[i][r] = _mm256_add_ps(acc[i][r], _mm256_mul_ps(_mm256_cvtepi32_ps(a[i][r]), scale));
      }
    }
  }
  for (int i = 0; i < mv; i++)
    for (int r = 0; r < nr; r++) {
      float t[8];
      _mm256_storeu_ps(t, acc[i][r]);
      const int valid = rows - i * 8 < 8 ? rows - i * 8 : 8;
      for (int lane = 0; lane < valid; lane++) out[(size_t)(i * 8 + lane) * N + n + r] = t[lane];
    }
}

static void matmul_q8(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  if (M == 1) { row1_q8(out, xq, xs, w, ws, K, n0, n1); return; }
  if (M < 4) {
    for (int m = 0; m < M; m++) row_q8(out + (size_t)m * N, xq + (size_t)m * K, xs + (size_t)m * groups, w, ws, K, n0, n1);
    return;
  }
  const int blocks = (M + 7) / 8;
  const size_t xpStride = (size_t)groups * 256, spStride = (size_t)groups * 8;
  int8_t *xp = lk_scratch(1, xpStride * blocks);
  float *sp = lk_scratch(2, spStride * blocks * 4);
  for (int b = 0; b < blocks; b++) {
    const int rows = M - b * 8 < 8 ? M - b * 8 : 8;
    pack8(xp + b * xpStride, sp + b * spStride, xq + (size_t)b * 8 * K, xs + (size_t)b * 8 * groups, rows, K);
  }
  for (int nb = n0; nb < n1; nb += 32) { // 32 weight rows (≤ 48 KiB at K = 1536) stay in L2 while all rows pass
    const int ne = nb + 32 < n1 ? nb + 32 : n1;
    for (int b = 0; b < blocks; b += 2) {
      const int mv = blocks - b >= 2 ? 2 : 1, rows = M - b * 8 < 16 ? M - b * 8 : 16;
      float *o = out + (size_t)b * 8 * N;
      const int8_t *xb = xp + b * xpStride;
      const float *sb = sp + b * spStride;
      int n = nb;
      for (; n + 2 <= ne; n += 2) {
        if (mv == 2) tile_avx2(o, N, xb, sb, xpStride, spStride, 2, rows, w, ws, K, n, 2);
        else tile_avx2(o, N, xb, sb, xpStride, spStride, 1, rows, w, ws, K, n, 2);
      }
      if (n < ne) tile_avx2(o, N, xb, sb, xpStride, spStride, mv, rows, w, ws, K, n, 1);
    }
  }
}

// AVX-VNNI (VEX, 256-bit; Alder Lake, Sapphire Rapids, Zen 5): the same block kernels with VPDPWSSD applying each
// sub-block's scale and VPDPBUSD doing Q4_0's sums in one instruction each, as on the AVX-512 path; every other
// kernel is the AVX2 path's. Same integer sums, same bits. addon.c picks it only when CPUID reports AVX-VNNI.
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avxvnni")
#undef LK_PATH
#define LK_PATH(name) avxvnni_##name
#undef LK_ACC_MADD
#define LK_ACC_MADD(acc, p, s) _mm256_dpwssd_avx_epi32(acc, p, s)
#undef LK_ACC_DOT_U8S8
#define LK_ACC_DOT_U8S8(acc, u, s) _mm256_dpbusd_avx_epi32(acc, u, s)
static void avxvnni_kq_gemm8(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1);
#include "blocks_x86.inc"
#include "kq_gemm8.inc"
#pragma GCC pop_options

// The AVX2 and AVX-VNNI paths share every kernel but the block formats.
#define LK_AVX2_KERNELS(name, blockKernels) { \
  .isa = name, \
  .blocks = blockKernels, \
  .quantize_rows_q8 = avx2_quantize_rows_q8, \
  .matmul_q8 = matmul_q8, \
  .matmul_f32 = avx2_matmul_f32, \
  .matmul_f16 = avx2_matmul_f16, \
  .rmsnorm = avx2_rmsnorm, \
  .rope = avx2_rope, \
  .attention = attention_avx2, \
  .store_kv_f16 = avx2_store_kv_f16, \
  .silu_mul = silu_mul_avx2, /* 8-lane form: GCC splits the 16-lane one into slow pieces here */ \
  .add = avx2_add, \
  .add_bias = avx2_add_bias, \
  .embed_q8 = lk_embed_q8_scalar, \
  .argmax = avx2_argmax, \
}
const lk_kernels lk_avx2 = LK_AVX2_KERNELS("avx2", &avx2_blocks);
const lk_kernels lk_avx_vnni = LK_AVX2_KERNELS("avx-vnni", &avxvnni_blocks);
#endif
