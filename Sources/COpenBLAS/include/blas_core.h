// blas_core: which OpenBLAS kernel family ("core") suits this CPU.
//
// OpenBLAS's DYNAMIC_ARCH builds pick their kernels from a table of CPU
// models. A CPU newer than the library (Debian 12's OpenBLAS 0.3.21 predates
// Sapphire Rapids), or a hypervisor that hides the model, makes it fall back
// to an old core: on a 16-core Xeon with AVX-512 it chose "Prescott" (SSE3)
// and ran matrix products 3× slower. charlstm checks the name OpenBLAS chose
// against the CPU's features and, when the CPU has outgrown it, switches
// OpenBLAS to the best core those features allow (openblas_loader.c), unless
// the user set OPENBLAS_CORETYPE.
//
// Levels: 0 SSE-era cores (Prescott, Core2, Nehalem, Atom, Opteron, …, and
// "Unknown"/generic ones), 1 AVX (Sandybridge, Bulldozer, Piledriver,
// Steamroller), 2 AVX2+FMA (Haswell, Zen, Excavator), 3 AVX-512 (SkylakeX,
// Cooperlake, SapphireRapids). A name the table does not know (a newer
// OpenBLAS's) is trusted and kept.
#ifndef CBL_BLAS_CORE_H
#define CBL_BLAS_CORE_H

/// The CPU features that decide the core.
typedef struct {
    /// AVX-512 F, BW, DQ and VL, enabled by the OS.
    int avx512;
    /// AVX2 and FMA, enabled by the OS.
    int avx2_fma;
    /// AVX, enabled by the OS.
    int avx;
    /// An AMD CPU of family 17h or later (Zen).
    int amd_zen;
} cbl_cpu_features;

/// This CPU's features (cpuid, through the compiler's runtime).
cbl_cpu_features cbl_cpu_features_detect(void);

/// The level (0–3, see above) of an OpenBLAS core name, case-insensitive;
/// -1 for a name the table does not know.
int cbl_core_level(const char *core);

/// The core to switch to when `current` (openblas_get_corename()) is below what
/// `cpu` supports: "SkylakeX" for AVX-512, "Zen" (AMD) or "Haswell" for
/// AVX2+FMA, "Sandybridge" for AVX. NULL to keep `current`.
const char *cbl_core_upgrade(const char *current, cbl_cpu_features cpu);

#endif
