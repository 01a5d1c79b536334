// gemv_pair: see include/gemv_pair.h.
//
// A product's columns are cut into chunks (multiples of 64 columns, about 8 of
// them); the caller and the worker both take chunks from one atomic counter
// until none is left, then the caller waits for the chunks still running.
// So the split adapts to whoever has a core: on a busy machine, where the
// worker may not run for a whole time slice, the caller simply does every
// chunk itself instead of waiting for it.
//
// Protocol (one caller thread at a time per pair):
//   caller: write the job, reset `done`, publish `claim` = (chunks << 16 | 0),
//           bump `seq` and wake the worker if it sleeps; take chunks; wait
//           until done == chunks.
//   worker: wait until seq changes (PAUSE_SPINS pause instructions, then
//           sleep on the condition variable); take chunks; repeat.
// A chunk taken (fetch_add on `claim` returning an index below the count) is
// a chunk of the job in hand, whose fields were written before `claim` was
// published and stay unchanged until all its chunks are done.
#include "gemv_pair.h"
#include "ckernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <immintrin.h>

enum { PAUSE_SPINS = 1 << 12 };   // ≈ 0.1 ms of pause instructions before the worker sleeps

struct ck_gemv_pair {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint_fast64_t seq;     // jobs posted
    atomic_uint_fast32_t claim;   // chunk count << 16 | next chunk to take
    atomic_int done;              // chunks finished
    atomic_int sleeping;
    atomic_int stop;
    // The job in hand (written by the caller before `claim` is published).
    int64_t K, N, ldw, width;     // width: columns per chunk (a multiple of 64)
    int half;                     // W is binary16 (else binary32)
    const void *W;
    const uint16_t *strips;       // binary16 W's full 64-column strips (ck_f16_to_strips), or NULL
    const float *x;
    float beta;
    float *y;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

/// Takes and computes chunks of the job in hand until none is left.
static void take_chunks(struct ck_gemv_pair *p) {
    for (;;) {
        uint_fast32_t v = atomic_fetch_add(&p->claim, 1);
        uint_fast32_t next = v & 0xFFFF, count = v >> 16;
        if (next >= count) return;
        int64_t lo = (int64_t)next * p->width, hi = lo + p->width < p->N ? lo + p->width : p->N;
        if (p->strips) ck_gemv_f16_strips(p->K, hi - lo, p->strips + lo * p->K, (const uint16_t *)p->W + lo, p->ldw,
                                          p->x, p->beta, p->y + lo);
        else if (p->half) ck_gemv_f16(p->K, hi - lo, (const uint16_t *)p->W + lo, p->ldw, p->x, p->beta, p->y + lo);
        else ck_gemv_f32(p->K, hi - lo, (const float *)p->W + lo, p->ldw, p->x, p->beta, p->y + lo);
        atomic_fetch_add(&p->done, 1);
    }
}

static void *worker_main(void *arg) {
    struct ck_gemv_pair *p = arg;
    uint_fast64_t seen = 0;
    for (;;) {
        int spins = 0;
        uint_fast64_t now;
        while ((now = atomic_load(&p->seq)) == seen && !atomic_load(&p->stop)) {
            if (++spins < PAUSE_SPINS) { cpu_relax(); continue; }
            pthread_mutex_lock(&p->lock);
            atomic_store(&p->sleeping, 1);
            while (atomic_load(&p->seq) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->lock);
            atomic_store(&p->sleeping, 0);
            pthread_mutex_unlock(&p->lock);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = now;
        take_chunks(p);
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
                     const uint16_t *strips, const float *x, float beta, float *y) {
    // Chunks of whole 64-column strips (the binary16 kernel's widest loop), so
    // each column is computed exactly as a single call would compute it.
    int64_t width = (N / 8 + 63) / 64 * 64;
    if (width < 64) width = 64;
    int64_t chunks = (N + width - 1) / width;
    p->K = K; p->N = N; p->ldw = ldw; p->width = width; p->half = half;
    p->W = W; p->strips = strips; p->x = x; p->beta = beta; p->y = y;
    atomic_store(&p->done, 0);
    atomic_store(&p->claim, (uint_fast32_t)chunks << 16);
    atomic_fetch_add(&p->seq, 1);
    if (atomic_load(&p->sleeping)) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    take_chunks(p);
    // Only chunks the worker is computing right now are left.
    for (int spins = 0; atomic_load(&p->done) != chunks; spins++) {
        if (spins < PAUSE_SPINS) cpu_relax(); else sched_yield();
    }
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
