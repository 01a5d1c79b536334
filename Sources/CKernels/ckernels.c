// Vectorisable exp / sigmoid / tanh. Bodies are written once as static inline
// functions of plain loops that clang auto-vectorises; two copies are emitted
// (AVX2+FMA, baseline) and a resolver picks one at first call.
#include "ckernels.h"
#include <math.h>
#include <string.h>
#include <immintrin.h>

#define LOG2E 1.44269504088896341f
#define C1 0.693359375f
#define C2 -2.12194440e-4f

#define DEFINE_KERNELS(SUFFIX, ATTR)                                              \
ATTR static inline float expf_##SUFFIX(float x) {                                 \
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);                            \
    float n = __builtin_floorf(x * LOG2E + 0.5f);                                 \
    float r = x - n * C1 - n * C2;                                                \
    float p = 1.9875691500e-4f;                                                   \
    p = p * r + 1.3981999507e-3f;                                                 \
    p = p * r + 8.3334519073e-3f;                                                 \
    p = p * r + 4.1665795894e-2f;                                                 \
    p = p * r + 1.6666665459e-1f;                                                 \
    p = p * r + 5.0000001201e-1f;                                                 \
    p = p * r * r + r + 1.0f;                                                     \
    int32_t bits = ((int32_t)n + 127) << 23;                                      \
    float scale;                                                                  \
    memcpy(&scale, &bits, sizeof scale);                                          \
    return p * scale;                                                             \
}                                                                                 \
ATTR static void exp_##SUFFIX(float *restrict x, int64_t n) {                     \
    for (int64_t i = 0; i < n; i++) x[i] = expf_##SUFFIX(x[i]);                   \
}                                                                                 \
ATTR static inline float tanhf_##SUFFIX(float v) {                               \
    /* Rational minimax approximation on [-7.9053, 7.9053] (beyond it tanh     \
       rounds to ±1 in binary32): x·P(x²)/Q(x²), the form and coefficients of  \
       Eigen's float tanh. Max abs/rel error ≈ 3e-7 (tested against libm).     \
       Branch-free, so the loops below vectorise. */                           \
    const float lim = 7.90531110763549805f;                                       \
    float sat = v < 0 ? -1.0f : 1.0f;                                             \
    int saturated = v < -9.0f || v > 9.0f; /* |tanh| rounds to 1 past 9 */        \
    v = v < -lim ? -lim : (v > lim ? lim : v);                                    \
    float x2 = v * v;                                                             \
    float p = -2.76076847742355e-16f;                                             \
    p = p * x2 + 2.00018790482477e-13f;                                           \
    p = p * x2 + -8.60467152213735e-11f;                                          \
    p = p * x2 + 5.12229709037114e-08f;                                           \
    p = p * x2 + 1.48572235717979e-05f;                                           \
    p = p * x2 + 6.37261928875436e-04f;                                           \
    p = p * x2 + 4.89352455891786e-03f;                                           \
    float q = 1.19825839466702e-06f;                                              \
    q = q * x2 + 1.18534705686654e-04f;                                           \
    q = q * x2 + 2.26843463243900e-03f;                                           \
    q = q * x2 + 4.89352518554385e-03f;                                           \
    float r = v * p / q;                                                          \
    return saturated ? sat : r;                                                   \
}                                                                                 \
ATTR static void sigmoid_##SUFFIX(float *restrict x, int64_t n) {                 \
    /* σ(x) = (1 + tanh(x/2)) / 2: no exp, no overflow. */                       \
    for (int64_t i = 0; i < n; i++) x[i] = 0.5f + 0.5f * tanhf_##SUFFIX(0.5f * x[i]); \
}                                                                                 \
ATTR static void tanh_to_##SUFFIX(float *y, const float *x, int64_t n) {          \
    for (int64_t i = 0; i < n; i++) y[i] = tanhf_##SUFFIX(x[i]);                  \
}                                                                                 \
ATTR static void tanh_##SUFFIX(float *restrict x, int64_t n) {                    \
    /* In place: `restrict` lets this loop vectorise (tanh_to's runtime alias   \
       check sends y == x down the scalar loop); the same operations per       \
       element, so the same bits (checked over every non-NaN binary32). */      \
    for (int64_t i = 0; i < n; i++) x[i] = tanhf_##SUFFIX(x[i]);                  \
}                                                                                 \
ATTR static void softmax_rows_##SUFFIX(float *x, int64_t rows, int64_t cols,      \
                                       float *maxOut, float *sumOut) {            \
    for (int64_t r = 0; r < rows; r++) {                                          \
        float *row = x + r * cols;                                                \
        float m = row[0];                                                         \
        for (int64_t c = 1; c < cols; c++) m = row[c] > m ? row[c] : m;           \
        float s = 0;                                                              \
        for (int64_t c = 0; c < cols; c++) {                                      \
            float e = expf_##SUFFIX(row[c] - m);                                  \
            row[c] = e;                                                           \
            s += e;                                                               \
        }                                                                         \
        maxOut[r] = m;                                                            \
        sumOut[r] = s;                                                            \
    }                                                                             \
}

DEFINE_KERNELS(avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))))
DEFINE_KERNELS(avx2, __attribute__((target("avx2,fma"))))
DEFINE_KERNELS(base, )

// The variant for ck_simd_level(): each computes the same operations per element.
#define DISPATCH(NAME, ...)                                                        \
    switch (ck_simd_level()) {                                                    \
    case CK_SIMD_AVX512: NAME##_avx512(__VA_ARGS__); break;                       \
    case CK_SIMD_AVX2: NAME##_avx2(__VA_ARGS__); break;                           \
    default: NAME##_base(__VA_ARGS__); break;                                     \
    }

void ck_exp(float *x, int64_t n) { DISPATCH(exp, x, n) }
void ck_sigmoid(float *x, int64_t n) { DISPATCH(sigmoid, x, n) }
void ck_tanh(float *x, int64_t n) { DISPATCH(tanh, x, n) }
void ck_tanh_to(float *y, const float *x, int64_t n) {
    if (y == x) { DISPATCH(tanh, y, n) } else { DISPATCH(tanh_to, y, x, n) }
}
void ck_softmax_rows(float *x, int64_t rows, int64_t cols, float *maxOut, float *sumOut) {
    DISPATCH(softmax_rows, x, rows, cols, maxOut, sumOut)
}

// ---------------------------------------------------------------------------
// Half-precision weights for batch-1 inference: the matrix-vector products of
// sampling are bound by memory bandwidth, and binary16 halves the bytes read.

__attribute__((target("avx2,fma,f16c")))
static void gemv_f16_avx2(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, const float *x, float beta, float *y) {
    int64_t n = 0;
    for (; n + 64 <= N; n += 64) {
        __m256 a[8];
        for (int i = 0; i < 8; i++) a[i] = beta != 0 ? _mm256_loadu_ps(y + n + 8 * i) : _mm256_setzero_ps();
        const uint16_t *w = W + n;
        for (int64_t k = 0; k < K; k++, w += ldw) {
            __m256 xv = _mm256_broadcast_ss(x + k);
            for (int i = 0; i < 8; i++)
                a[i] = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 8 * i))), a[i]);
        }
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(y + n + 8 * i, a[i]);
    }
    for (; n + 8 <= N; n += 8) {
        __m256 a = beta != 0 ? _mm256_loadu_ps(y + n) : _mm256_setzero_ps();
        const uint16_t *w = W + n;
        for (int64_t k = 0; k < K; k++, w += ldw)
            a = _mm256_fmadd_ps(_mm256_broadcast_ss(x + k), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)w)), a);
        _mm256_storeu_ps(y + n, a);
    }
    for (; n < N; n++) {
        float s = beta != 0 ? y[n] : 0;
        for (int64_t k = 0; k < K; k++) s += x[k] * _cvtsh_ss(W[k * ldw + n]);
        y[n] = s;
    }
}

static void gemv_f16_base(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, const float *x, float beta, float *y) {
    for (int64_t n = 0; n < N; n++) if (beta == 0) y[n] = 0;
    for (int64_t k = 0; k < K; k++) {
        const _Float16 *w = (const _Float16 *)(W + k * ldw);
        float xk = x[k];
        for (int64_t n = 0; n < N; n++) y[n] += xk * (float)w[n];
    }
}

static int has_f16c(void) {
    static int use_f16c = -1;
    if (use_f16c < 0) {
        __builtin_cpu_init();
        use_f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return use_f16c;
}

void ck_gemv_f16(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, const float *x, float beta, float *y) {
    if (has_f16c()) gemv_f16_avx2(K, N, W, ldw, x, beta, y); else gemv_f16_base(K, N, W, ldw, x, beta, y);
}

// The same product with the full 64-column strips of W stored strip by strip
// (each strip's K rows of 64 halves contiguous): the strided layout reads 128
// bytes per row and jumps a whole row ahead, which the prefetchers follow
// poorly once W is out of L2; a strip is one sequential stream. Measured on
// the two layer matrices of a 2x512 LSTM (576 and 1024 by 2048), one core,
// weights in L3: 255-430 against 130-171 us per step.
int64_t ck_f16_strips_size(int64_t K, int64_t N) { return K * (N / 64) * 64; }

void ck_f16_to_strips(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, uint16_t *strips) {
    for (int64_t s = 0; s < N / 64; s++)
        for (int64_t k = 0; k < K; k++)
            memcpy(strips + (s * K + k) * 64, W + k * ldw + s * 64, 64 * sizeof(uint16_t));
}

__attribute__((target("avx2,fma,f16c")))
static void gemv_f16_strips_avx2(int64_t K, int64_t N, const uint16_t *strips, const uint16_t *W, int64_t ldw,
                                 const float *x, float beta, float *y) {
    int64_t full = N / 64 * 64;
    for (int64_t n = 0; n < full; n += 64) {
        // As gemv_f16_avx2's 64-wide loop, operation for operation.
        __m256 a[8];
        for (int i = 0; i < 8; i++) a[i] = beta != 0 ? _mm256_loadu_ps(y + n + 8 * i) : _mm256_setzero_ps();
        const uint16_t *w = strips + n * K;
        for (int64_t k = 0; k < K; k++, w += 64) {
            __m256 xv = _mm256_broadcast_ss(x + k);
            for (int i = 0; i < 8; i++)
                a[i] = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 8 * i))), a[i]);
        }
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(y + n + 8 * i, a[i]);
    }
    if (full < N) gemv_f16_avx2(K, N - full, W + full, ldw, x, beta, y + full);
}

void ck_gemv_f16_strips(int64_t K, int64_t N, const uint16_t *strips, const uint16_t *W, int64_t ldw,
                        const float *x, float beta, float *y) {
    if (has_f16c()) gemv_f16_strips_avx2(K, N, strips, W, ldw, x, beta, y);
    else gemv_f16_base(K, N, W, ldw, x, beta, y);
}

void ck_f32_to_f16(uint16_t *dst, const float *src, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        _Float16 h = (_Float16)src[i];
        memcpy(dst + i, &h, sizeof h);
    }
}

__attribute__((target("avx,f16c")))
static void f16_to_f32_f16c(float *dst, const uint16_t *src, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

void ck_f16_to_f32(float *dst, const uint16_t *src, int64_t n) {
    static int use_hw = -1;
    if (use_hw < 0) {
        __builtin_cpu_init();
        use_hw = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    }
    if (use_hw) { f16_to_f32_f16c(dst, src, n); return; }
    for (int64_t i = 0; i < n; i++) {
        _Float16 h;
        memcpy(&h, src + i, sizeof h);
        dst[i] = (float)h;
    }
}
