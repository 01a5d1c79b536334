// Single-precision GEMV for batch-1 inference: y (N) = beta·y + xᵀ·W.
//
// One stream stepping a small model is a chain of matrix-vector products
// (`[x, h] · [W_x; W_h]` per layer, `h · W_y` for the logits): bound by
// reading W once, and far too small for BLAS's call overhead and packing to
// pay. Doing them here also means `predict`, `sample` and `score` at batch 1
// never load OpenBLAS (COpenBLAS loads it on the first BLAS call), which
// saves ~2 ms of every short process.
//
// The same shape as ck_gemv_f16, and the same summation order: every y[n] is
// beta·y[n] + x[0]·W[0,n] + x[1]·W[1,n] + … in that order (fused multiply-adds
// on AVX2+FMA), so a binary16-exact matrix gives the same bits either way.
#include "ckernels.h"
#include <immintrin.h>

#if defined(__x86_64__)

__attribute__((target("avx2,fma")))
static void gemv_f32_avx2(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y) {
    int64_t n = 0;
    // 64 columns at a time: 8 independent accumulators keep both FMA pipes busy.
    for (; n + 64 <= N; n += 64) {
        __m256 a[8];
        for (int i = 0; i < 8; i++) a[i] = beta != 0 ? _mm256_loadu_ps(y + n + 8 * i) : _mm256_setzero_ps();
        const float *w = W + n;
        for (int64_t k = 0; k < K; k++, w += ldw) {
            __m256 xv = _mm256_broadcast_ss(x + k);
            for (int i = 0; i < 8; i++) a[i] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + 8 * i), a[i]);
        }
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(y + n + 8 * i, a[i]);
    }
    for (; n + 8 <= N; n += 8) {
        __m256 a = beta != 0 ? _mm256_loadu_ps(y + n) : _mm256_setzero_ps();
        const float *w = W + n;
        for (int64_t k = 0; k < K; k++, w += ldw) a = _mm256_fmadd_ps(_mm256_broadcast_ss(x + k), _mm256_loadu_ps(w), a);
        _mm256_storeu_ps(y + n, a);
    }
    for (; n < N; n++) {
        float s = beta != 0 ? y[n] : 0;
        for (int64_t k = 0; k < K; k++) s = __builtin_fmaf(x[k], W[k * ldw + n], s);
        y[n] = s;
    }
}

#endif

void ck_gemv_f32_portable(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y) {
    // Row by row: each pass is an axpy over y, which the compiler vectorises
    // for the baseline ISA; per column the order of the sum is the same.
    if (beta == 0) for (int64_t n = 0; n < N; n++) y[n] = 0;
    for (int64_t k = 0; k < K; k++) {
        const float *w = W + k * ldw;
        float xk = x[k];
        for (int64_t n = 0; n < N; n++) y[n] += xk * w[n];
    }
}

void ck_gemv_f32(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y) {
#if defined(__x86_64__)
    static int use_avx2 = -1;
    if (use_avx2 < 0) {
        __builtin_cpu_init();
        use_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (use_avx2) { gemv_f32_avx2(K, N, W, ldw, x, beta, y); return; }
#endif
    ck_gemv_f32_portable(K, N, W, ldw, x, beta, y);
}
