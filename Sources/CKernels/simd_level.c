// The SIMD level of charlstm's own kernels, chosen once at run time
// (ckernels.h: ck_simd_level). One build runs on every x86-64 CPU: each kernel
// is compiled for AVX-512, AVX2+FMA and baseline, and calls this to choose.
#include "ckernels.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int detect(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    int level = avx512 ? CK_SIMD_AVX512 : avx2 ? CK_SIMD_AVX2 : CK_SIMD_BASELINE;
    const char *cap = getenv("CHARLSTM_SIMD");
    if (cap && strcmp(cap, "avx2") == 0 && level > CK_SIMD_AVX2) level = CK_SIMD_AVX2;
    if (cap && strcmp(cap, "baseline") == 0) level = CK_SIMD_BASELINE;
    return level;
#else
    return CK_SIMD_BASELINE;
#endif
}

int ck_simd_level(void) {
    static atomic_int level = -1;   // every thread that races here computes the same value
    int l = atomic_load_explicit(&level, memory_order_relaxed);
    if (l < 0) {
        l = detect();
        atomic_store_explicit(&level, l, memory_order_relaxed);
    }
    return l;
}

const char *ck_simd_name(int level) {
    switch (level) {
    case CK_SIMD_AVX512: return "avx512";
    case CK_SIMD_AVX2: return "avx2";
    default: return "baseline";
    }
}
