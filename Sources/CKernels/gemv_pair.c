// gemv_pair: see include/gemv_pair.h.
//
// Protocol (one caller thread at a time per pair):
//   caller: write the job, then seq += 1 (release); wake the worker if it
//           sleeps; compute columns [0, split); spin until done == seq.
//   worker: spin until seq changes (pause between reads); after SPIN_LIMIT
//           reads without a change, set `sleeping`, re-check seq, and wait on
//           the condition variable; compute columns [split, N); done = seq.
// `sleeping` and `seq` are sequentially consistent, so either the caller sees
// `sleeping` and signals, or the worker's re-check sees the new seq.
#include "gemv_pair.h"
#include "ckernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <immintrin.h>

enum { SPIN_LIMIT = 1 << 13 };   // ≈ 0.2 ms of pause instructions

struct ck_gemv_pair {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint_fast64_t seq;     // jobs posted
    atomic_uint_fast64_t done;    // jobs the worker finished
    atomic_int sleeping;
    atomic_int stop;
    // The job in hand (written by the caller before seq is bumped).
    int64_t K, N, ldw, split;
    int half;                     // W is binary16 (else binary32)
    const void *W;
    const float *x;
    float beta;
    float *y;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

/// y[lo..<hi] of the job in hand.
static void run_columns(struct ck_gemv_pair *p, int64_t lo, int64_t hi) {
    if (lo >= hi) return;
    if (p->half) ck_gemv_f16(p->K, hi - lo, (const uint16_t *)p->W + lo, p->ldw, p->x, p->beta, p->y + lo);
    else ck_gemv_f32(p->K, hi - lo, (const float *)p->W + lo, p->ldw, p->x, p->beta, p->y + lo);
}

static void run_worker_part(struct ck_gemv_pair *p) { run_columns(p, p->split, p->N); }

static void *worker_main(void *arg) {
    struct ck_gemv_pair *p = arg;
    uint_fast64_t seen = 0;
    for (;;) {
        int spins = 0;
        uint_fast64_t now;
        while ((now = atomic_load(&p->seq)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_LIMIT) { cpu_relax(); continue; }
            pthread_mutex_lock(&p->lock);
            atomic_store(&p->sleeping, 1);
            while (atomic_load(&p->seq) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->lock);
            atomic_store(&p->sleeping, 0);
            pthread_mutex_unlock(&p->lock);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = now;
        run_worker_part(p);
        atomic_store(&p->done, seen);
    }
}

ck_gemv_pair *ck_gemv_pair_create(void) {
    struct ck_gemv_pair *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (pthread_create(&p->thread, NULL, worker_main, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    return p;
}

void ck_gemv_pair_destroy(ck_gemv_pair *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, 1);
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static void run_pair(ck_gemv_pair *p, int half, int64_t K, int64_t N, const void *W, int64_t ldw,
                     const float *x, float beta, float *y) {
    // The caller takes the first half, rounded to the binary16 kernel's 64-column
    // strips, so both halves run the wide loops.
    int64_t split = (N / 2 + 63) / 64 * 64;
    if (split > N) split = N;
    p->K = K; p->N = N; p->ldw = ldw; p->split = split; p->half = half;
    p->W = W; p->x = x; p->beta = beta; p->y = y;
    uint_fast64_t job = atomic_fetch_add(&p->seq, 1) + 1;
    if (atomic_load(&p->sleeping)) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    run_columns(p, 0, split);
    while (atomic_load(&p->done) != job) cpu_relax();
}

void ck_gemv_pair_f16(ck_gemv_pair *p, int64_t K, int64_t N, const uint16_t *W, int64_t ldw,
                      const float *x, float beta, float *y) {
    run_pair(p, 1, K, N, W, ldw, x, beta, y);
}

void ck_gemv_pair_f32(ck_gemv_pair *p, int64_t K, int64_t N, const float *W, int64_t ldw,
                      const float *x, float beta, float *y) {
    run_pair(p, 0, K, N, W, ldw, x, beta, y);
}
