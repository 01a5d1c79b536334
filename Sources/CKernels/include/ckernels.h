// ckernels: vectorised element-wise kernels for the recurrent cells and the softmax.
//
// No stable API: called only from CharLSTM (BLASScalar+Float). Each kernel is
// compiled twice, for AVX2+FMA and for baseline x86-64, and the variant is
// chosen once at run time from the CPU's features. exp uses a Cephes-style
// polynomial (max relative error ≈ 2e-7 over the clamped range); tanh a
// rational approximation (max error ≈ 3e-7) and σ(x) = (1 + tanh(x/2)) / 2,
// so all three agree with libm to ~3e-7.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stdint.h>
#include "gemv_pair.h"
#include "work_pool.h"
#include "gemm_small_n.h"

/// The instruction sets charlstm's own kernels choose from at run time.
enum { CK_SIMD_BASELINE = 0, CK_SIMD_AVX2 = 1, CK_SIMD_AVX512 = 2 };
/// The best this CPU (and its OS) supports: AVX-512 means F, BW, DQ and VL
/// (with FMA); AVX2 means AVX2 and FMA. Checked once. CHARLSTM_SIMD=avx2 or
/// baseline caps it (for comparisons; a level the CPU lacks is never chosen).
int ck_simd_level(void);
/// "avx512", "avx2" or "baseline".
const char *ck_simd_name(int level);

/// x[i] = exp(x[i]) for i < n.
void ck_exp(float *x, int64_t n);
/// x[i] = 1 / (1 + exp(-x[i])) for i < n.
void ck_sigmoid(float *x, int64_t n);
/// x[i] = tanh(x[i]) for i < n.
void ck_tanh(float *x, int64_t n);
/// y[i] = tanh(x[i]) for i < n (x and y may alias).
void ck_tanh_to(float *y, const float *x, int64_t n);
/// Rows of an (rows, cols) matrix: x[r, c] -= m_r, then exp; returns nothing,
/// writes each row's maximum into maxOut[r] and sum of exps into sumOut[r].
void ck_softmax_rows(float *x, int64_t rows, int64_t cols, float *maxOut, float *sumOut);

/// y (N) = beta·y + xᵀ·W for W (K, N) row-major with row stride ldw, stored as
/// IEEE binary16 and widened on the fly (F16C when available); x (K) and y in
/// binary32, accumulated in binary32. beta is 0 or 1.
void ck_gemv_f16(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, const float *x, float beta, float *y);
/// Halves in the full 64-column strips of W (K, N): K · (N / 64) · 64.
int64_t ck_f16_strips_size(int64_t K, int64_t N);
/// Copies the full 64-column strips of W (K, N; row stride ldw), strip after
/// strip: strip s holds rows 0..<K of columns [64s, 64s + 64), each row's 64
/// halves contiguous.
void ck_f16_to_strips(int64_t K, int64_t N, const uint16_t *W, int64_t ldw, uint16_t *strips);
/// ck_gemv_f16, bit for bit, reading the full strips from `strips` (made by
/// ck_f16_to_strips from W) and the last N % 64 columns from W.
void ck_gemv_f16_strips(int64_t K, int64_t N, const uint16_t *strips, const uint16_t *W, int64_t ldw,
                        const float *x, float beta, float *y);
/// y (N) = beta·y + xᵀ·W for W (K, N) row-major with row stride ldw, all binary32
/// (AVX2+FMA when available); beta is 0 or 1. Each y[n] is summed over k in order.
void ck_gemv_f32(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y);
/// ck_gemv_f32's code for CPUs without AVX2+FMA (exposed so tests run it everywhere).
void ck_gemv_f32_portable(int64_t K, int64_t N, const float *W, int64_t ldw, const float *x, float beta, float *y);
/// dst[i] = binary16(src[i]) (round to nearest even), for i < n.
void ck_f32_to_f16(uint16_t *dst, const float *src, int64_t n);
/// dst[i] = binary32(src[i]) (exact; F16C when available), for i < n.
void ck_f16_to_f32(float *dst, const uint16_t *src, int64_t n);

/// The LSTM cell's forward through one time step for `rows` streams and the
/// hidden units [u0, u1) (lstm_cell.c): gates (rows, 4H) holds the
/// pre-activations of i, f, o, g plus h_{t-1}·Wh on entry and their activations
/// on return; c_next (rows, H) = f⊙c_prev + i⊙g, tanh_c (rows, H) =
/// tanh(c_next), h_next (rows, H) = o⊙tanh_c. Only the units' columns are read
/// or written. No argument may overlap another.
void ck_lstm_forward_units(int64_t rows, int64_t H, int64_t u0, int64_t u1, float *gates, const float *c_prev,
                           float *c_next, float *tanh_c, float *h_next);
/// The LSTM cell's backward through one time step for `rows` streams and the
/// hidden units [u0, u1) (lstm_cell.c): gates (rows, 4H) holds the activations
/// i, f, o, g and is overwritten with the gradients of their pre-activations;
/// dh (rows, H) is dL/dh_t, dc (rows, H) dL/dc_t from step t+1 on entry and
/// dL/dc_{t-1} on return; c_prev (rows, H) is c_{t-1} and tanh_c (rows, H)
/// tanh(c_t). Only the units' columns are read or written. No argument may
/// overlap another.
void ck_lstm_backward_units(int64_t rows, int64_t H, int64_t u0, int64_t u1, float *gates, const float *dh,
                            float *dc, const float *c_prev, const float *tanh_c);
/// Floats needed to pack op(B) (k, n) for ck_gemm_packed: k · ceil(n/16) · 16.
int64_t ck_packed_size(int64_t k, int64_t n);
/// Packs op(B) (k, n) into 16-column panels (zero-padded): op(B) = B (k, n) with
/// row stride ldb, or Bᵀ of B (n, k) when trans_b.
void ck_pack_b(int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *out);
/// The same for panels first..<end only (panel p: columns [16p, 16p + 16)),
/// so threads can pack disjoint panels.
void ck_pack_b_panels(int trans_b, int64_t k, int64_t n, const float *b, int64_t ldb, float *out,
                      int64_t first, int64_t end);
/// C (m, n) = [C +] A (m, k) · op(B), op(B) packed by ck_pack_b; accumulate is 0
/// or 1. Every C[i, j] is summed over k in order, whatever m, so splitting the
/// rows of A across threads does not change any result (AVX2+FMA when available).
void ck_gemm_packed(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                    const float *packed, float *c, int64_t ldc, int accumulate);
/// ck_gemm_packed with the kernel of one SIMD level (CK_SIMD_*), for tests:
/// returns 0 without computing when the CPU lacks that level, else 1. Every
/// level gives the same bits.
int ck_gemm_packed_variant(int level, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                           const float *packed, float *c, int64_t ldc, int accumulate);
/// ck_gemm_packed's code for CPUs without AVX2+FMA (exposed so tests run it everywhere).
void ck_gemm_packed_portable(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                             const float *packed, float *c, int64_t ldc, int accumulate);

/// Whether ck_crc32_fold can run (x86 with PCLMULQDQ and SSE4.1), checked once.
int ck_crc32_has_clmul(void);
/// Advances a raw CRC-32 state (IEEE, reflected 0xEDB88320; no initial or final
/// inversion: the state of zlib's crc32 is ~crc) over n bytes at p by carry-less
/// multiplication. Requires ck_crc32_has_clmul(), n ≥ 64 and n a multiple of 16; any alignment.
uint32_t ck_crc32_fold(uint32_t state, const uint8_t *p, int64_t n);

#endif
