// Lazy loading of OpenBLAS; the contract is in include/openblas_loader.h.
#define _GNU_SOURCE
#include "openblas_loader.h"
#include "blas_core.h"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

// The CBLAS ABI (cblas.h): enums are ints, blasint is int in Debian's builds.
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int,
                         double, double *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*dgemv_fn)(int, int, int, int, double, const double *, int, const double *, int, double, double *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*get_config_fn)(void);
typedef void (*void_fn)(void);

/// The resolved entry points; written once under `once`, read-only afterwards
/// (pthread_once orders the writes before every caller's reads).
struct openblas {
    void *handle;
    sgemm_fn sgemm;
    dgemm_fn dgemm;
    sgemv_fn sgemv;
    dgemv_fn dgemv;
    set_threads_fn set_num_threads;
    /// openblas_get_corename, and DYNAMIC_ARCH's re-initialisation (NULL when absent).
    get_config_fn corename;
    void_fn dynamic_quit, dynamic_init;
    /// 0 for a single-threaded build: its buffer pool has no locks, so two
    /// threads calling it at once can share a packing buffer.
    int concurrent_safe;
};

static struct openblas lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
#define MULTIARCH "/usr/lib/x86_64-linux-gnu/"
#elif defined(__aarch64__)
#define MULTIARCH "/usr/lib/aarch64-linux-gnu/"
#else
#define MULTIARCH ""
#endif
#define PTHREAD_PATH MULTIARCH "openblas-pthread/libopenblas.so.0"
#define OPENMP_PATH MULTIARCH "openblas-openmp/libopenblas.so.0"
#define SERIAL_PATH MULTIARCH "openblas-serial/libopenblas.so.0"

/// Opens `path` and resolves every entry point into `out`; 1 on success, else
/// 0 with dlerror's text in `reason` (the library is closed again).
static int open_library(const char *path, struct openblas *out, char *reason, size_t reasonSize) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(reason, reasonSize, "%s", e ? e : path);
        return 0;
    }
    struct openblas r = { h,
        (sgemm_fn)dlsym(h, "cblas_sgemm"), (dgemm_fn)dlsym(h, "cblas_dgemm"),
        (sgemv_fn)dlsym(h, "cblas_sgemv"), (dgemv_fn)dlsym(h, "cblas_dgemv"),
        (set_threads_fn)dlsym(h, "openblas_set_num_threads"),
        (get_config_fn)dlsym(h, "openblas_get_corename"),
        (void_fn)dlsym(h, "gotoblas_dynamic_quit"), (void_fn)dlsym(h, "gotoblas_dynamic_init"), 1 };
    get_config_fn config = (get_config_fn)dlsym(h, "openblas_get_config");
    const char *text = config ? config() : NULL;
    r.concurrent_safe = !(text && strstr(text, "SINGLE_THREADED"));
    if (!r.sgemm || !r.dgemm || !r.sgemv || !r.dgemv || !r.set_num_threads) {
        snprintf(reason, reasonSize, "%s lacks the CBLAS functions (is it OpenBLAS?)", path);
        dlclose(h);
        return 0;
    }
    *out = r;
    return 1;
}

/// Replaces control characters (dlerror texts are one line, but a path from
/// the environment could hold anything) so the message stays one line.
static void one_line(char *s) {
    for (; *s; s++) if ((unsigned char)*s < 0x20) *s = ' ';
}

/// The core OpenBLAS chose itself, the one in use, and who chose it (cbl_core_source).
static char default_core[64] = "unknown", current_core[64] = "unknown";
static int core_source = 0;

static void read_core(char *out, size_t size) {
    const char *name = lib.corename ? lib.corename() : NULL;
    snprintf(out, size, "%s", name && *name ? name : "unknown");
}

/// Switches a DYNAMIC_ARCH OpenBLAS to a better core when the one it chose is
/// below what the CPU supports (blas_core.h); a user's OPENBLAS_CORETYPE wins.
static void choose_core(const char *path) {
    read_core(default_core, sizeof default_core);
    memcpy(current_core, default_core, sizeof current_core);
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user && *user) { core_source = 2; return; }
    const char *better = cbl_core_upgrade(default_core, cbl_cpu_features_detect());
    if (!better) return;
    // OpenBLAS reads OPENBLAS_CORETYPE when it selects its kernels: at load,
    // and again when its dynamic initialisation is re-run (no product has run yet).
    setenv("OPENBLAS_CORETYPE", better, 1);
    if (lib.dynamic_quit && lib.dynamic_init) {
        lib.dynamic_quit();
        lib.dynamic_init();
    } else if (path) {
        struct openblas again;
        char reason[512];
        dlclose(lib.handle);
        if (!open_library(path, &again, reason, sizeof reason)) return;  // cannot happen twice in a row
        lib = again;
    }
    read_core(current_core, sizeof current_core);
    core_source = strcasecmp(current_core, default_core) != 0;
}

static void load_once(void) {
    char reason[512] = "";
    const char *loaded = NULL;
    // A threaded build then starts no worker threads of its own (charlstm runs
    // its own, and idle OpenBLAS workers spinning in sched_yield took 12–17% of
    // the cycles on 2 cores when they did).
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    const char *env = getenv("CHARLSTM_OPENBLAS");
    const char *hint = "install it with `apt-get install libopenblas0` (or run `make setup`)";
    int ok;
    if (env && *env) {
        ok = open_library(env, &lib, reason, sizeof reason);
        loaded = env;
        hint = "point CHARLSTM_OPENBLAS at a libopenblas.so.0, or unset it";
    } else {
        const char *candidates[] = { PTHREAD_PATH, OPENMP_PATH, "libopenblas.so.0", "libopenblas.so", SERIAL_PATH };
        char first[512] = "";
        ok = 0;
        for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !ok; i++) {
            ok = open_library(candidates[i], &lib, reason, sizeof reason);
            if (ok) loaded = candidates[i];
            if (i == 2) memcpy(first, reason, sizeof first);  // the error for the usual soname says most
        }
        if (!ok) memcpy(reason, first, sizeof reason);
    }
    if (!ok) {
        one_line(reason);
        char line[768];
        int n = snprintf(line, sizeof line,
                         "%s: error: cannot load OpenBLAS (%s): %s\n", program_invocation_short_name, reason, hint);
        if (n > (int)sizeof line - 1) { n = (int)sizeof line - 1; line[n - 1] = '\n'; }
        // One write, no stdio: another thread may hold stdio's locks. Then
        // leave at once, whatever thread this is (exit handlers of the Swift
        // runtime and ICU must not run under threads still computing).
        ssize_t w = write(STDERR_FILENO, line, (size_t)n);
        (void)w;
        _exit(1);
    }
    choose_core(loaded);
    // charlstm runs its own threads; OpenBLAS stays single-threaded inside each.
    lib.set_num_threads(1);
}

static inline const struct openblas *blas(void) {
    pthread_once(&once, load_once);
    return &lib;
}

int cbl_concurrent_calls_safe(void) { return blas()->concurrent_safe; }

const char *cbl_core_name(void) { blas(); return current_core; }
const char *cbl_core_default(void) { blas(); return default_core; }
int cbl_core_source(void) { blas(); return core_source; }

static inline int transpose(int t) { return t ? CBLAS_TRANS : CBLAS_NO_TRANS; }

void cbl_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc) {
    blas()->sgemm(CBLAS_ROW_MAJOR, transpose(transA), transpose(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cbl_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
               const double *b, int ldb, double beta, double *c, int ldc) {
    blas()->dgemm(CBLAS_ROW_MAJOR, transpose(transA), transpose(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void cbl_sgemv(int trans, int rows, int cols, float alpha, const float *a, int lda,
               const float *x, float beta, float *y) {
    blas()->sgemv(CBLAS_ROW_MAJOR, transpose(trans), rows, cols, alpha, a, lda, x, 1, beta, y, 1);
}

void cbl_dgemv(int trans, int rows, int cols, double alpha, const double *a, int lda,
               const double *x, double beta, double *y) {
    blas()->dgemv(CBLAS_ROW_MAJOR, transpose(trans), rows, cols, alpha, a, lda, x, 1, beta, y, 1);
}
