// CKernels' product against pre-packed weights (ck_pack_b + ck_gemm_packed,
// the per-step recurrent products) against a Double reference: odd shapes
// around the 6-row blocks and 16-column panels, transposed and plain packing,
// padded leading dimensions, accumulate and overwrite; both the dispatched and
// the portable code. And the property the threaded time loop relies on: the
// rows of C come out bit-identical however the rows of A are split.
import XCTest
import Foundation
import CKernels
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class PackedGEMMTests: XCTestCase {
    typealias Kernel = (Int64, Int64, Int64, UnsafePointer<Float>, Int64, UnsafePointer<Float>,
                        UnsafeMutablePointer<Float>, Int64, Int32) -> Void

    private func random(_ n: Int, _ rng: inout RandomGenerator) -> [Float] {
        (0..<n).map { _ in rng.nextFloat() * 2 - 1 }
    }

    /// Packs op(B) (k, n) from B stored with row stride `ldb` (B is (k, n), or (n, k) when trans).
    private func packed(_ b: [Float], trans: Bool, k: Int, n: Int, ldb: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: Int(ck_packed_size(Int64(k), Int64(n))))
        b.withUnsafeBufferPointer { bp in
            out.withUnsafeMutableBufferPointer { op in
                ck_pack_b(trans ? 1 : 0, Int64(k), Int64(n), bp.baseAddress!, Int64(ldb), op.baseAddress!)
            }
        }
        return out
    }

    /// Worst error over many shapes, in units of the bound (k+1)·ε·Σ|a·b| + ε|c0|.
    private func worstError(_ kernel: Kernel, seed: UInt64) -> Double {
        var rng = RandomGenerator(seed: seed)
        var worst = 0.0
        for m in [1, 2, 3, 5, 6, 7, 11, 12, 13, 25, 50] {
            for n in [1, 15, 16, 17, 33, 64, 130] {
                for k in [1, 7, 128] {
                    for (trans, accumulate, pad) in [(false, false, 0), (true, true, 3), (false, true, 2), (true, false, 0)] {
                        let lda = k + pad, ldc = n + pad
                        let ldb = (trans ? k : n) + pad
                        let a = random(m * lda, &rng)
                        let b = random((trans ? n : k) * ldb, &rng)
                        let c0 = random(m * ldc, &rng)
                        let p = packed(b, trans: trans, k: k, n: n, ldb: ldb)
                        var c = c0
                        a.withUnsafeBufferPointer { ap in
                            p.withUnsafeBufferPointer { pp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    kernel(Int64(m), Int64(n), Int64(k), ap.baseAddress!, Int64(lda), pp.baseAddress!,
                                           cp.baseAddress!, Int64(ldc), accumulate ? 1 : 0)
                                }
                            }
                        }
                        for i in 0..<m {
                            for j in 0..<ldc {
                                let got = Double(c[i * ldc + j])
                                if j >= n {   // padding columns are not written
                                    XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "wrote past n: m \(m) n \(n) k \(k)")
                                    continue
                                }
                                var exact = accumulate ? Double(c0[i * ldc + j]) : 0, magnitude = abs(exact)
                                for kk in 0..<k {
                                    let bv = trans ? b[j * ldb + kk] : b[kk * ldb + j]
                                    let prod = Double(a[i * lda + kk]) * Double(bv)
                                    exact += prod
                                    magnitude += abs(prod)
                                }
                                let bound = Double(k + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
                                worst = max(worst, abs(got - exact) / bound)
                            }
                        }
                    }
                }
            }
        }
        return worst
    }

    func testDispatchedKernelMatchesDoubleReference() {
        let worst = worstError(ck_gemm_packed, seed: 11)
        XCTAssertLessThanOrEqual(worst, 1, "error beyond the summation bound")
        XCTAssertGreaterThan(worst, 0, "suspiciously exact: is the reference computed in Float?")
    }

    /// The AVX-512 kernel (blocks of up to 6 rows by 4 panels) against the
    /// Double reference, and bit for bit against the AVX2 kernel, over odd shapes.
    func testAVX512KernelMatchesReferenceAndAVX2Bits() throws {
        guard ck_simd_level() >= Int32(CK_SIMD_AVX512) else { throw XCTSkip("this CPU has no AVX-512") }
        XCTAssertLessThan(worstError({ ck_gemm_packed_variant(Int32(CK_SIMD_AVX512), $0, $1, $2, $3, $4, $5, $6, $7, $8) },
                                     seed: 12), 1)
        var rng = RandomGenerator(seed: 13)
        for (m, n, k) in [(1, 1, 1), (3, 130, 64), (25, 512, 128), (50, 70, 33), (7, 16, 512), (13, 100, 5)] {
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            let p = packed(b, trans: false, k: k, n: n, ldb: n)
            var results: [[Float]] = []
            for level in [CK_SIMD_AVX2, CK_SIMD_AVX512] {
                var c = c0
                a.withUnsafeBufferPointer { ap in p.withUnsafeBufferPointer { pp in c.withUnsafeMutableBufferPointer { cp in
                    XCTAssertEqual(ck_gemm_packed_variant(Int32(level), Int64(m), Int64(n), Int64(k), ap.baseAddress!, Int64(k),
                                                          pp.baseAddress!, cp.baseAddress!, Int64(n), 1), 1)
                } } }
                results.append(c)
            }
            XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern), "m \(m) n \(n) k \(k)")
        }
    }

    func testPortableKernelMatchesDoubleReference() {
        XCTAssertLessThanOrEqual(worstError(ck_gemm_packed_portable, seed: 12), 1)
    }

    func testPackingPadsPanelsWithZeros() {
        var rng = RandomGenerator(seed: 3)
        let (k, n) = (5, 19)
        let b = random(k * n, &rng)
        let p = packed(b, trans: false, k: k, n: n, ldb: n)
        XCTAssertEqual(p.count, k * 32)
        for kk in 0..<k {
            for c in 0..<16 { XCTAssertEqual(p[kk * 16 + c], b[kk * n + c]) }              // panel 0
            for c in 0..<3 { XCTAssertEqual(p[(k + kk) * 16 + c], b[kk * n + 16 + c]) }  // panel 1
            for c in 3..<16 { XCTAssertEqual(p[(k + kk) * 16 + c], 0) }
        }
        // Transposed: op(B) (k, n) read from B (n, k).
        let t = packed(b, trans: true, k: k, n: n, ldb: k)
        for kk in 0..<k {
            for c in 0..<16 { XCTAssertEqual(t[kk * 16 + c], b[c * k + kk]) }
            for c in 0..<3 { XCTAssertEqual(t[(k + kk) * 16 + c], b[(16 + c) * k + kk]) }
            for c in 3..<16 { XCTAssertEqual(t[(k + kk) * 16 + c], 0) }
        }
    }

    /// Float.pack splits the panels across the compute threads; the result is
    /// the single call's, padding included.
    func testThreadedPackingMatchesOneCall() {
        var rng = RandomGenerator(seed: 8)
        for (trans, k, n) in [(false, 64, 520), (true, 520, 264)] {
            let b = random(k * n, &rng)
            let ldb = trans ? k : n
            let single = packed(b, trans: trans, k: k, n: n, ldb: ldb)
            for threads in [2, 3] {
                let compute = ComputeThreads(threads: threads)
                var split = [Float](repeating: .nan, count: single.count)
                b.withUnsafeBufferPointer { bp in
                    split.withUnsafeMutableBufferPointer { sp in
                        Float.pack(trans: trans, k: k, n: n, b: bp.baseAddress!, ldb: ldb, into: sp.baseAddress!,
                                   compute: compute)
                    }
                }
                XCTAssertEqual(split.map(\.bitPattern), single.map(\.bitPattern), "trans \(trans), \(threads) threads")
            }
        }
    }

    /// The time loop gives each thread a block of streams (rows); any split must
    /// give the bits a single call gives.
    func testRowSplitsAreBitIdentical() {
        var rng = RandomGenerator(seed: 5)
        let (m, n, k) = (50, 2048 / 4 + 8, 128)
        let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
        let p = packed(b, trans: false, k: k, n: n, ldb: n)
        func run(_ splits: [Int]) -> [Float] {
            var c = c0
            a.withUnsafeBufferPointer { ap in
                p.withUnsafeBufferPointer { pp in
                    c.withUnsafeMutableBufferPointer { cp in
                        var row = 0
                        for rows in splits {
                            ck_gemm_packed(Int64(rows), Int64(n), Int64(k), ap.baseAddress! + row * k, Int64(k),
                                           pp.baseAddress!, cp.baseAddress! + row * n, Int64(n), 1)
                            row += rows
                        }
                    }
                }
            }
            return c
        }
        let whole = run([50])
        for splits in [[25, 25], [17, 33], [1, 49], [7, 6, 5, 4, 3, 2, 1, 22], Array(repeating: 1, count: 50)] {
            XCTAssertEqual(run(splits), whole, "split \(splits)")
        }
    }
}
