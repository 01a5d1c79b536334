// openblas_loader: OpenBLAS's CBLAS products, loaded with dlopen on first use.
//
// No stable API: called only from CharLSTM's BLASScalar. charlstm does not
// link OpenBLAS: loading Debian's DYNAMIC_ARCH build (and its libgfortran)
// and running its constructor cost ~2 ms of every process start, and
// `predict`, `sample` and `score` at batch 1 need no BLAS at all
// (CKernels' GEMVs). The first call of any function here loads the library:
//   1. $CHARLSTM_OPENBLAS, when set and not empty (then nothing else is tried);
//   2. Debian's threaded builds, /usr/lib/<multiarch>/openblas-pthread/ then
//      openblas-openmp/libopenblas.so.0, with OPENBLAS_NUM_THREADS=1 (charlstm
//      schedules its own threads; see ComputeThreads.swift);
//   3. libopenblas.so.0, then libopenblas.so, from the loader's search path;
//   4. Debian's single-threaded build, openblas-serial/libopenblas.so.0.
// When the loaded build chose a kernel family ("core") older than the CPU
// supports, it is switched to the best match (blas_core.h), unless the user
// set OPENBLAS_CORETYPE. OpenBLAS is then set to one thread. A threaded build is preferred because
// charlstm calls OpenBLAS from several threads at once, and only threaded
// builds lock their buffer pool: Debian's serial build (USE_THREAD=0, so
// USE_LOCKING=0) lets two concurrent calls share a packing buffer, which gave
// run-to-run differences in training (cbl_concurrent_calls_safe). If none loads, one line goes to stderr
// ("PROGRAM: error: cannot load OpenBLAS (REASON): install it with ...")
// and the process exits with status 1. Thread-safe (pthread_once).
//
// All matrices are row-major; sizes are OpenBLAS's 32-bit blasint.
#ifndef OPENBLAS_LOADER_H
#define OPENBLAS_LOADER_H
#include "blas_core.h"

/// 1 when the loaded library may be called from several threads at once (a
/// threaded build), 0 for a single-threaded build (loads the library).
int cbl_concurrent_calls_safe(void);
/// The OpenBLAS core in use (openblas_get_corename(), "unknown" without it; loads the library).
const char *cbl_core_name(void);
/// The core OpenBLAS chose by itself at load (loads the library).
const char *cbl_core_default(void);
/// Who chose the core in use: 0 OpenBLAS, 1 charlstm (a better core than
/// OpenBLAS's choice), 2 the user's OPENBLAS_CORETYPE (loads the library).
int cbl_core_source(void);
/// C (m, n) = alpha · op(A) · op(B) + beta · C; op(A) = Aᵀ if transA (op(A) is (m, k), op(B) (k, n)).
void cbl_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);
/// The same in double precision.
void cbl_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
               const double *b, int ldb, double beta, double *c, int ldc);
/// y = alpha · op(A) · x + beta · y, A (rows, cols) with row stride lda; op(A) = Aᵀ if trans; unit strides.
void cbl_sgemv(int trans, int rows, int cols, float alpha, const float *a, int lda,
               const float *x, float beta, float *y);
/// The same in double precision.
void cbl_dgemv(int trans, int rows, int cols, double alpha, const double *a, int lda,
               const double *x, double beta, double *y);

#endif
