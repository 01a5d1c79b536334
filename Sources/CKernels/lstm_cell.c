// The LSTM cell's element-wise backward for one time step, over a block of
// streams: Swift's version of this loop ran scalar (the gate row is read and
// written through one pointer, and its index arithmetic is overflow-checked),
// and took 6.6% of the training cycles at hidden 128. Here the four gate
// blocks of a row are separate restrict pointers, so the loop vectorises.
// Compiled for AVX2+FMA and for baseline x86-64, chosen at run time.
#include "ckernels.h"

// Gate order i, f, o, g. For each row b and j < H (see LSTMLayer.swift):
//   dc' = dc + dh·o·(1 - tanh²(c'))      do = dh·tanh(c')
//   di = dc'·g   df = dc'·c   dg = dc'·i   dc (to step t-1) = dc'·f
//   and through σ' = s(1 - s), tanh' = 1 - t², in place of the activations.
#define DEFINE_LSTM_BACKWARD(SUFFIX, ATTR)                                                        \
ATTR static inline __attribute__((always_inline))                                                 \
void lstm_backward_row_##SUFFIX(int64_t H, float *restrict gi, float *restrict gf,                \
        float *restrict go, float *restrict gg, const float *restrict dh, float *restrict dc,     \
        const float *restrict c_prev, const float *restrict tanh_c) {                             \
    for (int64_t j = 0; j < H; j++) {                                                             \
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
ATTR static void lstm_backward_step_##SUFFIX(int64_t rows, int64_t H, float *gates,               \
        const float *dh, float *dc, const float *c_prev, const float *tanh_c) {                   \
    for (int64_t b = 0; b < rows; b++) {                                                          \
        float *row = gates + b * 4 * H;                                                           \
        lstm_backward_row_##SUFFIX(H, row, row + H, row + 2 * H, row + 3 * H, dh + b * H,         \
                                   dc + b * H, c_prev + b * H, tanh_c + b * H);                   \
    }                                                                                             \
}

DEFINE_LSTM_BACKWARD(avx2, __attribute__((target("avx2,fma"))))
DEFINE_LSTM_BACKWARD(base, )

void ck_lstm_backward_step(int64_t rows, int64_t H, float *gates, const float *dh, float *dc,
                           const float *c_prev, const float *tanh_c) {
    static int use_avx2 = -1;
    if (use_avx2 < 0) {
        __builtin_cpu_init();
        use_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (use_avx2) lstm_backward_step_avx2(rows, H, gates, dh, dc, c_prev, tanh_c);
    else lstm_backward_step_base(rows, H, gates, dh, dc, c_prev, tanh_c);
}
