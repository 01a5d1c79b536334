// gemm_small_n: the products of sampling a few streams at once (`sample --num N`).
//
// Dimension key: M streams (a few: 2 to about 16), K the product's depth
// (In + H for an LSTM layer, H for the logits), N its width (G·H, or V).
//
// Y (M, N) = beta·Y + X (M, K) · W (K, N), with W the model's weights. At
// M = 1 this is the GEMV of gemv_f32.c / ck_gemv_f16, bound by reading W;
// OpenBLAS's GEMM, which stepping N streams used before, packs W again on
// every call, so 8 streams cost ~14× one. Here W is copied once, when the
// model is prepared, into 16-column panels (each one sequential read; W read
// in strides of a row thrashes the caches when the row is a power of two), and
// every 16-column block of W is loaded once per call and multiplied into the
// accumulators of all M streams (up to six at a time, the rest from L1/L2
// right after), binary32 or binary16 as the model stores it.
//
// On CPUs with AVX-512 (ck_simd_level) a tile is up to 12 streams by two
// panels, so 8 streams are one tile and W is loaded once per call for all.
//
// Summation order: every Y[m, n] is summed exactly as the batch-1 GEMV sums
// it: beta·Y[m, n] + X[m, 0]·W[0, n] + X[m, 1]·W[1, n] + … in increasing k,
// one fused multiply-add per term (AVX2+FMA), so stream m of a batch gets
// the bits ck_gemv_f32 / ck_gemv_f16 give for row m alone. CPUs without
// AVX2+FMA (or F16C for binary16) run those GEMVs row by row, with the same
// bits as batch 1 on that CPU.
//
// With a work_pool the columns are cut into chunks of whole 16-column tiles
// (32 columns with AVX-512) taken by the caller and the pool's workers;
// columns are split, not k, so the results do not depend on the split.
// InferenceModel may instead hand each thread a block of streams (pool NULL).
#ifndef CK_GEMM_SMALL_N_H
#define CK_GEMM_SMALL_N_H

#include <stdint.h>
#include "work_pool.h"

/// Elements in the 16-column panels of W (K, N): K · ceil(N / 16) · 16.
int64_t ck_small_n_panels_size(int64_t K, int64_t N);

/// Copies W (K, N; row stride ldw) into 16-column panels, panel after panel:
/// panel p holds rows 0..<K of columns [16p, 16p + 16), each row's 16 values
/// contiguous (zeros past N), so a tile reads one sequential stream. half: W
/// and panels are binary16 (uint16_t), else binary32.
void ck_small_n_pack(int half, int64_t K, int64_t N, const void *W, int64_t ldw, void *panels);

/// Y (M, N; row stride ldy) = beta·Y + X (M, K; row stride ldx) · W (K, N; row
/// stride ldw), all binary32; beta is 0 or 1. The kernel reads W's `panels`
/// (made by ck_small_n_pack); the row-by-row fallback reads W. pool may be
/// NULL (one thread).
void ck_gemm_small_n_f32(ck_work_pool *pool, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                         const float *panels, const float *W, int64_t ldw, float beta, float *Y, int64_t ldy);

/// The same with W (and its panels) stored as IEEE binary16, widened exactly as read.
void ck_gemm_small_n_f16(ck_work_pool *pool, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                         const uint16_t *panels, const uint16_t *W, int64_t ldw, float beta, float *Y, int64_t ldy);

/// The same with the kernel of one SIMD level (CK_SIMD_*: AVX-512, AVX2+FMA
/// (and F16C for binary16), else the row-by-row GEMVs), for tests and
/// measurements: returns 0 without computing when the CPU lacks that level,
/// else 1. half: W and panels are binary16. Every level gives the same bits.
int ck_gemm_small_n_variant(int level, ck_work_pool *pool, int half, int64_t M, int64_t K, int64_t N,
                            const float *X, int64_t ldx, const void *panels, const void *W, int64_t ldw,
                            float beta, float *Y, int64_t ldy);

/// The row-by-row GEMVs the two above fall back to without AVX2+FMA (and
/// F16C): exposed so tests run them everywhere. half: W is binary16.
void ck_gemm_small_n_rows(int half, int64_t M, int64_t K, int64_t N, const float *X, int64_t ldx,
                          const void *W, int64_t ldw, float beta, float *Y, int64_t ldy);

#endif
