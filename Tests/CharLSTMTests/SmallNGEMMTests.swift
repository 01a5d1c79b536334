// CKernels' small-N product (gemm_small_n.h, the per-step product of
// `sample --num N`) against a Double reference and, bit for bit, against the
// batch-1 GEMV run row by row: odd shapes, tails past the last 16-column
// panel, padded strides, beta 0 and 1, binary32 and binary16 weights, one
// thread and two, and each SIMD level's kernel (AVX2, AVX-512) on its own.
import XCTest
import Foundation
import CKernels
@testable import CharLSTM

final class SmallNGEMMTests: XCTestCase {
    struct Case {
        var M, K, N: Int
        var ldx, ldw, ldy: Int
        var beta: Float
    }

    /// The shapes: M up to 13 (tiles of 6, 5, 4, ... rows), N around and
    /// past the 16-column panels, K from 1 up.
    static let cases: [Case] = {
        var cases: [Case] = []
        var i = 0
        for M in [1, 2, 3, 5, 7, 8, 13] {
            for K in [1, 3, 17, 64, 129] {
                for N in [1, 7, 8, 15, 16, 17, 33, 66, 130] {
                    i += 1
                    cases.append(Case(M: M, K: K, N: N, ldx: K + i % 3, ldw: N + i % 5, ldy: N + i % 2,
                                      beta: i % 2 == 0 ? 0 : 1))
                }
            }
        }
        // Twelve and more streams (AVX-512 tiles of 12, then 7 + 6).
        cases.append(Case(M: 12, K: 33, N: 47, ldx: 35, ldw: 49, ldy: 48, beta: 1))
        cases.append(Case(M: 13, K: 20, N: 80, ldx: 20, ldw: 80, ldy: 81, beta: 0))
        // Large enough to be cut into chunks for the worker (M·K·N ≥ 2^16).
        cases.append(Case(M: 8, K: 448, N: 1536, ldx: 449, ldw: 1536, ldy: 1536, beta: 1))
        cases.append(Case(M: 3, K: 130, N: 231, ldx: 131, ldw: 233, ldy: 231, beta: 0))
        return cases
    }()

    /// Runs every case with binary32 or binary16 weights (values exactly
    /// binary16 either way), with a one-worker pool or none; checks the Double
    /// reference (error within (K + 1)·ε·Σ|terms|), the bits of the batch-1
    /// GEMV per row, and that nothing outside Y's M × N elements is written.
    /// level: the kernel of that SIMD level (ck_gemm_small_n_variant), else the one the CPU gets.
    private func check(half: Bool, pooled: Bool, seed: UInt64, level: Int32? = nil) {
        let pool = pooled ? ck_work_pool_create(1) : nil
        defer { ck_work_pool_destroy(pool) }
        var rng = RandomGenerator(seed: seed)
        var worst = 0.0, differing = 0, outside = 0
        for c in Self.cases {
            let w = (0..<(c.K * c.ldw)).map { _ in Float(Float16(rng.nextFloat() * 2 - 1)) }
            let h = w.map { Float16($0).bitPattern }
            let x = (0..<(c.M * c.ldx)).map { _ in rng.nextFloat() * 2 - 1 }
            let y0 = (0..<(c.M * c.ldy)).map { _ in rng.nextFloat() * 2 - 1 }
            var y = y0, reference = y0
            let size = Int(ck_small_n_panels_size(Int64(c.K), Int64(c.N)))
            if half {
                var panels = [UInt16](repeating: 0xFFFF, count: size)   // NaN filler: every element must be written
                ck_small_n_pack(1, Int64(c.K), Int64(c.N), h, Int64(c.ldw), &panels)
                if let level {
                    XCTAssertEqual(ck_gemm_small_n_variant(level, pool, 1, Int64(c.M), Int64(c.K), Int64(c.N), x,
                                                           Int64(c.ldx), panels, h, Int64(c.ldw), c.beta, &y,
                                                           Int64(c.ldy)), 1)
                } else {
                    ck_gemm_small_n_f16(pool, Int64(c.M), Int64(c.K), Int64(c.N), x, Int64(c.ldx), panels, h,
                                        Int64(c.ldw), c.beta, &y, Int64(c.ldy))
                }
                ck_gemm_small_n_rows(1, Int64(c.M), Int64(c.K), Int64(c.N), x, Int64(c.ldx), h, Int64(c.ldw),
                                     c.beta, &reference, Int64(c.ldy))
            } else {
                var panels = [Float](repeating: .nan, count: size)
                ck_small_n_pack(0, Int64(c.K), Int64(c.N), w, Int64(c.ldw), &panels)
                if let level {
                    XCTAssertEqual(ck_gemm_small_n_variant(level, pool, 0, Int64(c.M), Int64(c.K), Int64(c.N), x,
                                                           Int64(c.ldx), panels, w, Int64(c.ldw), c.beta, &y,
                                                           Int64(c.ldy)), 1)
                } else {
                    ck_gemm_small_n_f32(pool, Int64(c.M), Int64(c.K), Int64(c.N), x, Int64(c.ldx), panels, w,
                                        Int64(c.ldw), c.beta, &y, Int64(c.ldy))
                }
                ck_gemm_small_n_rows(0, Int64(c.M), Int64(c.K), Int64(c.N), x, Int64(c.ldx), w, Int64(c.ldw),
                                     c.beta, &reference, Int64(c.ldy))
            }
            for m in 0..<c.M {
                for n in 0..<c.ldy {
                    let i = m * c.ldy + n
                    if n >= c.N {
                        if y[i].bitPattern != y0[i].bitPattern { outside += 1 }
                        continue
                    }
                    if y[i].bitPattern != reference[i].bitPattern { differing += 1 }
                    var exact = Double(c.beta) * Double(y0[i]), magnitude = abs(exact)
                    for k in 0..<c.K {
                        let p = Double(x[m * c.ldx + k]) * Double(w[k * c.ldw + n])
                        exact += p
                        magnitude += abs(p)
                    }
                    let bound = Double(c.K + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
                    worst = max(worst, abs(Double(y[i]) - exact) / bound)
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "half \(half) pooled \(pooled): error beyond (K + 1)·ε·Σ|terms|")
        XCTAssertEqual(differing, 0, "half \(half) pooled \(pooled): outputs differ from the batch-1 GEMV's bits")
        XCTAssertEqual(outside, 0, "half \(half) pooled \(pooled): wrote past column N")
    }

    func testBinary32MatchesDoubleAndBatchOneBits() { check(half: false, pooled: false, seed: 61) }
    func testBinary16MatchesDoubleAndBatchOneBits() { check(half: true, pooled: false, seed: 62) }
    func testTwoThreadsGiveTheSameBits() {
        check(half: false, pooled: true, seed: 63)
        check(half: true, pooled: true, seed: 64)
    }

    /// Each SIMD level's kernel (AVX2+FMA: tiles of up to 6 streams by 16
    /// columns; AVX-512: up to 12 streams by 32, masked tails) against the
    /// Double reference and the batch-1 GEMV's bits, whatever level the CPU
    /// would pick; levels the CPU lacks are skipped.
    func testEverySIMDLevelGivesTheBatchOneBits() throws {
        var ran = 0
        for level in [Int32(CK_SIMD_AVX2), Int32(CK_SIMD_AVX512)] where level <= ck_simd_level() {
            for half in [false, true] {
                check(half: half, pooled: false, seed: 65 + UInt64(level), level: level)
                check(half: half, pooled: true, seed: 67 + UInt64(level), level: level)
            }
            ran += 1
        }
        if ran == 0 { throw XCTSkip("this CPU has neither AVX2+FMA nor AVX-512") }
    }

    /// The panel layout as documented: panel p holds rows 0..<K of columns
    /// [16p, 16p + 16), zeros past N.
    func testPanelLayout() {
        let (K, N, ldw) = (3, 21, 23)
        let w = (0..<(K * ldw)).map { Float($0) }
        var panels = [Float](repeating: .nan, count: Int(ck_small_n_panels_size(Int64(K), Int64(N))))
        XCTAssertEqual(panels.count, K * 32)
        ck_small_n_pack(0, Int64(K), Int64(N), w, Int64(ldw), &panels)
        for p in 0..<2 {
            for k in 0..<K {
                for j in 0..<16 {
                    let n = 16 * p + j
                    XCTAssertEqual(panels[(p * K + k) * 16 + j], n < N ? w[k * ldw + n] : 0, "p\(p) k\(k) j\(j)")
                }
            }
        }
    }
}
