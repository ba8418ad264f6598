// x86-64 AVX-512 path (F, BW, VL, VNNI; Ice Lake, Sapphire Rapids, Zen 4 and later): 512-bit VNNI dot products for
// the INT8 matmuls, 16-lane float kernels. addon.c calls it only when CPUID and XGETBV report every extension.
#if defined(__x86_64__)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#include <immintrin.h>
#include "vec.h"

static inline v16f avx512_load_f16(const uint16_t *p) { return (v16f)_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline void avx512_store_f16(uint16_t *p, v16f v) {
  _mm256_storeu_si256((__m256i *)p, _mm512_cvtps_ph((__m512)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

#define LK_SPLAT(f) ((v16f)_mm512_set1_ps(f))
#define LK_PATH(name) avx512_##name
#define LK_VMAX(a, b) ((v16f)_mm512_max_ps((__m512)(a), (__m512)(b)))
#define LK_FLOOR(a) ((v16f)_mm512_roundscale_ps((__m512)(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC))
#define LK_LOAD_F16(p) avx512_load_f16(p)
#define LK_STORE_F16(p, v) avx512_store_f16(p, v)
#define LK_MADD(a, b, c) ((v16f)_mm512_fmadd_ps((__m512)(a), (__m512)(b), (__m512)(c)))
#include "common.inc"
#define LK_KQ_ROWS 4
#ifndef LK_ROW_AHEAD_WIDE
#define LK_ROW_AHEAD_WIDE 2048
#endif
// One block's four VPDPBUSD sums gathered by a shuffle tree: per 128-bit lane L, [Σd0_L, Σd1_L, Σd2_L, Σd3_L], where
// d0 = [sb0|sb2], d1 = [sb1|sb3], d2 = [sb4|sb6], d3 = [sb5|sb7]; lanes 0+1 then hold sub-blocks 0,1,4,5 and 2+3 hold 2,3,6,7.
static inline __attribute__((always_inline)) __m512i avx512_q45k_lanes(const uint8_t *wb, const uint8_t *ypb, int five) {
  const __m512i nibble = _mm512_set1_epi8(0x0f), bit = _mm512_set1_epi8(1);
  __m512i d[4];
  const __m512i qh = five ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(wb + 16))) : _mm512_setzero_si512();
  #pragma GCC unroll 2
  for (int i = 0; i < 2; i++) { // quant bytes 64i..64i+63: low nibbles = sub-blocks 4i | 4i+2, high = 4i+1 | 4i+3
    const __m512i q = _mm512_loadu_si512(wb + (five ? 48 : 16) + 64 * i);
    __m512i lo = _mm512_and_si512(q, nibble), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), nibble);
    if (five) { // sub-block j's fifth bits are bit j of qh[0..31]
      const __m512i shiftLo = _mm512_inserti64x4(_mm512_set1_epi16((short)(4 * i)), _mm256_set1_epi16((short)(4 * i + 2)), 1);
      const __m512i shiftHi = _mm512_add_epi16(shiftLo, _mm512_set1_epi16(1));
      lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shiftLo), bit), 4));
      hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shiftHi), bit), 4));
    }
    d[2 * i] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_loadu_si512(ypb + 128 * i));
    d[2 * i + 1] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), hi, _mm512_loadu_si512(ypb + 128 * i + 64));
  }
  const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
  const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
  return _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
}

// A Q4_K/Q5_K block's 6-bit scales as int32 in the lanes' order ([s0 s1 s4 s5], [s2 s3 s6 s7]) and its mins as int16.
static inline void avx512_k4_scales(const uint8_t *wb, __m128i *scA, __m128i *scB, __m128i *mins) {
  uint32_t sc[3];
  memcpy(sc, wb + 4, 12);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
  const uint32_t s03 = sc[0] & low6, m03 = sc[1] & low6;
  const uint32_t s47 = (sc[2] & low4) | (((sc[0] >> 6) & top2) << 4), m47 = ((sc[2] >> 4) & low4) | (((sc[1] >> 6) & top2) << 4);
  *scA = _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)((s03 & 0xffff) | (s47 << 16))));
  *scB = _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)((s03 >> 16) | (s47 & 0xffff0000u))));
  *mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)m47, (int)m03));
}

static inline __m128i avx512_bsum_pairs(const uint8_t *yb) {
  return _mm_hadd_epi16(_mm_loadu_si128((const __m128i *)(yb + 260)), _mm_loadu_si128((const __m128i *)(yb + 276)));
}

/**
 * Decode's Q4_K/Q5_K row on 512-bit registers: 64 quant bytes per step, VPDPBUSD sums each sub-block's unsigned
 * quants against its activations straight into int32 (no per-sub-block scale step), a shuffle tree gathers the 8
 * sub-block totals and VPMULLD applies the scales, two blocks per tree and multiply. Integer sums are exact, so each
 * block's total equals the 256-bit kernels' and the float expression is theirs, block by block in order. yp is the
 * activation row with each block's 32-byte sub-blocks reordered 0,2,1,3,4,6,5,7 (avx512_permute_q8k).
 */
static inline __attribute__((always_inline)) float avx512_q45k_row_wide(const uint8_t *y, const uint8_t *yp, const uint8_t *w, int nb, int five) {
  const size_t blockBytes = five ? 176 : 144;
  float acc = 0;
  int b = 0;
  for (; b + 2 <= nb; b += 2) {
    const uint8_t *wb = w + (size_t)b * blockBytes, *yb = y + (size_t)b * LK_Q8K_BYTES;
    for (int line = 0; line < 2 * (int)blockBytes; line += 64) _mm_prefetch((const char *)wb + LK_ROW_AHEAD_WIDE + line, _MM_HINT_T0);
    const __m512i u0 = avx512_q45k_lanes(wb, yp + (size_t)b * 256, five), u1 = avx512_q45k_lanes(wb + blockBytes, yp + (size_t)b * 256 + 256, five);
    // [b: sb 0,1,4,5 | b: sb 2,3,6,7 | b+1: 0,1,4,5 | b+1: 2,3,6,7]
    const __m512i v = _mm512_add_epi32(_mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(3, 1, 3, 1)));
    __m128i scA0, scB0, scA1, scB1, mins0, mins1;
    avx512_k4_scales(wb, &scA0, &scB0, &mins0);
    avx512_k4_scales(wb + blockBytes, &scA1, &scB1, &mins1);
    const __m512i sc = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(scB0, scA0)), _mm256_set_m128i(scB1, scA1), 1);
    const __m512i p = _mm512_mullo_epi32(v, sc);
    const __m256i p0 = _mm512_castsi512_si256(p), p1 = _mm512_extracti64x4_epi64(p, 1);
    const __m128i s0 = _mm_add_epi32(_mm256_castsi256_si128(p0), _mm256_extracti128_si256(p0, 1));
    const __m128i s1 = _mm_add_epi32(_mm256_castsi256_si128(p1), _mm256_extracti128_si256(p1, 1));
    const __m128i m0 = _mm_madd_epi16(mins0, avx512_bsum_pairs(yb)), m1 = _mm_madd_epi16(mins1, avx512_bsum_pairs(yb + LK_Q8K_BYTES));
    const __m128 f = _mm_cvtepi32_ps(_mm_hadd_epi32(_mm_hadd_epi32(s0, m0), _mm_hadd_epi32(s1, m1))); // [Σ0, Σmins0, Σ1, Σmins1]
    uint32_t h0, h1;
    float yd0, yd1;
    memcpy(&h0, wb, 4);
    memcpy(&h1, wb + blockBytes, 4);
    memcpy(&yd0, yb, 4);
    memcpy(&yd1, yb + LK_Q8K_BYTES, 4);
    const __m128 dd = _mm_cvtph_ps(_mm_set_epi32(0, 0, (int)h1, (int)h0)); // [d0, dmin0, d1, dmin1]
    const __m128 t = _mm_mul_ps(_mm_mul_ps(_mm_setr_ps(yd0, yd0, yd1, yd1), dd), f);
    float tt[4];
    _mm_storeu_ps(tt, t);
    acc = acc + (tt[0] - tt[1]);
    acc = acc + (tt[2] - tt[3]);
  }
  for (; b < nb; b++) {
    const uint8_t *wb = w + (size_t)b * blockBytes, *yb = y + (size_t)b * LK_Q8K_BYTES;
    for (int line = 0; line < (int)blockBytes; line += 64) _mm_prefetch((const char *)wb + LK_ROW_AHEAD_WIDE + line, _MM_HINT_T0);
    const __m512i u = avx512_q45k_lanes(wb, yp + (size_t)b * 256, five);
    const __m512i v = _mm512_add_epi32(u, _mm512_shuffle_i32x4(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128i scA, scB, mins;
    avx512_k4_scales(wb, &scA, &scB, &mins);
    const __m128i scaled = _mm_add_epi32(_mm_mullo_epi32(_mm512_castsi512_si128(v), scA), _mm_mullo_epi32(_mm512_extracti32x4_epi32(v, 2), scB));
    const __m128 sums = _mm_cvtepi32_ps(_mm_hadd_epi32(_mm_hadd_epi32(scaled, _mm_madd_epi16(mins, avx512_bsum_pairs(yb))), _mm_setzero_si128()));
    float yd;
    uint32_t h;
    memcpy(&yd, yb, 4);
    memcpy(&h, wb, 4);
    const __m128 dd = _mm_cvtph_ps(_mm_cvtsi32_si128((int)h));
    acc = acc + ((yd * _mm_cvtss_f32(dd)) * _mm_cvtss_f32(sums) - (yd * _mm_cvtss_f32(_mm_movehdup_ps(dd))) * _mm_cvtss_f32(_mm_movehdup_ps(sums)));
  }
  return acc;
}

// One Q8_K activation row's quants with each block's sub-blocks reordered 0,2,1,3,4,6,5,7 for the wide row kernel.
static const uint8_t *avx512_permute_q8k(const uint8_t *y, int nb) {
  uint8_t *yp = lk_scratch(4, (size_t)nb * 256);
  static const int order[8] = { 0, 2, 1, 3, 4, 6, 5, 7 };
  for (int b = 0; b < nb; b++)
    for (int j = 0; j < 8; j++) memcpy(yp + (size_t)b * 256 + 32 * j, y + (size_t)b * LK_Q8K_BYTES + 4 + 32 * order[j], 32);
  return yp;
}
#define LK_Q45K_ROW_WIDE 1
#define LK_ACC_MADD(acc, p, s) _mm256_dpwssd_epi32(acc, p, s)
#define LK_ACC_DOT_U8S8(acc, u, s) _mm256_dpbusd_epi32(acc, u, s)
#include "blocks_x86.inc"

static inline __m128 scales4(const uint16_t *ws, int groups, int g) {
  return _mm_cvtph_ps(_mm_setr_epi16((short)ws[g], (short)ws[groups + g], (short)ws[2 * groups + g], (short)ws[3 * groups + g], 0, 0, 0, 0));
}

/**
 * One activation row against weight rows [n0, n1), four rows × two groups per step (decode). The activation is
 * biased to unsigned (x + 128) for VPDPBUSD and the bias's share (128·Σw, the same instruction on a constant) taken
 * back, so each group sum is exact; sums are then scaled and added in group order like every other path.
 */
static void row_q8(float *out, const int8_t *x, const float *xs, const int8_t *w, const uint16_t *ws, int K, int n0, int n1) {
  const int groups = K / LK_GROUP;
  const __m512i bias = _mm512_set1_epi8((char)0x80), zero = _mm512_setzero_si512();
  int n = n0;
  for (; n + 4 <= n1; n += 4) {
    const int8_t *w0 = w + (size_t)n * K;
    const uint16_t *s0 = ws + (size_t)n * groups;
    __m128 acc = _mm_setzero_ps();
    for (int g = 0; g < groups; g += 2) {
      const __mmask64 live = groups - g >= 2 ? ~0ULL : 0xffffffffULL; // an odd last group reads 32 bytes
      const __m512i xv = _mm512_xor_si512(_mm512_maskz_loadu_epi8(live, x + g * 32), bias);
      __m512i d[4];
      for (int r = 0; r < 4; r++) {
        _mm_prefetch((const char *)w0 + (size_t)(r + 4) * K + g * 32, _MM_HINT_T0); // the next four rows' line (decode streams every weight once)
        const __m512i wv = _mm512_maskz_loadu_epi8(live, w0 + (size_t)r * K + g * 32);
        d[r] = _mm512_sub_epi32(_mm512_dpbusd_epi32(zero, xv, wv), _mm512_dpbusd_epi32(zero, bias, wv));
      }
      // per 128-bit lane L: [Σd0_L, Σd1_L, Σd2_L, Σd3_L]; lanes 0-1 hold group g, lanes 2-3 group g+1
      const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
      const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
      const __m512i u = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
      const __m512i v = _mm512_add_epi32(u, _mm512_shuffle_i32x4(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
      acc = _mm_add_ps(acc, _mm_mul_ps(_mm_cvtepi32_ps(_mm512_castsi512_si128(v)), _mm_mul_ps(_mm_set1_ps(xs[g]), scales4(s0, groups, g))));
      if (groups - g >= 2) {
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_cvtepi32_ps(_mm512_extracti32x4_epi32(v, 2)), _mm_mul_ps(_mm_set1_ps(xs[g + 1]), scales4(s0, groups, g + 1))));
      }
    }
    _mm_storeu_ps(out + n, acc);
  }
  if (n < n1) lk_matmul_q8_scalar(out, x, xs, w, ws, 1, K, 0, n, n1);
}

/**
 * Decode's Q8_0 matvec (one activation row), one weight row at a time as a single prefetched stream (four
 * interleaved rows left it short of the memory bandwidth, as for the K-quants). Here the weights are biased to
 * unsigned (w + 128) for VPDPBUSD, so the bias's share, 128·Σx per group, is the activation's and computed once per
 * call. Eight groups per step: one shuffle tree puts their exact sums in group order, they are scaled as
 * sum·(xs·ws) and added to the row's sum one by one in group order, as every path does. Masked loads take the
 * last step's missing groups as zeros, which are not added.
 */
static void row1_q8(float *out, const int8_t *x, const float *xs, const int8_t *w, const uint16_t *ws, int K, int n0, int n1) {
  const int groups = K / LK_GROUP;
  int32_t *xbias = lk_scratch(4, (size_t)(groups + 8) * 4);
  for (int g = 0; g < groups; g++) {
    int32_t sum = 0;
    for (int k = 0; k < 32; k++) sum += x[g * 32 + k];
    xbias[g] = 128 * sum;
  }
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  for (int n = n0; n < n1; n++) {
    const int8_t *wr = w + (size_t)n * K;
    const uint16_t *sr = ws + (size_t)n * groups;
    float acc = 0;
    for (int g = 0; g < groups; g += 8) {
      const int live = groups - g < 8 ? groups - g : 8;
      __m512i d[4];
      for (int i = 0; i < 4; i++) { // groups g+2i, g+2i+1
        const int bytes = (live - 2 * i) * 32;
        const __mmask64 m = bytes >= 64 ? ~0ULL : bytes <= 0 ? 0 : (1ULL << bytes) - 1;
        _mm_prefetch((const char *)wr + (size_t)g * 32 + 64 * i + 2048, _MM_HINT_T0);
        const __m512i wv = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, wr + (size_t)g * 32 + 64 * i), flip);
        d[i] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_maskz_mov_epi8(m, wv), _mm512_maskz_loadu_epi8(m, x + (size_t)g * 32 + 64 * i));
      }
      // per 128-bit lane L: [Σd0_L, Σd1_L, Σd2_L, Σd3_L]; lane pairs summed: lane 0 = groups 0,2,4,6, lane 2 = 1,3,5,7
      const __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
      const __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
      const __m512i u = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));
      const __m512i v = _mm512_add_epi32(u, _mm512_shuffle_i32x4(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
      const __m128i even = _mm512_castsi512_si128(v), odd = _mm512_extracti32x4_epi32(v, 2);
      const __mmask8 lm = (__mmask8)((1u << live) - 1);
      const __m256i sums = _mm256_sub_epi32(_mm256_set_m128i(_mm_unpackhi_epi32(even, odd), _mm_unpacklo_epi32(even, odd)),
                                            _mm256_maskz_loadu_epi32(lm, xbias + g));
      const __m256 scale = _mm256_mul_ps(_mm256_maskz_loadu_ps(lm, xs + g), _mm256_cvtph_ps(_mm_maskz_loadu_epi16(lm, sr + g)));
      float p[8];
      _mm256_storeu_ps(p, _mm256_mul_ps(_mm256_cvtepi32_ps(sums), scale));
      for (int j = 0; j < live; j++) acc = acc + p[j];
    }
    out[n] = acc;
  }
}

// Activation rows sixteen to a vector: lane = row, each 4-byte k chunk biased to unsigned (x + 128); padding rows are 0.
static void pack16(uint8_t *xp, float *sp, const int8_t *xq, const float *xs, int rows, int K) {
  const int groups = K / LK_GROUP;
  for (int lane = 0; lane < 16; lane++)
    for (int g = 0; g < groups; g++) {
      for (int c = 0; c < 8; c++) {
        uint32_t v = 0;
        if (lane < rows) memcpy(&v, xq + (size_t)lane * K + g * 32 + c * 4, 4);
        v ^= 0x80808080u;
        memcpy(xp + ((size_t)(g * 8 + c) * 16 + lane) * 4, &v, 4);
      }
      sp[g * 16 + lane] = lane < rows ? xs[(size_t)lane * groups + g] : 0.0f;
    }
}

// 128·Σ_{k∈g} w[k] for one group of 32 weights (the unsigned bias's contribution to VPDPBUSD).
static inline int32_t bias_share(const int8_t *w) {
  const __m256i s = _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)w), _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
  const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  const int64_t biased = _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1); // Σ(w + 128)
  return (int32_t)((biased - 32 * 128) * 128);
}

/**
 * Prefill GEMM tile: up to 2×16 activation rows (lanes) × nr weight rows. Each weight k chunk is broadcast into
 * VPDPBUSD against the packed rows, so one instruction does 64 multiply-adds and every lane ends each group holding
 * its exact group sum; scaling and accumulation follow the shared group order.
 */
static inline __attribute__((always_inline)) void tile_vnni(float *out, int N, const uint8_t *xp, const float *sp, size_t xpStride,
    size_t spStride, int mv, int rows, const int8_t *w, const uint16_t *ws, int K, int n, int nr) {
  const int groups = K / LK_GROUP;
  __m512 acc[2][4];
  for (int i = 0; i < 2; i++) for (int r = 0; r < 4; r++) acc[i][r] = _mm512_setzero_ps();
  for (int g = 0; g < groups; g++) {
    __m512i a[2][4];
    for (int r = 0; r < nr; r++) {
      const __m512i start = _mm512_set1_epi32(-bias_share(w + (size_t)(n + r) * K + g * 32));
      for (int i = 0; i < mv; i++) a[i][r] = start;
    }
    for (int c = 0; c < 8; c++) {
      __m512i xv[2];
      for (int i = 0; i < mv; i++) xv[i] = _mm512_loadu_si512(xp + i * xpStride + (size_t)(g * 8 + c) * 64);
      for (int r = 0; r < nr; r++) {
        int32_t chunk;
        memcpy(&chunk, w + (size_t)(n + r) * K + g * 32 + c * 4, 4);
        const __m512i wb = _mm512_set1_epi32(chunk);
        for (int i = 0; i < mv; i++) a[i][r] = _mm512_dpbusd_epi32(a[i][r], xv[i], wb);
      }
    }
    for (int r = 0; r < nr; r++) {
      const __m512 wsc = _mm512_set1_ps(lk_f16_to_f32(ws[(size_t)(n + r) * groups + g]));
      for (int i = 0; i < mv; i++) {
        const __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(sp + i * spStride + g * 16), wsc);
        acc[i][r] = _mm512_add_ps(acc[i][r], _mm512_mul_ps(_mm512_cvtepi32_ps(a[i][r]), scale));
      }
    }
  }
  for (int i = 0; i < mv; i++)
    for (int r = 0; r < nr; r++) {
      float t[16];
      _mm512_storeu_ps(t, acc[i][r]);
      const int valid = rows - i * 16 < 16 ? rows - i * 16 : 16;
      for (int lane = 0; lane < valid; lane++) out[(size_t)(i * 16 + lane) * N + n + r] = t[lane];
    }
}

static void matmul_q8(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  if (M == 1) { row1_q8(out, xq, xs, w, ws, K, n0, n1); return; }
  if (M < 4) {
    for (int m = 0; m < M; m++) row_q8(out + (size_t)m * N, xq + (size_t)m * K, xs + (size_t)m * groups, w, ws, K, n0, n1);
    return;
  }
  const int blocks = (M + 15) / 16;
  const size_t xpStride = (size_t)groups * 512, spStride = (size_t)groups * 16;
  uint8_t *xp = lk_scratch(1, xpStride * blocks);
  float *sp = lk_scratch(2, spStride * blocks * 4);
  for (int b = 0; b < blocks; b++) {
    const int rows = M - b * 16 < 16 ? M - b * 16 : 16;
    pack16(xp + b * xpStride, sp + b * spStride, xq + (size_t)b * 16 * K, xs + (size_t)b * 16 * groups, rows, K);
  }
  for (int nb = n0; nb < n1; nb += 32) { // 32 weight rows stay in L2 while every 32-row pair of blocks passes
    const int ne = nb + 32 < n1 ? nb + 32 : n1;
    for (int b = 0; b < blocks; b += 2) {
      const int mv = blocks - b >= 2 ? 2 : 1, rows = M - b * 16 < 32 ? M - b * 16 : 32;
      float *o = out + (size_t)b * 16 * N;
      const uint8_t *xb = xp + b * xpStride;
      const float *sb = sp + b * spStride;
      int n = nb;
      for (; n + 4 <= ne; n += 4) {
        if (mv == 2) tile_vnni(o, N, xb, sb, xpStride, spStride, 2, rows, w, ws, K, n, 4);
        else tile_vnni(o, N, xb, sb, xpStride, spStride, 1, rows, w, ws, K, n, 4);
      }
      for (; n < ne; n++) tile_vnni(o, N, xb, sb, xpStride, spStride, mv, rows, w, ws, K, n, 1);
    }
  }
}

const lk_kernels lk_avx512 = {
  .isa = "avx512-vnni",
  .blocks = &avx512_blocks,
  .quantize_rows_q8 = avx512_quantize_rows_q8,
  .matmul_q8 = matmul_q8,
  .matmul_f32 = avx512_matmul_f32,
  .matmul_f16 = avx512_matmul_f16,
  .rmsnorm = avx512_rmsnorm,
  .rope = avx512_rope,
  .attention = avx512_attention,
  .store_kv_f16 = avx512_store_kv_f16,
  .silu_mul = avx512_silu_mul,
  .add = avx512_add,
  .add_bias = avx512_add_bias,
  .embed_q8 = lk_embed_q8_scalar,
  .argmax = avx512_argmax,
};
#endif
