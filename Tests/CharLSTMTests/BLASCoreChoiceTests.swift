// The OpenBLAS core choice (COpenBLAS/blas_core.h) over feature sets and the
// core names OpenBLAS 0.3.21 reports: an outgrown core is replaced by the best
// match for the CPU's features, a sufficient or unknown one is kept.
import XCTest
import COpenBLAS

final class BLASCoreChoiceTests: XCTestCase {
    private let avx512 = cbl_cpu_features(avx512: 1, avx2_fma: 1, avx: 1, amd_zen: 0)
    private let zen4 = cbl_cpu_features(avx512: 1, avx2_fma: 1, avx: 1, amd_zen: 1)
    private let haswell = cbl_cpu_features(avx512: 0, avx2_fma: 1, avx: 1, amd_zen: 0)
    private let zen3 = cbl_cpu_features(avx512: 0, avx2_fma: 1, avx: 1, amd_zen: 1)
    private let sandy = cbl_cpu_features(avx512: 0, avx2_fma: 0, avx: 1, amd_zen: 0)
    private let sse = cbl_cpu_features(avx512: 0, avx2_fma: 0, avx: 0, amd_zen: 0)

    private func upgrade(_ core: String, _ cpu: cbl_cpu_features) -> String? {
        cbl_core_upgrade(core, cpu).map { String(cString: $0) }
    }

    func testPrescottOnAnAVX512XeonBecomesSkylakeX() {
        XCTAssertEqual(upgrade("Prescott", avx512), "SkylakeX")
        XCTAssertEqual(upgrade("prescott", avx512), "SkylakeX")   // case as OPENBLAS_CORETYPE takes it
    }

    func testOutgrownCoresAreReplacedByTheBestMatch() {
        for old in ["Prescott", "Nehalem", "Core2", "Penryn", "Atom", "Unknown", "Generic", "Barcelona"] {
            XCTAssertEqual(upgrade(old, avx512), "SkylakeX", old)
            XCTAssertEqual(upgrade(old, zen4), "SkylakeX", old)
            XCTAssertEqual(upgrade(old, haswell), "Haswell", old)
            XCTAssertEqual(upgrade(old, zen3), "Zen", old)
            XCTAssertEqual(upgrade(old, sandy), "Sandybridge", old)
            XCTAssertNil(upgrade(old, sse), old)
        }
        XCTAssertEqual(upgrade("Sandybridge", haswell), "Haswell")
        XCTAssertEqual(upgrade("Haswell", avx512), "SkylakeX")
        XCTAssertEqual(upgrade("Zen", zen4), "SkylakeX")
    }

    func testSufficientOrUnknownCoresAreKept() {
        for (core, cpu) in [("SkylakeX", avx512), ("Cooperlake", zen4), ("SapphireRapids", avx512), ("Haswell", haswell),
                            ("Zen", zen3), ("Zen", haswell), ("Excavator", haswell), ("Sandybridge", sandy),
                            ("Prescott", sse), ("SkylakeX", haswell), ("Zen5", avx512), ("Neoversev1", haswell)] {
            XCTAssertNil(upgrade(core, cpu), "\(core)")
        }
    }

    func testLevels() {
        XCTAssertEqual(cbl_core_level("Prescott"), 0)
        XCTAssertEqual(cbl_core_level("Bulldozer"), 1)
        XCTAssertEqual(cbl_core_level("Zen"), 2)
        XCTAssertEqual(cbl_core_level("COOPERLAKE"), 3)
        XCTAssertEqual(cbl_core_level("Zen5"), -1)
        XCTAssertEqual(cbl_core_level(nil), -1)
    }
}
