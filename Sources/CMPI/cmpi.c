// Lazy loading of Open MPI; the contract is in include/cmpi.h.
#define _GNU_SOURCE
#include "cmpi.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's ABI: handles are pointers to its predefined objects (mpi.h:
// OMPI_PREDEFINED_GLOBAL(type, global) is ((type)((void *)&(global)))).
typedef void *comm_t, *type_t, *op_t;
#define OMPI_IN_PLACE ((void *)1)
enum { THREAD_FUNNELED = 1, SUCCESS = 0 };

typedef int (*init_thread_fn)(int *, char ***, int, int *);
typedef int (*comm_int_fn)(comm_t, int *);
typedef int (*allreduce_fn)(const void *, void *, int, type_t, op_t, comm_t);
typedef int (*bcast_fn)(void *, int, type_t, int, comm_t);
typedef int (*allgather_fn)(const void *, int, type_t, void *, int, type_t, comm_t);
typedef int (*allgatherv_fn)(const void *, int, type_t, void *, const int *, const int *, type_t, comm_t);
typedef int (*barrier_fn)(comm_t);
typedef int (*abort_fn)(comm_t, int);
typedef int (*void_fn)(void);
typedef int (*flag_fn)(int *);

static struct {
    void *handle;
    init_thread_fn init_thread;
    comm_int_fn rank, size;
    allreduce_fn allreduce;
    bcast_fn bcast;
    allgather_fn allgather;
    allgatherv_fn allgatherv;
    barrier_fn barrier;
    abort_fn abort;
    void_fn finalize;
    flag_fn finalized;
    comm_t world;
    type_t float_type, double_type, byte_type;
    op_t sum;
    int initialised, finalised;
} mpi;

static char error_text[512] = "";

static void set_error(const char *what, const char *detail) {
    snprintf(error_text, sizeof error_text, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    for (char *s = error_text; *s; s++) if ((unsigned char)*s < 0x20) *s = ' ';
}

const char *cmpi_error(void) { return error_text; }

static void *open_mpi(void) {
    const char *user = getenv("CHARLSTM_MPI");
    if (user && *user) return dlopen(user, RTLD_NOW | RTLD_GLOBAL);
    void *h = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    return h ? h : dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
}

int cmpi_init(int *rank, int *size) {
    if (mpi.initialised) {
        mpi.rank(mpi.world, rank);
        mpi.size(mpi.world, size);
        return 0;
    }
    void *h = open_mpi();
    if (!h) {
        const char *e = dlerror();
        set_error("cannot load Open MPI's libmpi", e);
        return 1;
    }
#define LOOK(field, name) mpi.field = (void *)dlsym(h, name); if (!mpi.field) { set_error("libmpi lacks " name " (is it Open MPI?)", NULL); return 1; }
    LOOK(init_thread, "MPI_Init_thread")
    LOOK(rank, "MPI_Comm_rank")
    LOOK(size, "MPI_Comm_size")
    LOOK(allreduce, "MPI_Allreduce")
    LOOK(bcast, "MPI_Bcast")
    LOOK(allgather, "MPI_Allgather")
    LOOK(allgatherv, "MPI_Allgatherv")
    LOOK(barrier, "MPI_Barrier")
    LOOK(abort, "MPI_Abort")
    LOOK(finalize, "MPI_Finalize")
    LOOK(finalized, "MPI_Finalized")
    LOOK(world, "ompi_mpi_comm_world")
    LOOK(float_type, "ompi_mpi_float")
    LOOK(double_type, "ompi_mpi_double")
    LOOK(byte_type, "ompi_mpi_byte")
    LOOK(sum, "ompi_mpi_op_sum")
#undef LOOK
    mpi.handle = h;
    int provided = 0;
    if (mpi.init_thread(NULL, NULL, THREAD_FUNNELED, &provided) != SUCCESS) {
        set_error("MPI_Init_thread failed", NULL);
        return 1;
    }
    mpi.initialised = 1;
    mpi.rank(mpi.world, rank);
    mpi.size(mpi.world, size);
    return 0;
}

/// MPI counts are ints: long buffers go in chunks of at most INT_MAX / 2 elements.
#define CHUNK (INT_MAX / 2)

static int not_ready(void) {
    if (mpi.initialised && !mpi.finalised) return 0;
    set_error("MPI is not initialised", NULL);
    return 1;
}

int cmpi_allreduce_sum_float(float *buffer, long count) {
    if (not_ready()) return 1;
    for (long at = 0; at < count; at += CHUNK) {
        int n = (int)(count - at < CHUNK ? count - at : CHUNK);
        if (mpi.allreduce(OMPI_IN_PLACE, buffer + at, n, mpi.float_type, mpi.sum, mpi.world) != SUCCESS) {
            set_error("MPI_Allreduce failed", NULL);
            return 1;
        }
    }
    return 0;
}

int cmpi_allreduce_sum_double(double *buffer, long count) {
    if (not_ready()) return 1;
    for (long at = 0; at < count; at += CHUNK) {
        int n = (int)(count - at < CHUNK ? count - at : CHUNK);
        if (mpi.allreduce(OMPI_IN_PLACE, buffer + at, n, mpi.double_type, mpi.sum, mpi.world) != SUCCESS) {
            set_error("MPI_Allreduce failed", NULL);
            return 1;
        }
    }
    return 0;
}

int cmpi_broadcast(void *buffer, long count, int root) {
    if (not_ready()) return 1;
    for (long at = 0; at < count; at += CHUNK) {
        int n = (int)(count - at < CHUNK ? count - at : CHUNK);
        if (mpi.bcast((char *)buffer + at, n, mpi.byte_type, root, mpi.world) != SUCCESS) {
            set_error("MPI_Bcast failed", NULL);
            return 1;
        }
    }
    return 0;
}

int cmpi_allgather_double(const double *values, long count, double *out) {
    if (not_ready()) return 1;
    if (count > CHUNK) { set_error("MPI_Allgather: too many values", NULL); return 1; }
    if (mpi.allgather(values, (int)count, mpi.double_type, out, (int)count, mpi.double_type, mpi.world) != SUCCESS) {
        set_error("MPI_Allgather failed", NULL);
        return 1;
    }
    return 0;
}

int cmpi_allgather_bytes(const void *bytes, long count, void *out, const long *counts) {
    if (not_ready()) return 1;
    int size = 0;
    mpi.size(mpi.world, &size);
    int *n = malloc(2 * (size_t)size * sizeof(int));
    if (!n) { set_error("MPI_Allgatherv: out of memory", NULL); return 1; }
    long at = 0;
    for (int r = 0; r < size; r++) {
        if (counts[r] < 0 || counts[r] > CHUNK || at > CHUNK) { free(n); set_error("MPI_Allgatherv: too many bytes", NULL); return 1; }
        n[r] = (int)counts[r];
        n[size + r] = (int)at;
        at += counts[r];
    }
    int status = mpi.allgatherv(bytes, (int)count, mpi.byte_type, out, n, n + size, mpi.byte_type, mpi.world);
    free(n);
    if (status != SUCCESS) { set_error("MPI_Allgatherv failed", NULL); return 1; }
    return 0;
}

int cmpi_barrier(void) {
    if (not_ready()) return 1;
    if (mpi.barrier(mpi.world) != SUCCESS) { set_error("MPI_Barrier failed", NULL); return 1; }
    return 0;
}

__attribute__((noreturn)) void cmpi_abort(int code) {
    if (mpi.initialised && !mpi.finalised) mpi.abort(mpi.world, code);
    exit(code);
}

int cmpi_finalize(void) {
    if (!mpi.initialised || mpi.finalised) return 0;
    mpi.finalised = 1;
    return mpi.finalize() == SUCCESS ? 0 : 1;
}
