// The LSTM cell's element-wise maths for one time step, over a block of
// streams. Swift's versions of these loops ran scalar (the gate row is read
// and written through one pointer, and its index arithmetic is
// overflow-checked): the backward alone took 6.6% of the training cycles at
// hidden 128. Here the four gate blocks of a row are separate restrict
// pointers, so the loops vectorise. Compiled for AVX2+FMA and for baseline
// x86-64 (and AVX-512), chosen at run time; σ and tanh are ckernels.c's.
#include "ckernels.h"

// Both run over the units [u0, u1) of every row, so threads can take the
// streams (all units) or blocks of units (all streams): each element's maths
// is the same either way.
//
// Gate order i, f, o, g. For each row b and unit j (see LSTMLayer.swift):
//   dc' = dc + dh·o·(1 - tanh²(c'))      do = dh·tanh(c')
//   di = dc'·g   df = dc'·c   dg = dc'·i   dc (to step t-1) = dc'·f
//   and through σ' = s(1 - s), tanh' = 1 - t², in place of the activations.
#define DEFINE_LSTM_BACKWARD(SUFFIX, ATTR)                                                        \
ATTR static inline __attribute__((always_inline))                                                 \
void lstm_backward_row_##SUFFIX(int64_t n, float *restrict gi, float *restrict gf,                \
        float *restrict go, float *restrict gg, const float *restrict dh, float *restrict dc,     \
        const float *restrict c_prev, const float *restrict tanh_c) {                             \
    for (int64_t j = 0; j < n; j++) {                                                             \
        float i = gi[j], f = gf[j], o = go[j], g = gg[j], tc = tanh_c[j];                         \
        float dcj = dc[j] + dh[j] * o * (1 - tc * tc);                                            \
        float dO = dh[j] * tc;                                                                    \
        float dI = dcj * g, dF = dcj * c_prev[j], dG = dcj * i;                                   \
        dc[j] = dcj * f;                                                                          \
        gi[j] = dI * i * (1 - i);                                                                 \
        gf[j] = dF * f * (1 - f);                                                                 \
        go[j] = dO * o * (1 - o);                                                                 \
        gg[j] = dG * (1 - g * g);                                                                 \
    }                                                                                             \
}                                                                                                 \
ATTR static void lstm_backward_units_##SUFFIX(int64_t rows, int64_t H, int64_t u0, int64_t u1,    \
        float *gates, const float *dh, float *dc, const float *c_prev, const float *tanh_c) {     \
    for (int64_t b = 0; b < rows; b++) {                                                          \
        float *row = gates + b * 4 * H + u0;                                                      \
        int64_t at = b * H + u0;                                                                  \
        lstm_backward_row_##SUFFIX(u1 - u0, row, row + H, row + 2 * H, row + 3 * H, dh + at,      \
                                   dc + at, c_prev + at, tanh_c + at);                            \
    }                                                                                             \
}

// Forward, for each row and unit j in [u0, u1): σ over i, f, o and tanh over g
// in place, then c' = f⊙c + i⊙g, tanh(c') into tanh_c, h' = o⊙tanh(c').
#define DEFINE_LSTM_FORWARD(SUFFIX, ATTR)                                                         \
ATTR static inline __attribute__((always_inline))                                                 \
void lstm_cell_row_##SUFFIX(int64_t n, const float *restrict gi, const float *restrict gf,        \
        const float *restrict gg, const float *restrict c_prev, float *restrict c_next) {         \
    for (int64_t j = 0; j < n; j++) c_next[j] = gf[j] * c_prev[j] + gi[j] * gg[j];                \
}                                                                                                 \
ATTR static inline __attribute__((always_inline))                                                 \
void lstm_hidden_row_##SUFFIX(int64_t n, const float *restrict go, const float *restrict tc,      \
        float *restrict h_next) {                                                                 \
    for (int64_t j = 0; j < n; j++) h_next[j] = go[j] * tc[j];                                    \
}                                                                                                 \
ATTR static void lstm_forward_units_##SUFFIX(int64_t rows, int64_t H, int64_t u0, int64_t u1,     \
        float *gates, const float *c_prev, float *c_next, float *tanh_c, float *h_next) {         \
    int64_t n = u1 - u0;                                                                          \
    for (int64_t b = 0; b < rows; b++) {                                                          \
        float *row = gates + b * 4 * H + u0;                                                      \
        int64_t at = b * H + u0;                                                                  \
        ck_sigmoid(row, n);                                                                       \
        ck_sigmoid(row + H, n);                                                                   \
        ck_sigmoid(row + 2 * H, n);                                                               \
        ck_tanh(row + 3 * H, n);                                                                  \
        lstm_cell_row_##SUFFIX(n, row, row + H, row + 3 * H, c_prev + at, c_next + at);           \
        ck_tanh_to(tanh_c + at, c_next + at, n);                                                  \
        lstm_hidden_row_##SUFFIX(n, row + 2 * H, tanh_c + at, h_next + at);                       \
    }                                                                                             \
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))
DEFINE_LSTM_FORWARD(avx512, AVX512)
DEFINE_LSTM_FORWARD(avx2, __attribute__((target("avx2,fma"))))
DEFINE_LSTM_FORWARD(base, )

DEFINE_LSTM_BACKWARD(avx512, AVX512)
DEFINE_LSTM_BACKWARD(avx2, __attribute__((target("avx2,fma"))))
DEFINE_LSTM_BACKWARD(base, )

void ck_lstm_forward_units(int64_t rows, int64_t H, int64_t u0, int64_t u1, float *gates, const float *c_prev,
                           float *c_next, float *tanh_c, float *h_next) {
    switch (ck_simd_level()) {
    case CK_SIMD_AVX512: lstm_forward_units_avx512(rows, H, u0, u1, gates, c_prev, c_next, tanh_c, h_next); break;
    case CK_SIMD_AVX2: lstm_forward_units_avx2(rows, H, u0, u1, gates, c_prev, c_next, tanh_c, h_next); break;
    default: lstm_forward_units_base(rows, H, u0, u1, gates, c_prev, c_next, tanh_c, h_next); break;
    }
}

void ck_lstm_backward_units(int64_t rows, int64_t H, int64_t u0, int64_t u1, float *gates, const float *dh,
                            float *dc, const float *c_prev, const float *tanh_c) {
    switch (ck_simd_level()) {
    case CK_SIMD_AVX512: lstm_backward_units_avx512(rows, H, u0, u1, gates, dh, dc, c_prev, tanh_c); break;
    case CK_SIMD_AVX2: lstm_backward_units_avx2(rows, H, u0, u1, gates, dh, dc, c_prev, tanh_c); break;
    default: lstm_backward_units_base(rows, H, u0, u1, gates, dh, dc, c_prev, tanh_c); break;
    }
}
