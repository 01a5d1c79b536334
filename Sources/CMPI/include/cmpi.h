// cmpi: the few Open MPI calls data-parallel training needs, loaded with dlopen on first use.
//
// No stable API: called only from CharLSTM's ProcessGroup. charlstm neither links
// libmpi nor needs its headers (libopenmpi-dev): under Open MPI the handles
// MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ... are macros over the addresses of the
// globals ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum, which Swift cannot
// import, so this shim declares the prototypes it calls and looks both the functions
// and those globals up with dlsym. `cmpi_init` loads, in order:
//   1. $CHARLSTM_MPI, when set and not empty (then nothing else is tried);
//   2. libmpi.so.40 (Debian's libopenmpi3, installed with openmpi-bin), then libmpi.so.
// with RTLD_NOW | RTLD_GLOBAL: Open MPI's mca_*.so plugins resolve libmpi's symbols
// globally. Processes that never call `cmpi_init` (predict, sample, score, a
// training run not started by mpirun) never load libmpi.
//
// Every function returns 0 on success; a failure returns non-zero and `cmpi_error`
// says why in one line. MPI errors themselves keep Open MPI's default handler
// (MPI_ERRORS_ARE_FATAL): a dead peer ends the whole job rather than hanging it.
// Call from one thread at a time (MPI_THREAD_FUNNELED: the thread that initialised).
#ifndef CMPI_H
#define CMPI_H

/// Loads libmpi and calls MPI_Init_thread (FUNNELED); writes this process's rank and the
/// world size. Non-zero when libmpi cannot be loaded or lacks a symbol.
int cmpi_init(int *rank, int *size);
/// Why the last call failed (one line, no newline).
const char *cmpi_error(void);
/// In-place element-wise sum over all processes of `count` floats (doubles).
int cmpi_allreduce_sum_float(float *buffer, long count);
int cmpi_allreduce_sum_double(double *buffer, long count);
/// Copies `count` bytes at `buffer` on process `root` into `buffer` on every process.
int cmpi_broadcast(void *buffer, long count, int root);
/// Every process contributes `count` doubles; `out` receives size × count of them, in rank order.
int cmpi_allgather_double(const double *values, long count, double *out);
/// Every process contributes `count` bytes (its entry of `counts`, which lists every process's
/// count in rank order); `out` receives them all back to back, in rank order.
int cmpi_allgather_bytes(const void *bytes, long count, void *out, const long *counts);
/// Waits for every process.
int cmpi_barrier(void);
/// Ends every process of the job with `code` (MPI_Abort on MPI_COMM_WORLD).
__attribute__((noreturn)) void cmpi_abort(int code);
/// MPI_Finalize (once; later calls do nothing).
int cmpi_finalize(void);

#endif
