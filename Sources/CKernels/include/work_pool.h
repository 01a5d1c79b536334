// work_pool: persistent compute threads for ComputeThreads' fork-joins.
//
// Training forks and joins about twenty times per window (the recurrence of
// each layer, forward and backward, and each large product). With a thread
// pool that parks its threads between jobs, every fork pays a wake-up, and on
// a virtual machine waking an idle vCPU can take hundreds of microseconds;
// the serial phases between forks (optimizer, softmax) are long enough for
// the vCPU to halt. The workers here spin on an atomic sequence number for
// about a millisecond after each job (pausing, then yielding the core, which
// may be the caller's) before they sleep on a condition variable, so
// back-to-back jobs start at once, and an idle process costs no CPU.
//
// A job is `count` independent items; the caller and the workers take items
// from one atomic counter until none is left, so a thread that is descheduled
// (busy machine, stolen vCPU) holds up only the item it is running. Which
// thread runs an item never changes what the item computes.
//
// One job at a time per pool: a call made while a job is in progress (from
// another thread, or from inside an item) runs its items itself, in order.
#ifndef CK_WORK_POOL_H
#define CK_WORK_POOL_H

#include <stdint.h>

typedef struct ck_work_pool ck_work_pool;

/// Starts `workers` threads (≥ 0). NULL if none could be started.
ck_work_pool *ck_work_pool_create(int workers);

/// Stops and joins the workers.
void ck_work_pool_destroy(ck_work_pool *pool);

/// Calls item(context, i) for every i in 0..<count, spread over the caller
/// and the workers; returns when all have returned. pool may be NULL (then
/// the caller runs every item).
void ck_work_pool_run(ck_work_pool *pool, int64_t count, void (*item)(void *context, int64_t i),
                      void *context);

#endif
