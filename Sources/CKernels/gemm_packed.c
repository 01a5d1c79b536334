// A matrix product against a pre-packed right-hand side, for the recurrent
// products of the time loop: each step multiplies a few rows of h (or of the
// gate gradients) by the same weight matrix, which OpenBLAS would pack again
// on every call (CBLAS has no pre-packed product). The weights are packed once
// per window here, and every step runs only the register-blocked kernel.
//
// Packed layout of op(B) (k, n): panels of 16 columns; panel p holds rows
// 0..<k of columns [16p, 16p+16), each row 16 contiguous floats, zero-padded
// past n. Size: k · ceil(n/16) · 16 floats.
//
// Kernel: blocks of up to 6 rows of C by one 16-column panel, 12 AVX
// accumulators; rows are split into blocks of near-equal size (25 rows → 5×5)
// so no block runs with a single row. Every element of C is the sum over k in
// increasing order, whatever the block shapes, so results do not depend on how
// the rows are split across threads. An AVX-512 kernel (below) runs blocks
// of up to 6 rows by 4 panels, one ZMM register per panel row, with the same
// sums in the same order, so it gives the same bits. A baseline version
// serves CPUs without AVX2+FMA; the variant is chosen at run time (ck_simd_level).

#include "ckernels.h"
#include <immintrin.h>
#include <string.h>

int64_t ck_packed_size(int64_t k, int64_t n) { return k * ((n + 15) / 16) * 16; }

void ck_pack_b_panels(int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *out,
                      int64_t first, int64_t end) {
    for (int64_t p = first; p < end; p++) {
        float *panel = out + p * k * 16;
        int64_t j0 = p * 16, cols = n - j0 < 16 ? n - j0 : 16;
        if (trans_b) {
            // op(B)[kk][j] = B[j][kk]: read each column of op(B) along a row of B.
            if (cols < 16)
                for (int64_t kk = 0; kk < k; kk++) memset(panel + kk * 16 + cols, 0, (size_t)(16 - cols) * sizeof(float));
            for (int64_t c = 0; c < cols; c++) {
                const float *src = b + (j0 + c) * ldb;
                for (int64_t kk = 0; kk < k; kk++) panel[kk * 16 + c] = src[kk];
            }
        } else {
            // Row kk of the panel is 16 contiguous floats of row kk of B.
            for (int64_t kk = 0; kk < k; kk++) {
                memcpy(panel + kk * 16, b + kk * ldb + j0, (size_t)cols * sizeof(float));
                if (cols < 16) memset(panel + kk * 16 + cols, 0, (size_t)(16 - cols) * sizeof(float));
            }
        }
    }
}

void ck_pack_b(int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *out) {
    ck_pack_b_panels(trans_b, k, n, b, ldb, out, 0, (n + 15) / 16);
}

// The block kernel: C[0..<MR, 0..<nr] (+)= A[0..<MR, 0..<k] · panel.
#define BLOCK_KERNEL(NAME, ATTR)                                                          \
ATTR static inline __attribute__((always_inline))                                         \
void NAME(const int MR, int64_t k, const float *a, int64_t lda, const float *bp,          \
          float *c, int64_t ldc, int64_t nr, int accumulate) {                            \
    __m256 acc0[6], acc1[6];                                                              \
    for (int r = 0; r < MR; r++) { acc0[r] = _mm256_setzero_ps(); acc1[r] = _mm256_setzero_ps(); } \
    _Pragma("clang loop unroll_count(4)")  /* +10-20% at k = 128 and 512, m = 25 */     \
    for (int64_t kk = 0; kk < k; kk++) {                                                  \
        __m256 b0 = _mm256_loadu_ps(bp + kk * 16), b1 = _mm256_loadu_ps(bp + kk * 16 + 8); \
        for (int r = 0; r < MR; r++) {                                                    \
            __m256 ar = _mm256_broadcast_ss(a + r * lda + kk);                            \
            acc0[r] = FMA(ar, b0, acc0[r]);                                               \
            acc1[r] = FMA(ar, b1, acc1[r]);                                               \
        }                                                                                 \
    }                                                                                     \
    for (int r = 0; r < MR; r++) {                                                        \
        float *cr = c + r * ldc;                                                          \
        if (nr == 16) {                                                                   \
            if (accumulate) {                                                             \
                acc0[r] = _mm256_add_ps(acc0[r], _mm256_loadu_ps(cr));                    \
                acc1[r] = _mm256_add_ps(acc1[r], _mm256_loadu_ps(cr + 8));                \
            }                                                                             \
            _mm256_storeu_ps(cr, acc0[r]);                                                \
            _mm256_storeu_ps(cr + 8, acc1[r]);                                            \
        } else {                                                                          \
            float tmp[16];                                                                \
            _mm256_storeu_ps(tmp, acc0[r]);                                               \
            _mm256_storeu_ps(tmp + 8, acc1[r]);                                           \
            for (int64_t j = 0; j < nr; j++) cr[j] = accumulate ? cr[j] + tmp[j] : tmp[j]; \
        }                                                                                 \
    }                                                                                     \
}

#define DEFINE_PACKED_GEMM(SUFFIX, ATTR)                                                  \
BLOCK_KERNEL(block_##SUFFIX, ATTR)                                                        \
ATTR static void gemm_packed_##SUFFIX(int64_t m, int64_t n, int64_t k, const float *a,    \
        int64_t lda, const float *packed, float *c, int64_t ldc, int accumulate) {        \
    int64_t blocks = (m + 5) / 6;                                                         \
    int64_t panels = (n + 15) / 16;                                                       \
    for (int64_t p = 0; p < panels; p++) {                                                \
        const float *bp = packed + p * k * 16;                                            \
        int64_t nr = n - p * 16 < 16 ? n - p * 16 : 16;                                   \
        int64_t row = 0;                                                                  \
        for (int64_t blk = 0; blk < blocks; blk++) {                                      \
            int64_t end = (m * (blk + 1)) / blocks;                                       \
            const float *ab = a + row * lda;                                              \
            float *cb = c + row * ldc + p * 16;                                           \
            switch (end - row) {                                                          \
            case 6: block_##SUFFIX(6, k, ab, lda, bp, cb, ldc, nr, accumulate); break;   \
            case 5: block_##SUFFIX(5, k, ab, lda, bp, cb, ldc, nr, accumulate); break;   \
            case 4: block_##SUFFIX(4, k, ab, lda, bp, cb, ldc, nr, accumulate); break;   \
            case 3: block_##SUFFIX(3, k, ab, lda, bp, cb, ldc, nr, accumulate); break;   \
            case 2: block_##SUFFIX(2, k, ab, lda, bp, cb, ldc, nr, accumulate); break;   \
            default: block_##SUFFIX(1, k, ab, lda, bp, cb, ldc, nr, accumulate); break;  \
            }                                                                             \
            row = end;                                                                    \
        }                                                                                 \
    }                                                                                     \
}

#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
DEFINE_PACKED_GEMM(avx2, __attribute__((target("avx2,fma"))))
#undef FMA
// Baseline for CPUs without AVX2+FMA: plain loops, the same order over k.
void ck_gemm_packed_portable(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                               const float *packed, float *c, int64_t ldc, int accumulate) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            const float *bp = packed + (j / 16) * k * 16 + (j % 16);
            float s = 0;
            for (int64_t kk = 0; kk < k; kk++) s += a[i * lda + kk] * bp[kk * 16];
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
        }
    }
}

// AVX-512: C[0..<MR, 0..<16·NP] (+)= A[0..<MR, 0..<k] · NP consecutive panels
// (panel q at bp + q·k·16); `cols` ≤ 16·NP columns of C are valid. MR·NP ≤ 24
// accumulators, the B rows are NP loads per k, and A is broadcast from memory.
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
AVX512 static inline __attribute__((always_inline))
void block_avx512(const int MR, const int NP, int64_t k, const float *a, int64_t lda, const float *bp,
                  float *c, int64_t ldc, int64_t cols, int accumulate) {
    __m512 acc[6][4];
    for (int r = 0; r < MR; r++)
        for (int q = 0; q < NP; q++) acc[r][q] = _mm512_setzero_ps();
    const int64_t stride = k * 16;
    for (int64_t kk = 0; kk < k; kk++) {
        __m512 b[4];
        for (int q = 0; q < NP; q++) b[q] = _mm512_loadu_ps(bp + q * stride + kk * 16);
        for (int r = 0; r < MR; r++) {
            __m512 ar = _mm512_set1_ps(a[r * lda + kk]);
            for (int q = 0; q < NP; q++) acc[r][q] = _mm512_fmadd_ps(ar, b[q], acc[r][q]);
        }
    }
    for (int q = 0; q < NP; q++) {
        int64_t left = cols - 16 * q;
        __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        for (int r = 0; r < MR; r++) {
            float *cr = c + r * ldc + 16 * q;
            __m512 v = acc[r][q];
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, cr));
            _mm512_mask_storeu_ps(cr, mask, v);
        }
    }
}

#define ROWS_CASES(NP)                                                                       \
    switch (rows) {                                                                          \
    case 6: block_avx512(6, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;           \
    case 5: block_avx512(5, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;           \
    case 4: block_avx512(4, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;           \
    case 3: block_avx512(3, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;           \
    case 2: block_avx512(2, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;           \
    default: block_avx512(1, NP, k, ab, lda, bp, cb, ldc, cols, accumulate); break;          \
    }

AVX512 static void gemm_packed_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                      const float *packed, float *c, int64_t ldc, int accumulate) {
    int64_t blocks = (m + 5) / 6;
    int64_t panels = (n + 15) / 16;
    for (int64_t p = 0; p < panels; p += 4) {
        int64_t np = panels - p < 4 ? panels - p : 4;
        const float *bp = packed + p * k * 16;
        int64_t cols = n - p * 16 < 64 ? n - p * 16 : 64;
        int64_t row = 0;
        for (int64_t blk = 0; blk < blocks; blk++) {
            int64_t end = (m * (blk + 1)) / blocks, rows = end - row;
            const float *ab = a + row * lda;
            float *cb = c + row * ldc + p * 16;
            switch (np) {
            case 4: ROWS_CASES(4) break;
            case 3: ROWS_CASES(3) break;
            case 2: ROWS_CASES(2) break;
            default: ROWS_CASES(1) break;
            }
            row = end;
        }
    }
}

int ck_gemm_packed_variant(int level, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                           const float *packed, float *c, int64_t ldc, int accumulate) {
    if (level > ck_simd_level()) return 0;
    if (m <= 0 || n <= 0) return 1;
    switch (level) {
    case CK_SIMD_AVX512: gemm_packed_avx512(m, n, k, a, lda, packed, c, ldc, accumulate); break;
    case CK_SIMD_AVX2: gemm_packed_avx2(m, n, k, a, lda, packed, c, ldc, accumulate); break;
    default: ck_gemm_packed_portable(m, n, k, a, lda, packed, c, ldc, accumulate); break;
    }
    return 1;
}

void ck_gemm_packed(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                    const float *packed, float *c, int64_t ldc, int accumulate) {
    ck_gemm_packed_variant(ck_simd_level(), m, n, k, a, lda, packed, c, ldc, accumulate);
}
