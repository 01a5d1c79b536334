// work_pool: see include/work_pool.h.
//
// Protocol:
//   caller: take the pool's lock (try only: if it is held, run the items
//           alone); write the job; reset `done`; publish `claim` =
//           (count << 32 | 0); bump `seq` and wake sleeping workers; take
//           items; wait until done == count; release the lock.
//   worker: wait until seq changes (SPIN_PAUSE pause instructions, then
//           sched_yield up to SPIN_LIMIT waits in all, then sleep on the
//           condition variable); take items; repeat.
// Why yield before sleeping: the scheduler may put the worker on the caller's
// own core (seen on a loaded 2-vCPU machine: both threads on CPU 0 for a whole
// `sample` run, the worker taking under 2% of the chunks). A worker that only
// paused there took a third of the caller's time slices; one that yields hands
// them back at once, and still picks up a job within a microsecond or so when
// it has a core of its own. The caller waiting for a worker's item does the same.
// An item taken (fetch_add on `claim` returning an index below the count in
// the same word) is an item of the job in hand: its fields are written before
// `claim` is published and stay unchanged until every item is done. A worker
// late from the previous job either increments the old word (which is then
// overwritten) or the new one (and then runs a real item of the new job).
#include "work_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <immintrin.h>

enum {
    SPIN_PAUSE = 1 << 9,                 // ≈ 13 µs of pause instructions (25 ns each on Zen 4), then sched_yield…
    SPIN_LIMIT = SPIN_PAUSE + (1 << 11), // …≈ 1 ms of them (0.56 µs each with the core to itself), then a worker sleeps
};

struct ck_work_pool {
    int workers;
    pthread_t *threads;
    pthread_mutex_t job_lock;     // held by the caller for a whole job
    pthread_mutex_t lock;         // for the condition variable
    pthread_cond_t wake;
    atomic_uint_fast64_t seq;     // jobs posted
    atomic_uint_fast64_t claim;   // item count << 32 | next item to take
    atomic_int_fast64_t done;     // items finished
    atomic_int sleeping;          // workers asleep on `wake`
    atomic_int stop;
    // The job in hand.
    void (*item)(void *, int64_t);
    void *context;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

static void take_items(struct ck_work_pool *p) {
    for (;;) {
        uint_fast64_t v = atomic_fetch_add(&p->claim, 1);
        int64_t i = (int64_t)(v & 0xFFFFFFFFu), count = (int64_t)(v >> 32);
        if (i >= count) return;
        p->item(p->context, i);
        atomic_fetch_add(&p->done, 1);
    }
}

static void *worker_main(void *arg) {
    struct ck_work_pool *p = arg;
    uint_fast64_t seen = 0;
    for (;;) {
        int spins = 0;
        uint_fast64_t now;
        while ((now = atomic_load(&p->seq)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_PAUSE) { cpu_relax(); continue; }
            if (spins < SPIN_LIMIT) { sched_yield(); continue; }
            pthread_mutex_lock(&p->lock);
            atomic_fetch_add(&p->sleeping, 1);
            while (atomic_load(&p->seq) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->lock);
            atomic_fetch_sub(&p->sleeping, 1);
            pthread_mutex_unlock(&p->lock);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = now;
        take_items(p);
    }
}

ck_work_pool *ck_work_pool_create(int workers) {
    struct ck_work_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = calloc(workers > 0 ? (size_t)workers : 1, sizeof(pthread_t));
    if (!p->threads) { free(p); return NULL; }
    pthread_mutex_init(&p->job_lock, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    for (int w = 0; w < workers; w++) {
        if (pthread_create(&p->threads[w], NULL, worker_main, p) != 0) break;
        p->workers++;
    }
    if (p->workers == 0 && workers > 0) {
        ck_work_pool_destroy(p);
        return NULL;
    }
    return p;
}

void ck_work_pool_destroy(ck_work_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int w = 0; w < p->workers; w++) pthread_join(p->threads[w], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->job_lock);
    free(p->threads);
    free(p);
}

void ck_work_pool_run(ck_work_pool *p, int64_t count, void (*item)(void *, int64_t), void *context) {
    if (count <= 0) return;
    if (!p || p->workers == 0 || count == 1 || count > INT32_MAX || pthread_mutex_trylock(&p->job_lock) != 0) {
        for (int64_t i = 0; i < count; i++) item(context, i);
        return;
    }
    p->item = item;
    p->context = context;
    atomic_store(&p->done, 0);
    atomic_store(&p->claim, (uint_fast64_t)count << 32);
    atomic_fetch_add(&p->seq, 1);
    if (atomic_load(&p->sleeping) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
    }
    take_items(p);
    // Only items a worker is running right now are left.
    for (int spins = 0; atomic_load(&p->done) != count; spins++) {
        if (spins < SPIN_PAUSE) cpu_relax(); else sched_yield();
    }
    pthread_mutex_unlock(&p->job_lock);
}
