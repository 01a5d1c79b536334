// gemv_pair: see include/gemv_pair.h.
//
// A product's columns are cut into chunks (multiples of 64 columns, about 8 of
// them), run as the items of a job on a one-worker work_pool: the caller and
// the worker take chunks from one atomic counter until none is left, then the
// caller waits for the chunks still running. So the split adapts to whoever
// has a core: on a busy machine, where the worker may not run for a whole time
// slice, the caller simply does every chunk itself instead of waiting for it.
#include "gemv_pair.h"
#include "ckernels.h"
#include "work_pool.h"

#include <stdlib.h>

struct ck_gemv_pair {
    ck_work_pool *pool;
};

/// One product, cut into chunks of `width` columns.
struct job {
    int64_t K, N, ldw, width;     // width: columns per chunk (a multiple of 64)
    int half;                     // W is binary16 (else binary32)
    const void *W;
    const uint16_t *strips;       // binary16 W's full 64-column strips (ck_f16_to_strips), or NULL
    const float *x;
    float beta;
    float *y;
};

static void run_chunk(void *context, int64_t chunk) {
    const struct job *j = context;
    int64_t lo = chunk * j->width, hi = lo + j->width < j->N ? lo + j->width : j->N;
    if (j->strips) ck_gemv_f16_strips(j->K, hi - lo, j->strips + lo * j->K, (const uint16_t *)j->W + lo, j->ldw,
                                      j->x, j->beta, j->y + lo);
    else if (j->half) ck_gemv_f16(j->K, hi - lo, (const uint16_t *)j->W + lo, j->ldw, j->x, j->beta, j->y + lo);
    else ck_gemv_f32(j->K, hi - lo, (const float *)j->W + lo, j->ldw, j->x, j->beta, j->y + lo);
}

ck_gemv_pair *ck_gemv_pair_create(void) {
    struct ck_gemv_pair *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->pool = ck_work_pool_create(1);
    if (!p->pool) { free(p); return NULL; }
    return p;
}

void ck_gemv_pair_destroy(ck_gemv_pair *p) {
    if (!p) return;
    ck_work_pool_destroy(p->pool);
    free(p);
}

static void run_pair(ck_gemv_pair *p, int half, int64_t K, int64_t N, const void *W, int64_t ldw,
                     const uint16_t *strips, const float *x, float beta, float *y) {
    // Chunks of whole 64-column strips (the binary16 kernel's widest loop), so
    // each column is computed exactly as a single call would compute it.
    int64_t width = (N / 8 + 63) / 64 * 64;
    if (width < 64) width = 64;
    struct job j = { K, N, ldw, width, half, W, strips, x, beta, y };
    ck_work_pool_run(p->pool, (N + width - 1) / width, run_chunk, &j);
}

void ck_gemv_pair_f16(ck_gemv_pair *p, int64_t K, int64_t N, const uint16_t *W, int64_t ldw,
                      const float *x, float beta, float *y) {
    run_pair(p, 1, K, N, W, ldw, NULL, x, beta, y);
}

void ck_gemv_pair_f16_strips(ck_gemv_pair *p, int64_t K, int64_t N, const uint16_t *strips, const uint16_t *W,
                             int64_t ldw, const float *x, float beta, float *y) {
    run_pair(p, 1, K, N, W, ldw, strips, x, beta, y);
}

void ck_gemv_pair_f32(ck_gemv_pair *p, int64_t K, int64_t N, const float *W, int64_t ldw,
                      const float *x, float beta, float *y) {
    run_pair(p, 0, K, N, W, ldw, NULL, x, beta, y);
}
