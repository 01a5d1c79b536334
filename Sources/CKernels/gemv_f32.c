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
// on AVX2+FMA), so a binary16-exact matrix gives the same bits either way
// (y holds the partial sums between passes; storing a float rounds nothing).
#include "ckernels.h"
#include <immintrin.h>

#if defined(__x86_64__)

__attribute__((target("avx2,fma")))
static void gemv_f32_avx2(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y) {
    // Four rows of W at a time, streamed from start to end (sequential reads
    // the prefetchers follow; y, at most a few KiB, stays in L1). Going down
    // 64-column strips instead read W in strides of a row and ran at half the
    // bandwidth once W outgrew L2 (H = 512: 20 against 45 GB/s).
    if (beta == 0) for (int64_t n = 0; n < N; n++) y[n] = 0;
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
        const float *w0 = W + k * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        const __m256 x0 = _mm256_broadcast_ss(x + k), x1 = _mm256_broadcast_ss(x + k + 1);
        const __m256 x2 = _mm256_broadcast_ss(x + k + 2), x3 = _mm256_broadcast_ss(x + k + 3);
        int64_t n = 0;
        for (; n + 8 <= N; n += 8) {
            __m256 a = _mm256_loadu_ps(y + n);
            a = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + n), a);
            a = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + n), a);
            a = _mm256_fmadd_ps(x2, _mm256_loadu_ps(w2 + n), a);
            a = _mm256_fmadd_ps(x3, _mm256_loadu_ps(w3 + n), a);
            _mm256_storeu_ps(y + n, a);
        }
        for (; n < N; n++) {
            float a = y[n];
            a = __builtin_fmaf(x[k], w0[n], a);
            a = __builtin_fmaf(x[k + 1], w1[n], a);
            a = __builtin_fmaf(x[k + 2], w2[n], a);
            a = __builtin_fmaf(x[k + 3], w3[n], a);
            y[n] = a;
        }
    }
    for (; k < K; k++) {
        const float *w = W + k * ldw;
        const __m256 xk = _mm256_broadcast_ss(x + k);
        int64_t n = 0;
        for (; n + 8 <= N; n += 8) _mm256_storeu_ps(y + n, _mm256_fmadd_ps(xk, _mm256_loadu_ps(w + n), _mm256_loadu_ps(y + n)));
        for (; n < N; n++) y[n] = __builtin_fmaf(x[k], w[n], y[n]);
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
