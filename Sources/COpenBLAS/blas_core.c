// The core choice described in include/blas_core.h.
#include "blas_core.h"
#include <stddef.h>
#include <strings.h>

cbl_cpu_features cbl_cpu_features_detect(void) {
    cbl_cpu_features f = { 0, 0, 0, 0 };
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    // The compiler's runtime checks XCR0 too, so a feature the OS leaves
    // disabled (no ZMM state saved) does not count.
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx = __builtin_cpu_supports("avx");
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    int amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;  // "AuthenticAMD"
    if (amd) {
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
        unsigned family = ((a >> 8) & 0xF) + (((a >> 8) & 0xF) == 0xF ? ((a >> 20) & 0xFF) : 0);
        f.amd_zen = family >= 0x17;
    }
#endif
    return f;
}

static const struct { const char *name; int level; } cores[] = {
    { "Unknown", 0 }, { "Generic", 0 }, { "Katmai", 0 }, { "Coppermine", 0 }, { "Northwood", 0 },
    { "Prescott", 0 }, { "Banias", 0 }, { "Atom", 0 }, { "Core2", 0 }, { "Penryn", 0 },
    { "Dunnington", 0 }, { "Nehalem", 0 }, { "Athlon", 0 }, { "Opteron", 0 }, { "Opteron_SSE3", 0 },
    { "Barcelona", 0 }, { "Nano", 0 }, { "Bobcat", 0 },
    { "Sandybridge", 1 }, { "Bulldozer", 1 }, { "Piledriver", 1 }, { "Steamroller", 1 },
    { "Haswell", 2 }, { "Zen", 2 }, { "Excavator", 2 },
    { "SkylakeX", 3 }, { "Cooperlake", 3 }, { "SapphireRapids", 3 },
};

int cbl_core_level(const char *core) {
    if (!core) return -1;
    for (size_t i = 0; i < sizeof cores / sizeof *cores; i++)
        if (strcasecmp(core, cores[i].name) == 0) return cores[i].level;
    return -1;
}

const char *cbl_core_upgrade(const char *current, cbl_cpu_features cpu) {
    int have = cbl_core_level(current);
    if (have < 0) return NULL;
    int can = cpu.avx512 ? 3 : cpu.avx2_fma ? 2 : cpu.avx ? 1 : 0;
    if (have >= can) return NULL;
    switch (can) {
    case 3: return "SkylakeX";
    case 2: return cpu.amd_zen ? "Zen" : "Haswell";
    default: return "Sandybridge";
    }
}
