// gemm_small_n: see include/gemm_small_n.h.
//
// Kernel: a tile of up to 6 streams by one 16-column panel (two AVX vectors,
// up to 12 accumulators) runs down all K rows of the panel: per row, two loads
// of W (one 64-byte line of binary32, or 32 bytes of binary16 widened by F16C)
// and one broadcast of X per stream feed 2 fused multiply-adds per stream.
// The streams are cut into near-equal tiles (8 → 4 + 4, 7 → 4 + 3), all run
// on one panel before the next, so the panel comes from memory once and from
// L1/L2 for the later tiles. The last panel is zero-padded past N; its extra
// lanes are computed and dropped. Each lane is one chain of fused
// multiply-adds in increasing k, the order of ck_gemv_f32 / ck_gemv_f16.
#include "gemm_small_n.h"
#include "ckernels.h"
#include <immintrin.h>
#include <string.h>

#define MAX_TILE_ROWS 6

#if defined(__x86_64__)

// Widens 8 weights to binary32: a load for binary32, F16C for binary16.
#define LOAD_F32(p) _mm256_loadu_ps(p)
#define LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))

// TILE: Y[0..<R, 0..<cols] for one 16-column panel (cols ≤ 16; the panel's
// columns past `cols` are zeros and their results are dropped).
// COLUMNS: columns [lo, hi) of Y for all M rows, lo a multiple of 16.
#define DEFINE_SMALL_N(SUFFIX, TYPE, LOAD, ATTR)                                                    \
ATTR static inline __attribute__((always_inline))                                                   \
void tile_##SUFFIX(const int R, int64_t K, const float *x, int64_t ldx, const TYPE *panel,          \
                   float beta, float *y, int64_t ldy, int64_t cols) {                               \
    __m256 a0[MAX_TILE_ROWS], a1[MAX_TILE_ROWS];                                                    \
    float tmp[16];                                                                                  \
    for (int r = 0; r < R; r++) {                                                                   \
        if (beta == 0) {                                                                            \
            a0[r] = _mm256_setzero_ps();                                                            \
            a1[r] = _mm256_setzero_ps();                                                            \
        } else if (cols == 16) {                                                                    \
            a0[r] = _mm256_loadu_ps(y + r * ldy);                                                   \
            a1[r] = _mm256_loadu_ps(y + r * ldy + 8);                                               \
        } else {                                                                                    \
            for (int64_t j = 0; j < 16; j++) tmp[j] = j < cols ? y[r * ldy + j] : 0;                \
            a0[r] = _mm256_loadu_ps(tmp);                                                           \
            a1[r] = _mm256_loadu_ps(tmp + 8);                                                       \
        }                                                                                           \
    }                                                                                               \
    const TYPE *w = panel;                                                                          \
    for (int64_t k = 0; k < K; k++, w += 16) {                                                      \
        const __m256 w0 = LOAD(w), w1 = LOAD(w + 8);                                                \
        for (int r = 0; r < R; r++) {                                                               \
            const __m256 xr = _mm256_broadcast_ss(x + r * ldx + k);                                 \
            a0[r] = _mm256_fmadd_ps(xr, w0, a0[r]);                                                 \
            a1[r] = _mm256_fmadd_ps(xr, w1, a1[r]);                                                 \
        }                                                                                           \
    }                                                                                               \
    for (int r = 0; r < R; r++) {                                                                   \
        if (cols == 16) {                                                                           \
            _mm256_storeu_ps(y + r * ldy, a0[r]);                                                   \
            _mm256_storeu_ps(y + r * ldy + 8, a1[r]);                                               \
        } else {                                                                                    \
            _mm256_storeu_ps(tmp, a0[r]);                                                           \
            _mm256_storeu_ps(tmp + 8, a1[r]);                                                       \
            for (int64_t j = 0; j < cols; j++) y[r * ldy + j] = tmp[j];                             \
        }                                                                                           \
    }                                                                                               \
}                                                                                                   \
                                                                                                    \
ATTR static void columns_##SUFFIX(int64_t M, int64_t K, int64_t N, int64_t lo, int64_t hi,          \
                                  const float *x, int64_t ldx, const TYPE *panels, float beta,      \
                                  float *y, int64_t ldy) {                                          \
    const int64_t tiles = (M + MAX_TILE_ROWS - 1) / MAX_TILE_ROWS;                                  \
    for (int64_t n = lo; n < hi; n += 16) {                                                         \
        const TYPE *panel = panels + n * K;                                                         \
        const int64_t cols = N - n < 16 ? N - n : 16;                                               \
        int64_t row = 0;                                                                            \
        for (int64_t t = 0; t < tiles; t++) {                                                       \
            const int64_t end = M * (t + 1) / tiles;                                                \
            const float *xt = x + row * ldx;                                                        \
            float *yt = y + row * ldy + n;                                                          \
            switch (end - row) {                                                                    \
            case 6: tile_##SUFFIX(6, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
            case 5: tile_##SUFFIX(5, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
            case 4: tile_##SUFFIX(4, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
            case 3: tile_##SUFFIX(3, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
            case 2: tile_##SUFFIX(2, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
            default: tile_##SUFFIX(1, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
            }                                                                                       \
            row = end;                                                                              \
        }                                                                                           \
    }                                                                                               \
}

DEFINE_SMALL_N(f32, float, LOAD_F32, __attribute__((target("avx2,fma"))))
DEFINE_SMALL_N(f16, uint16_t, LOAD_F16, __attribute__((target("avx2,fma,f16c"))))

// AVX-512: a tile of up to 12 streams by one or two 16-column panels (one
// 512-bit vector per panel row, up to 24 accumulators), so 8 streams are one
// tile and each row of W is loaded once per call for all of them; X is
// broadcast from memory into the fused multiply-adds. A tile of at most 6
// streams (a block of streams stepped by one thread) takes up to four panels
// at once, so each broadcast of X feeds 4 multiply-adds rather than 2 (with
// two panels, 4 streams ran at 85% of the 8-stream tile's speed per
// multiply-add in `sample --num 8`). Per lane the same chain as above (beta·Y,
// then k = 0, 1, … in order), so the same bits. The last panel's lanes past
// `cols` are masked on load and store.
#define MAX_TILE_ROWS_512 12
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
#define LOAD512_F32(p) _mm512_loadu_ps(p)
#define LOAD512_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))

// The tile for end - row streams, R and NP constants (the accumulators stay in registers).
#define TILE512_CASES_UP_TO_6(SUFFIX, NP)                                                           \
    switch (end - row) {                                                                            \
    case 6: tile512_##SUFFIX(6, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 5: tile512_##SUFFIX(5, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 4: tile512_##SUFFIX(4, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 3: tile512_##SUFFIX(3, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 2: tile512_##SUFFIX(2, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    default: tile512_##SUFFIX(1, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;                \
    }
#define TILE512_CASES(SUFFIX, NP)                                                                   \
    switch (end - row) {                                                                            \
    case 12: tile512_##SUFFIX(12, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 11: tile512_##SUFFIX(11, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 10: tile512_##SUFFIX(10, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 9: tile512_##SUFFIX(9, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 8: tile512_##SUFFIX(8, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    case 7: tile512_##SUFFIX(7, NP, K, xt, ldx, panel, beta, yt, ldy, cols); break;               \
    default: TILE512_CASES_UP_TO_6(SUFFIX, NP) break;                                               \
    }

#define DEFINE_SMALL_N_512(SUFFIX, TYPE, LOAD)                                                      \
AVX512_TARGET static inline __attribute__((always_inline))                                          \
void tile512_##SUFFIX(const int R, const int NP, int64_t K, const float *x, int64_t ldx,            \
                      const TYPE *panel, float beta, float *y, int64_t ldy, int64_t cols) {         \
    __m512 a[MAX_TILE_ROWS_512][4];                                                                 \
    __mmask16 mask[4];                                                                              \
    for (int q = 0; q < NP; q++) {                                                                  \
        const int64_t left = cols - 16 * q;                                                         \
        mask[q] = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);                   \
    }                                                                                               \
    for (int r = 0; r < R; r++)                                                                     \
        for (int q = 0; q < NP; q++)                                                                \
            a[r][q] = beta == 0 ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask[q], y + r * ldy + 16 * q); \
    const TYPE *w0 = panel, *w1 = panel + 16 * K, *w2 = panel + 32 * K, *w3 = panel + 48 * K;       \
    for (int64_t k = 0; k < K; k++) {                                                               \
        const __m512 v0 = LOAD(w0 + 16 * k);                                                        \
        const __m512 v1 = NP > 1 ? LOAD(w1 + 16 * k) : v0;                                          \
        const __m512 v2 = NP > 2 ? LOAD(w2 + 16 * k) : v0;                                          \
        const __m512 v3 = NP > 3 ? LOAD(w3 + 16 * k) : v0;                                          \
        for (int r = 0; r < R; r++) {                                                               \
            const __m512 xr = _mm512_set1_ps(x[r * ldx + k]);                                       \
            a[r][0] = _mm512_fmadd_ps(xr, v0, a[r][0]);                                             \
            if (NP > 1) a[r][1] = _mm512_fmadd_ps(xr, v1, a[r][1]);                                 \
            if (NP > 2) a[r][2] = _mm512_fmadd_ps(xr, v2, a[r][2]);                                 \
            if (NP > 3) a[r][3] = _mm512_fmadd_ps(xr, v3, a[r][3]);                                 \
        }                                                                                           \
    }                                                                                               \
    for (int r = 0; r < R; r++)                                                                     \
        for (int q = 0; q < NP; q++) _mm512_mask_storeu_ps(y + r * ldy + 16 * q, mask[q], a[r][q]); \
}                                                                                                   \
                                                                                                    \
AVX512_TARGET static void columns512_##SUFFIX(int64_t M, int64_t K, int64_t N, int64_t lo, int64_t hi, \
                                              const float *x, int64_t ldx, const TYPE *panels,      \
                                              float beta, float *y, int64_t ldy) {                  \
    const int64_t tiles = (M + MAX_TILE_ROWS_512 - 1) / MAX_TILE_ROWS_512;                          \
    const int64_t widest = M <= 6 ? 4 : 2;   /* panels per tile: at most 24 accumulators */         \
    for (int64_t n = lo; n < hi; n += 16 * widest) {                                                \
        const TYPE *panel = panels + n * K;                                                         \
        const int64_t left = (hi - n + 15) / 16;                                                    \
        const int np = (int)(left < widest ? left : widest);                                        \
        const int64_t cols = N - n < 16 * np ? N - n : 16 * np;                                     \
        int64_t row = 0;                                                                            \
        for (int64_t t = 0; t < tiles; t++) {                                                       \
            const int64_t end = M * (t + 1) / tiles;                                                \
            const float *xt = x + row * ldx;                                                        \
            float *yt = y + row * ldy + n;                                                          \
            switch (np) {                                                                           \
            case 4: TILE512_CASES_UP_TO_6(SUFFIX, 4) break;                                         \
            case 3: TILE512_CASES_UP_TO_6(SUFFIX, 3) break;                                         \
            case 2: TILE512_CASES(SUFFIX, 2) break;                                                 \
            default: TILE512_CASES(SUFFIX, 1) break;                                                \
            }                                                                                       \
            row = end;                                                                              \
        }                                                                                           \
    }                                                                                               \
}

DEFINE_SMALL_N_512(f32, float, LOAD512_F32)
DEFINE_SMALL_N_512(f16, uint16_t, LOAD512_F16)

#endif

int64_t ck_small_n_panels_size(int64_t K, int64_t N) { return K * ((N + 15) / 16) * 16; }

void ck_small_n_pack(int half, int64_t K, int64_t N, const void *W, int64_t ldw, void *panels) {
    const size_t size = half ? sizeof(uint16_t) : sizeof(float);
    const char *w = W;
    char *out = panels;
    for (int64_t p = 0; p < (N + 15) / 16; p++) {
        const int64_t cols = N - p * 16 < 16 ? N - p * 16 : 16;
        for (int64_t k = 0; k < K; k++) {
            char *row = out + (p * K + k) * 16 * size;
            memcpy(row, w + (k * ldw + p * 16) * size, (size_t)cols * size);
            memset(row + cols * size, 0, (size_t)(16 - cols) * size);   // +0.0 in both formats
        }
    }
}
void ck_gemm_small_n_rows(int half, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                          const void *W, int64_t ldw, float beta, float *Y, int64_t ldy) {
    for (int64_t m = 0; m < M; m++) {
        if (half) ck_gemv_f16(K, N, W, ldw, X + m * ldx, beta, Y + m * ldy);
        else ck_gemv_f32(K, N, W, ldw, X + m * ldx, beta, Y + m * ldy);
    }
}

/// One product, its columns cut into chunks of `width` (a multiple of 16).
struct job {
    int level, half;
    int64_t M, K, N, width;
    const float *X;
    int64_t ldx;
    const void *panels, *W;
    int64_t ldw;
    float beta;
    float *Y;
    int64_t ldy;
};

static int has_f16c(void) {
    static int f16c = -1;
    if (f16c < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        f16c = __builtin_cpu_supports("f16c");
#else
        f16c = 0;
#endif
    }
    return f16c;
}

static void run_chunk(void *context, int64_t chunk) {
    const struct job *j = context;
    int64_t lo = chunk * j->width, hi = lo + j->width < j->N ? lo + j->width : j->N;
#if defined(__x86_64__)
    if (j->level >= CK_SIMD_AVX512) {
        if (j->half) columns512_f16(j->M, j->K, j->N, lo, hi, j->X, j->ldx, j->panels, j->beta, j->Y, j->ldy);
        else columns512_f32(j->M, j->K, j->N, lo, hi, j->X, j->ldx, j->panels, j->beta, j->Y, j->ldy);
        return;
    }
    if (j->level >= CK_SIMD_AVX2 && (!j->half || has_f16c())) {
        if (j->half) columns_f16(j->M, j->K, j->N, lo, hi, j->X, j->ldx, j->panels, j->beta, j->Y, j->ldy);
        else columns_f32(j->M, j->K, j->N, lo, hi, j->X, j->ldx, j->panels, j->beta, j->Y, j->ldy);
        return;
    }
#endif
    const void *w = j->half ? (const void *)((const uint16_t *)j->W + lo) : (const void *)((const float *)j->W + lo);
    ck_gemm_small_n_rows(j->half, j->M, j->K, hi - lo, j->X, j->ldx, w, j->ldw, j->beta, j->Y + lo, j->ldy);
}

/// Multiply-adds below which a product runs on the calling thread alone
/// (handing half of it to the worker costs a few microseconds).
#define SPLIT_THRESHOLD (1 << 16)

static void run(int level, ck_work_pool *pool, int half, int64_t M, int64_t K, int64_t N, const float *X,
                int64_t ldx, const void *panels, const void *W, int64_t ldw, float beta, float *Y, int64_t ldy) {
    if (M <= 0 || N <= 0) return;
    // About 8 chunks of whole 16-column tiles (32 with AVX-512): enough for
    // the caller to take the worker's share when the worker is not running.
    const int64_t unit = level >= CK_SIMD_AVX512 ? 32 : 16;
    int64_t width = (N / 8 + unit - 1) / unit * unit;
    if (width < unit) width = unit;
    if (!pool || M * K * N < SPLIT_THRESHOLD) width = N;
    struct job j = { level, half, M, K, N, width, X, ldx, panels, W, ldw, beta, Y, ldy };
    int64_t chunks = (N + width - 1) / width;
    if (chunks == 1) run_chunk(&j, 0);
    else ck_work_pool_run(pool, chunks, run_chunk, &j);
}

int ck_gemm_small_n_variant(int level, ck_work_pool *pool, int half, int64_t M, int64_t K, int64_t N,
                            const float *X, int64_t ldx, const void *panels, const void *W, int64_t ldw,
                            float beta, float *Y, int64_t ldy) {
    if (level > ck_simd_level()) return 0;
    run(level, pool, half, M, K, N, X, ldx, panels, W, ldw, beta, Y, ldy);
    return 1;
}

void ck_gemm_small_n_f32(ck_work_pool *pool, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                         const float *panels, const float *W, int64_t ldw, float beta, float *Y, int64_t ldy) {
    run(ck_simd_level(), pool, 0, M, K, N, X, ldx, panels, W, ldw, beta, Y, ldy);
}

void ck_gemm_small_n_f16(ck_work_pool *pool, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                         const uint16_t *panels, const uint16_t *W, int64_t ldw, float beta, float *Y, int64_t ldy) {
    run(ck_simd_level(), pool, 1, M, K, N, X, ldx, panels, W, ldw, beta, Y, ldy);
}
