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
// ---- Prefill GEMM for the K-quants: sixteen activation rows in the lanes of one register ----
// Weights are unpacked once per call into bytes in k order, and each 4-byte chunk is broadcast into VPDPBUSD against
// the same chunk of 16 activation rows (64 multiply-adds an instruction, no VPMADDUBSW step). A sub-block's lane sums
// are exact int32 and VPMULLD applies its scale; the bsum step (Q4_K/Q5_K mins, Q6_K's −32) is VPDPWSSD on int16
// pairs. Every lane then runs blocks.c's float expression, block by block in order, so the bits are the tiles' own.
#define KQX_BYTES 4928 // per 16 activation rows and Q8_K block: 64 chunks × 16 lanes, yd[16], bsum pairs per 16 and per 32
#define KQX_YD 4096
#define KQX_BSUMS 4160 // (bs[2u], bs[2u+1]) of lane l at 64u + 4l, u < 8: Q6_K's 16-value sub-blocks
#define KQX_BSUMS32 4672 // the same per 32 values, u < 4: Q4_K/Q5_K's sub-blocks
#define KQW_BYTES 384 // per weight row and block: 256 quant bytes, int32 scale[16], int16 bsum-step pairs, d, dmin
#define KQW_SCALES 256
#define KQW_PAIRS 320
#define KQW_D 352

// Activation rows 0..rows-1 (yRow bytes apart) as lanes; rows past `rows` are zero and never stored.
static void avx512_kq_pack16(uint8_t *xp, const uint8_t *y, size_t yRow, int rows, int nb) {
  memset(xp, 0, (size_t)nb * KQX_BYTES);
  for (int lane = 0; lane < rows; lane++)
    for (int b = 0; b < nb; b++) {
      const uint8_t *yb = y + lane * yRow + (size_t)b * LK_Q8K_BYTES;
      uint8_t *dst = xp + (size_t)b * KQX_BYTES + 4 * lane;
      for (int c = 0; c < 64; c++) memcpy(dst + 64 * c, yb + 4 + 4 * c, 4);
      memcpy(dst + KQX_YD, yb, 4);
      int16_t bs[16], bs32[8];
      memcpy(bs, yb + 260, 32);
      for (int j = 0; j < 8; j++) bs32[j] = (int16_t)(bs[2 * j] + bs[2 * j + 1]);
      for (int u = 0; u < 8; u++) memcpy(dst + KQX_BSUMS + 64 * u, bs + 2 * u, 4);
      for (int u = 0; u < 4; u++) memcpy(dst + KQX_BSUMS32 + 64 * u, bs32 + 2 * u, 4);
    }
}

// A Q4_K/Q5_K block unpacked: quants 0..31, scale j per 32, and the mins as int16 pairs (m_2u, m_2u+1).
static void avx512_kq_unpack45(uint8_t *dst, const uint8_t *wb, int five) {
  const __m256i nibble = _mm256_set1_epi8(0x0f), bit = _mm256_set1_epi8(1);
  const __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(wb + 16)) : _mm256_setzero_si256();
  for (int p = 0; p < 4; p++) {
    const __m256i q = _mm256_loadu_si256((const __m256i *)(wb + (five ? 48 : 16) + 32 * p));
    __m256i lo = _mm256_and_si256(q, nibble), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), nibble);
    if (five) {
      lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * p), bit), 4));
      hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * p + 1), bit), 4));
    }
    _mm256_storeu_si256((__m256i *)(dst + 64 * p), lo);
    _mm256_storeu_si256((__m256i *)(dst + 64 * p + 32), hi);
  }
  uint32_t sc[3], dd;
  memcpy(sc, wb + 4, 12);
  memcpy(&dd, wb, 4);
  const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, top2 = 0x03030303;
  const uint32_t s03 = sc[0] & low6, m03 = sc[1] & low6;
  const uint32_t s47 = (sc[2] & low4) | (((sc[0] >> 6) & top2) << 4), m47 = ((sc[2] >> 4) & low4) | (((sc[1] >> 6) & top2) << 4);
  _mm256_storeu_si256((__m256i *)(dst + KQW_SCALES), _mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, (int)s47, (int)s03)));
  _mm_storeu_si128((__m128i *)(dst + KQW_PAIRS), _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)m47, (int)m03)));
  _mm_storel_pi((__m64 *)(dst + KQW_D), _mm_cvtph_ps(_mm_cvtsi32_si128((int)dd))); // d, dmin
}

// A Q6_K block unpacked: quants 0..63 (the −32 is the bsum step's), scale u per 16, and (sc_2u, sc_2u+1) pairs.
static void avx512_kq_unpack6(uint8_t *dst, const uint8_t *wb) {
  const __m256i nibble = _mm256_set1_epi8(0x0f), two = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; h++) {
    const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(wb + 64 * h)), ql1 = _mm256_loadu_si256((const __m256i *)(wb + 64 * h + 32));
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(wb + 128 + 32 * h));
    for (int t = 0; t < 4; t++) {
      const __m256i ql = t & 1 ? ql1 : ql0;
      const __m256i low = t < 2 ? _mm256_and_si256(ql, nibble) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), nibble);
      _mm256_storeu_si256((__m256i *)(dst + 128 * h + 32 * t),
                          _mm256_or_si256(low, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * t), two), 4)));
    }
  }
  const __m128i sc = _mm_loadu_si128((const __m128i *)(wb + 192));
  _mm512_storeu_si512(dst + KQW_SCALES, _mm512_cvtepi8_epi32(sc));
  _mm256_storeu_si256((__m256i *)(dst + KQW_PAIRS), _mm256_cvtepi8_epi16(sc)); // int16 (sc_2u, sc_2u+1) pairs as they lie
  uint16_t d;
  memcpy(&d, wb + 208, 2);
  _mm_store_ss((float *)(dst + KQW_D), _mm_cvtph_ps(_mm_cvtsi32_si128(d)));
}

static inline __m512i avx512_bcast32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return _mm512_set1_epi32(v); }

// sum[r][i] = Σ_u the weight row's int16 pair u · lane's activation pair u (VPDPWSSD, exact).
static inline __attribute__((always_inline)) void avx512_kq_bsum(__m512i sum[4][2], const uint8_t *xs, size_t xpGroup, const uint8_t *ws,
    size_t wpRow, const int pairs, const int MV, const int NR) {
  for (int r = 0; r < NR; r++) for (int i = 0; i < MV; i++) sum[r][i] = _mm512_setzero_si512();
  for (int u = 0; u < pairs; u++)
    for (int r = 0; r < NR; r++) {
      const __m512i pr = avx512_bcast32(ws + r * wpRow + 4 * u);
      for (int i = 0; i < MV; i++) sum[r][i] = _mm512_dpwssd_epi32(sum[r][i], pr, _mm512_loadu_si512(xs + i * xpGroup + 64 * u));
    }
}

/**
 * Weight rows n..n+NR-1 (unpacked, wpRow bytes apart) against MV groups of 16 activation rows (packed, xpGroup bytes
 * apart): out[(16i + lane)·N + n + r] for the first `rows` lanes.
 */
static inline __attribute__((always_inline)) void avx512_kq_tile16(float *out, size_t N, const uint8_t *xp, size_t xpGroup, int rows,
    const uint8_t *wp, size_t wpRow, int nb, const int six, const int MV, const int NR) {
  const int subs = six ? 16 : 8, chunks = six ? 4 : 8;
  __m512 accf[4][2];
  for (int r = 0; r < NR; r++) for (int i = 0; i < MV; i++) accf[r][i] = _mm512_setzero_ps();
  for (int b = 0; b < nb; b++) {
    const uint8_t *xb = xp + (size_t)b * KQX_BYTES, *wb = wp + (size_t)b * KQW_BYTES;
    __m512i sumi[4][2], bsum[4][2];
    for (int r = 0; r < NR; r++) for (int i = 0; i < MV; i++) sumi[r][i] = _mm512_setzero_si512();
    if (six) { // −32·Σ sc·bsum per 16 first, so no extra sum stays live through the sub-blocks
      avx512_kq_bsum(bsum, xb + KQX_BSUMS, xpGroup, wb + KQW_PAIRS, wpRow, 8, MV, NR);
      for (int r = 0; r < NR; r++) for (int i = 0; i < MV; i++) sumi[r][i] = _mm512_sub_epi32(sumi[r][i], _mm512_slli_epi32(bsum[r][i], 5));
    }
    #pragma GCC unroll 16
    for (int j = 0; j < subs; j++) {
      __m512i t[4][2];
      for (int r = 0; r < NR; r++) for (int i = 0; i < MV; i++) t[r][i] = _mm512_setzero_si512();
      #pragma GCC unroll 8
      for (int c = j * chunks; c < (j + 1) * chunks; c++) {
        __m512i xv[2];
        for (int i = 0; i < MV; i++) xv[i] = _mm512_loadu_si512(xb + i * xpGroup + 64 * c);
        for (int r = 0; r < NR; r++) {
          const __m512i wv = avx512_bcast32(wb + r * wpRow + 4 * c);
          for (int i = 0; i < MV; i++) t[r][i] = _mm512_dpbusd_epi32(t[r][i], wv, xv[i]);
        }
      }
      for (int r = 0; r < NR; r++) {
        const __m512i sc = avx512_bcast32(wb + r * wpRow + KQW_SCALES + 4 * j);
        for (int i = 0; i < MV; i++) sumi[r][i] = _mm512_add_epi32(sumi[r][i], _mm512_mullo_epi32(t[r][i], sc));
      }
    }
    if (!six) avx512_kq_bsum(bsum, xb + KQX_BSUMS32, xpGroup, wb + KQW_PAIRS, wpRow, 4, MV, NR); // Σ m·bsum per 32
    for (int i = 0; i < MV; i++) {
      const __m512 yd = _mm512_loadu_ps(xb + i * xpGroup + KQX_YD);
      for (int r = 0; r < NR; r++) {
        float dd[2];
        memcpy(dd, wb + r * wpRow + KQW_D, 8);
        const __m512 scaled = _mm512_mul_ps(_mm512_mul_ps(yd, _mm512_set1_ps(dd[0])), _mm512_cvtepi32_ps(sumi[r][i]));
        accf[r][i] = _mm512_add_ps(accf[r][i], six ? scaled
            : _mm512_sub_ps(scaled, _mm512_mul_ps(_mm512_mul_ps(yd, _mm512_set1_ps(dd[1])), _mm512_cvtepi32_ps(bsum[r][i]))));
      }
    }
  }
  for (int i = 0; i < MV; i++)
    for (int r = 0; r < NR; r++) {
      float lanes[16];
      _mm512_storeu_ps(lanes, accf[r][i]);
      const int valid = rows - 16 * i < 16 ? rows - 16 * i : 16;
      for (int lane = 0; lane < valid; lane++) out[(size_t)(16 * i + lane) * N + r] = lanes[lane];
    }
}

// Calls TILE(MV, NR) for the tile shape of MV 16-row groups by NR weight rows (MV 1-2, NR 1-4), each shape a call of
// its own so the tile's loops unroll with constant bounds.
#define LK_TILE_SHAPES(TILE, mv, nr) \
  switch ((mv) * 4 + (nr)) { \
    case 8 + 4: TILE(2, 4); break; \
    case 8 + 3: TILE(2, 3); break; \
    case 8 + 2: TILE(2, 2); break; \
    case 8 + 1: TILE(2, 1); break; \
    case 4 + 4: TILE(1, 4); break; \
    case 4 + 3: TILE(1, 3); break; \
    case 4 + 2: TILE(1, 2); break; \
    default: TILE(1, 1); break; \
  }

/**
 * The K-quant matmul for activation rows 0..M-1 in groups of 16, the last one padded with zero rows that are never
 * stored (blocks_x86.inc sends it here when at least half full): four weight rows unpacked at a time, then every
 * pair of 16-row groups passes them.
 */
static void avx512_kq_gemm16(int format, float *out, const uint8_t *y, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  const int nb = K / LK_QK, groups = (M + 15) / 16, six = format == LK_Q6_K;
  const size_t blockBytes = format == LK_Q4_K ? 144 : format == LK_Q5_K ? 176 : 210, rowBytes = (size_t)nb * blockBytes;
  const size_t yRow = (size_t)nb * LK_Q8K_BYTES, xpGroup = (size_t)nb * KQX_BYTES, wpRow = (size_t)nb * KQW_BYTES;
  uint8_t *xp = lk_scratch(5, xpGroup * groups), *wp = lk_scratch(6, wpRow * 4);
  for (int g = 0; g < groups; g++) avx512_kq_pack16(xp + g * xpGroup, y + (size_t)g * 16 * yRow, yRow, M - 16 * g < 16 ? M - 16 * g : 16, nb);
  // Cache blocking over the prompt: as many 16-row groups as keep their packed rows in ~512 KB of L2 pass each
  // unpacked weight tile (at M = 32, every K of these models fits one pass).
  const int span = xpGroup * 2 > (512u << 10) ? 2 : (int)((512u << 10) / xpGroup) & ~1;
  for (int g0 = 0; g0 < groups; g0 += span) {
    for (int n = n0; n < n1; n += 4) {
      const int nr = n1 - n < 4 ? n1 - n : 4, gEnd = groups - g0 < span ? groups : g0 + span;
      const int ahead = n + 4 + nr <= n1; // the next tile's rows, asked for now: they come from memory while these run
      for (int r = 0; r < nr; r++)
        for (int b = 0; b < nb; b++) {
          const uint8_t *wb = w + (size_t)(n + r) * rowBytes + (size_t)b * blockBytes;
          uint8_t *dst = wp + r * wpRow + (size_t)b * KQW_BYTES;
          if (ahead) for (size_t line = 0; line < blockBytes; line += 64) _mm_prefetch((const char *)wb + 4 * rowBytes + line, _MM_HINT_T1);
          if (six) avx512_kq_unpack6(dst, wb);
          else avx512_kq_unpack45(dst, wb, format == LK_Q5_K);
        }
      for (int g = g0; g < gEnd; g += 2) {
        const int mv = gEnd - g >= 2 ? 2 : 1;
        float *o = out + (size_t)g * 16 * N + n;
        const uint8_t *xg = xp + g * xpGroup;
        const int rows = M - 16 * g < 32 ? M - 16 * g : 32;
#define LK_KQ16(MV, NR) (six ? avx512_kq_tile16(o, (size_t)N, xg, xpGroup, rows, wp, wpRow, nb, 1, MV, NR) \
                             : avx512_kq_tile16(o, (size_t)N, xg, xpGroup, rows, wp, wpRow, nb, 0, MV, NR))
        LK_TILE_SHAPES(LK_KQ16, mv, nr);
#undef LK_KQ16
      }
    }
  }
}
#define LK_KQ_GEMM16 avx512_kq_gemm16
static void q4_0_gemm16(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1);
#define LK_Q4_0_GEMM16 q4_0_gemm16
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

// Activation rows sixteen to a vector: lane = row, each 4-byte k chunk as is (signed), and per (group, lane)
// −bias·Σx, the share of the weights' unsigned bias (Q8_0's 128, Q4_0's 8) that VPDPBUSD adds; padding rows are 0.
static void pack16(int8_t *xp, float *sp, int32_t *cp, const int8_t *xq, const float *xs, int rows, int K, int bias) {
  const int groups = K / LK_GROUP;
  for (int lane = 0; lane < 16; lane++)
    for (int g = 0; g < groups; g++) {
      int32_t sum = 0;
      for (int c = 0; c < 8; c++) {
        int8_t v[4] = { 0, 0, 0, 0 };
        if (lane < rows) memcpy(v, xq + (size_t)lane * K + g * 32 + c * 4, 4);
        sum += v[0] + v[1] + v[2] + v[3];
        memcpy(xp + ((size_t)(g * 8 + c) * 16 + lane) * 4, v, 4);
      }
      cp[g * 16 + lane] = -bias * sum;
      sp[g * 16 + lane] = lane < rows ? xs[(size_t)lane * groups + g] : 0.0f;
    }
}

// Weight rows n..n+nr-1 biased to unsigned (w + 128) with their group scales as f32, asking for the next four
// rows' lines meanwhile (they come from memory while these are used).
static void unpack4(uint8_t *wp, float *wsp, const int8_t *w, const uint16_t *ws, int K, int n, int nr, int ahead) {
  const int groups = K / LK_GROUP;
  const __m512i bias = _mm512_set1_epi8((char)0x80);
  for (int r = 0; r < nr; r++) {
    const int8_t *row = w + (size_t)(n + r) * K;
    int k = 0;
    for (; k + 64 <= K; k += 64) {
      if (ahead) _mm_prefetch((const char *)row + 4 * (size_t)K + k, _MM_HINT_T1);
      _mm512_storeu_si512(wp + (size_t)r * K + k, _mm512_xor_si512(_mm512_loadu_si512(row + k), bias));
    }
    if (k < K) _mm256_storeu_si256((__m256i *)(wp + (size_t)r * K + k), _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(row + k)), _mm256_set1_epi8((char)0x80)));
    for (int g = 0; g < groups; g++) wsp[r * groups + g] = lk_f16_to_f32(ws[(size_t)(n + r) * groups + g]);
  }
}

// Q4_0 weight rows n..n+nr-1 unpacked the same way: each 18-byte block's nibbles as 32 unsigned bytes (low nibbles
// first, already biased by 8) and its scale d as f32.
static void unpack4_q4_0(uint8_t *wp, float *wsp, const uint8_t *w, int K, int n, int nr, int ahead) {
  const int groups = K / LK_GROUP;
  const size_t rowBytes = (size_t)groups * 18;
  const __m128i nibble = _mm_set1_epi8(0x0f);
  for (int r = 0; r < nr; r++) {
    const uint8_t *row = w + (size_t)(n + r) * rowBytes;
    for (int g = 0; g < groups; g++) {
      const uint8_t *blk = row + (size_t)g * 18;
      if (ahead && g % 3 == 0) _mm_prefetch((const char *)blk + 4 * rowBytes, _MM_HINT_T1);
      const __m128i q = _mm_loadu_si128((const __m128i *)(blk + 2));
      _mm_storeu_si128((__m128i *)(wp + (size_t)r * K + g * 32), _mm_and_si128(q, nibble));
      _mm_storeu_si128((__m128i *)(wp + (size_t)r * K + g * 32 + 16), _mm_and_si128(_mm_srli_epi16(q, 4), nibble));
      uint16_t d;
      memcpy(&d, blk, 2);
      wsp[r * groups + g] = lk_f16_to_f32(d);
    }
  }
}

/**
 * Prefill GEMM tile: up to 2×16 activation rows (lanes) × NR unpacked weight rows. Each 4-byte weight chunk is
 * broadcast into VPDPBUSD against the packed rows, so one instruction does 64 multiply-adds; each group's sums start
 * at the activations' bias share, so every lane ends the group holding its exact sum, scaled and added in the
 * shared group order.
 */
static inline __attribute__((always_inline)) void tile_vnni(float *out, int N, const int8_t *xp, const float *sp, const int32_t *cp,
    size_t xpStride, size_t spStride, int mv, int rows, const uint8_t *wp, const float *wsp, int K, int n, int nr) {
  const int groups = K / LK_GROUP;
  __m512 acc[2][4];
  for (int i = 0; i < 2; i++) for (int r = 0; r < 4; r++) acc[i][r] = _mm512_setzero_ps();
  for (int g = 0; g < groups; g++) {
    __m512i a[2][4];
    for (int i = 0; i < mv; i++) {
      const __m512i start = _mm512_loadu_si512(cp + i * spStride + g * 16);
      for (int r = 0; r < nr; r++) a[i][r] = start;
    }
    #pragma GCC unroll 8
    for (int c = 0; c < 8; c++) {
      __m512i xv[2];
      for (int i = 0; i < mv; i++) xv[i] = _mm512_loadu_si512(xp + i * xpStride + (size_t)(g * 8 + c) * 64);
      for (int r = 0; r < nr; r++) {
        const __m512i wb = avx512_bcast32(wp + (size_t)r * K + g * 32 + c * 4);
        for (int i = 0; i < mv; i++) a[i][r] = _mm512_dpbusd_epi32(a[i][r], wb, xv[i]);
      }
    }
    for (int r = 0; r < nr; r++) {
      const __m512 wsc = _mm512_set1_ps(wsp[r * groups + g]);
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

static void gemm16(float *out, const int8_t *xq, const float *xs, const uint8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1);
// Q4_0 from four activation rows on: the Q8_0 GEMM on its unpacked nibbles (blocks_x86.inc calls it)
static void q4_0_gemm16(float *out, const int8_t *xq, const float *xs, const uint8_t *w, int M, int K, int N, int n0, int n1) {
  gemm16(out, xq, xs, w, NULL, M, K, N, n0, n1);
}
static void matmul_q8(float *out, const int8_t *xq, const float *xs, const int8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  if (M == 1) { row1_q8(out, xq, xs, w, ws, K, n0, n1); return; }
  if (M < 4) {
    for (int m = 0; m < M; m++) row_q8(out + (size_t)m * N, xq + (size_t)m * K, xs + (size_t)m * groups, w, ws, K, n0, n1);
    return;
  }
  gemm16(out, xq, xs, (const uint8_t *)w, ws, M, K, N, n0, n1);
}

// The 16-lane GEMM for Q8_0 (ws its scales) or, with ws NULL, Q4_0 blocks: M ≥ 4 activation rows.
static void gemm16(float *out, const int8_t *xq, const float *xs, const uint8_t *w, const uint16_t *ws, int M, int K, int N, int n0, int n1) {
  const int groups = K / LK_GROUP;
  const int blocks = (M + 15) / 16;
  const size_t xpStride = (size_t)groups * 512, spStride = (size_t)groups * 16;
  int8_t *xp = lk_scratch(1, xpStride * blocks);
  float *sp = lk_scratch(2, spStride * blocks * 4);
  int32_t *cp = lk_scratch(3, spStride * blocks * 4);
  uint8_t *wp = lk_scratch(6, (size_t)K * 4);
  float *wsp = lk_scratch(0, (size_t)groups * 4 * 4);
  for (int b = 0; b < blocks; b++) {
    const int rows = M - b * 16 < 16 ? M - b * 16 : 16;
    pack16(xp + b * xpStride, sp + b * spStride, cp + b * spStride, xq + (size_t)b * 16 * K, xs + (size_t)b * 16 * groups, rows, K, ws ? 128 : 8);
  }
  // Cache blocking over the prompt: as many 16-row blocks as keep their packed rows in ~512 KB of L2 pass each
  // unpacked tile of four weight rows (one pass at M = 32 for every K of the bench models).
  const int span = xpStride * 2 > (512u << 10) ? 2 : (int)((512u << 10) / xpStride) & ~1;
  for (int b0 = 0; b0 < blocks; b0 += span) {
    const int bEnd = blocks - b0 < span ? blocks : b0 + span;
    for (int n = n0; n < n1; n += 4) {
      const int nr = n1 - n < 4 ? n1 - n : 4;
      if (ws) unpack4(wp, wsp, (const int8_t *)w, ws, K, n, nr, n + 4 + nr <= n1);
      else unpack4_q4_0(wp, wsp, w, K, n, nr, n + 4 + nr <= n1);
      for (int b = b0; b < bEnd; b += 2) {
        const int mv = bEnd - b >= 2 ? 2 : 1, rows = M - b * 16 < 32 ? M - b * 16 : 32;
        float *o = out + (size_t)b * 16 * N;
        const int8_t *xb = xp + b * xpStride;
        const float *sb = sp + b * spStride;
        const int32_t *cb = cp + b * spStride;
#define LK_Q8T(MV, NR) tile_vnni(o, N, xb, sb, cb, xpStride, spStride, MV, rows, wp, wsp, K, n, NR)
        LK_TILE_SHAPES(LK_Q8T, mv, nr);
#undef LK_Q8T
      }
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
