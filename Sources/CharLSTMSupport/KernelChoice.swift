// KernelChoice: which kernels this process runs, for `bench` and the docs' figures.
//
// Two choices are made at run time, once per process: the SIMD level of
// charlstm's own kernels (CKernels: AVX-512, AVX2+FMA or baseline) and the
// OpenBLAS kernel family ("core"), which charlstm raises when OpenBLAS's own
// model table picked one older than the CPU supports (COpenBLAS/blas_core.h).

import CKernels
import COpenBLAS

/// The kernels this process runs.
package struct KernelChoice: Sendable, Equatable {
    /// Who chose the OpenBLAS core.
    package enum CoreSource: Sendable, Equatable {
        /// OpenBLAS's own model table.
        case openBLAS
        /// charlstm: the table's choice was older than the CPU; `replaced` names it.
        case charlstm(replaced: String)
        /// The user's OPENBLAS_CORETYPE.
        case environment
    }
    /// openblas_get_corename() of the loaded library, e.g. "Haswell", "SkylakeX", "Zen".
    package var blasCore: String
    package var blasCoreSource: CoreSource
    /// charlstm's own kernels: "avx512", "avx2" or "baseline".
    package var simd: String

    /// The choices of this process (loads OpenBLAS).
    package static var current: KernelChoice {
        let core = String(cString: cbl_core_name())
        let source: CoreSource
        switch cbl_core_source() {
        case 1: source = .charlstm(replaced: String(cString: cbl_core_default()))
        case 2: source = .environment
        default: source = .openBLAS
        }
        return KernelChoice(blasCore: core, blasCoreSource: source, simd: String(cString: ck_simd_name(ck_simd_level())))
    }

    /// "SkylakeX (charlstm's choice; OpenBLAS chose Prescott)", "Zen", "Haswell (OPENBLAS_CORETYPE)".
    package var blasCoreDescription: String {
        switch blasCoreSource {
        case .openBLAS: blasCore
        case .charlstm(let replaced): "\(blasCore) (charlstm's choice; OpenBLAS chose \(replaced))"
        case .environment: "\(blasCore) (OPENBLAS_CORETYPE)"
        }
    }
}
