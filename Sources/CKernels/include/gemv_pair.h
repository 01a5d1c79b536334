// gemv_pair: a batch-1 matrix-vector product split between the calling thread
// and one persistent worker thread, for sampling on two cores.
//
// Sampling one stream is a chain of GEMVs bound by memory bandwidth: at
// hidden 512 the weights (6.6 MB in binary16) stream from L3 on every step.
// Two cores each reading half the columns read twice as fast, but only if the
// hand-over costs far less than a step (~100 µs): a thread pool wake-up
// (tens of µs) eats the gain. So the worker is a work_pool's (work_pool.h):
// it spins while work keeps coming and sleeps on a condition variable after
// ~1 ms without any (so an idle sampler, e.g. waiting for input, costs no
// CPU). Both threads take chunks of columns from one atomic counter, so on a
// machine with more runnable threads than cores, where the worker may not run
// for a whole time slice, the caller does the chunks itself instead of waiting.
//
// Columns are split, not rows, so every output is summed in the same order as
// on one thread: results are bit-identical to ck_gemv_f16 / ck_gemv_f32.
#ifndef CK_GEMV_PAIR_H
#define CK_GEMV_PAIR_H

#include <stdint.h>

typedef struct ck_gemv_pair ck_gemv_pair;

/// Starts the worker thread; NULL if it cannot be started (then use the
/// single-thread kernels).
ck_gemv_pair *ck_gemv_pair_create(void);

/// Stops and joins the worker.
void ck_gemv_pair_destroy(ck_gemv_pair *pair);

/// y (N) = x (K) · W (K, N; row stride ldw, binary16) + (beta != 0 ? y : 0),
/// as ck_gemv_f16, with the columns split between the caller and the worker.
void ck_gemv_pair_f16(ck_gemv_pair *pair, int64_t K, int64_t N, const uint16_t *W, int64_t ldw,
                      const float *x, float beta, float *y);

/// The same reading W's full 64-column strips from `strips` (ck_f16_to_strips),
/// as ck_gemv_f16_strips: chunks are whole strips, each one sequential read.
void ck_gemv_pair_f16_strips(ck_gemv_pair *pair, int64_t K, int64_t N, const uint16_t *strips, const uint16_t *W,
                             int64_t ldw, const float *x, float beta, float *y);

/// The same for binary32 weights, as ck_gemv_f32.
void ck_gemv_pair_f32(ck_gemv_pair *pair, int64_t K, int64_t N, const float *W, int64_t ldw,
                      const float *x, float beta, float *y);

#endif
