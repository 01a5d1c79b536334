// CKernels' binary32 GEMV (ck_gemv_f32, the batch-1 inference product) against
// a Double reference and OpenBLAS's sgemv: odd sizes, padded row strides,
// unaligned starts, beta 0 and 1; both the dispatched and the portable code.
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

final class GEMVKernelTests: XCTestCase {
    typealias Kernel = (Int64, Int64, UnsafePointer<Float>, Int64, UnsafePointer<Float>, Float, UnsafeMutablePointer<Float>) -> Void

    /// For every shape: y = beta·y0 + xᵀ·W by `kernel` against Double, with
    /// W (K, N) at row stride N + pad, and W, x, y each starting `shift` floats
    /// past an aligned address. Returns the worst error in units of the bound
    /// K·ε·Σ|x_k·W_kn| + ε|y0| (a sum of K products rounded once each).
    private func worstError(_ kernel: Kernel, seed: UInt64) -> Double {
        var rng = RandomGenerator(seed: seed)
        var worst = 0.0
        let ks = [1, 2, 3, 17, 64, 129, 192]
        let ns = [1, 3, 7, 8, 9, 15, 63, 64, 65, 66, 127, 130, 515]
        for K in ks {
            for N in ns {
                for (pad, shift, beta) in [(0, 0, Float(0)), (5, 1, Float(1)), (3, 3, Float(0)), (0, 2, Float(1))] {
                    let ldw = N + pad
                    let w = (0..<(shift + K * ldw)).map { _ in rng.nextFloat() * 2 - 1 }
                    let x = (0..<(shift + K)).map { _ in rng.nextFloat() * 2 - 1 }
                    let y0 = (0..<(shift + N)).map { _ in rng.nextFloat() * 2 - 1 }
                    var y = y0
                    w.withUnsafeBufferPointer { wp in
                        x.withUnsafeBufferPointer { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                kernel(Int64(K), Int64(N), wp.baseAddress! + shift, Int64(ldw), xp.baseAddress! + shift,
                                       beta, yp.baseAddress! + shift)
                            }
                        }
                    }
                    XCTAssertEqual(Array(y[0..<shift]), Array(y0[0..<shift]), "wrote before y")
                    for n in 0..<N {
                        var exact = Double(beta) * Double(y0[shift + n]), magnitude = abs(exact)
                        for k in 0..<K {
                            let p = Double(x[shift + k]) * Double(w[shift + k * ldw + n])
                            exact += p
                            magnitude += abs(p)
                        }
                        let bound = Double(K + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
                        worst = max(worst, abs(Double(y[shift + n]) - exact) / bound)
                    }
                }
            }
        }
        return worst
    }

    func testDispatchedGEMVMatchesDouble() {
        let worst = worstError(ck_gemv_f32, seed: 41)
        XCTAssertLessThanOrEqual(worst, 1, "error beyond K·ε·Σ|terms|")
    }

    func testPortableGEMVMatchesDouble() {
        let worst = worstError(ck_gemv_f32_portable, seed: 42)
        XCTAssertLessThanOrEqual(worst, 1, "error beyond K·ε·Σ|terms|")
    }

    /// A kernel that drops a term or a column fails the bound above by orders of magnitude.
    func testTheBoundCatchesAWrongKernel() {
        let wrong: Kernel = { K, N, w, ldw, x, beta, y in
            ck_gemv_f32(K, N, w, ldw, x, beta, y)
            if N > 64 { y[64] += 1e-3 }   // one column of the tail slightly off
        }
        XCTAssertGreaterThan(worstError(wrong, seed: 41), 1)
    }

    func testAgreesWithOpenBLASSgemv() {
        var rng = RandomGenerator(seed: 43)
        for (K, N) in [(192, 512), (256, 512), (128, 66), (5, 3)] {
            let w = (0..<(K * N)).map { _ in rng.nextFloat() - 0.5 }
            let x = (0..<K).map { _ in rng.nextFloat() - 0.5 }
            var ours = [Float](repeating: 0, count: N), blas = ours
            ck_gemv_f32(Int64(K), Int64(N), w, Int64(N), x, 0, &ours)
            Float.gemv(trans: true, rows: K, cols: N, alpha: 1, a: w, lda: N, x: x, beta: 0, y: &blas)
            for n in 0..<N { XCTAssertEqual(ours[n], blas[n], accuracy: 1e-5, "K \(K) N \(N) column \(n)") }
        }
    }

    /// Same summation order as the binary16 kernel: on binary16-exact weights
    /// the batch-1 logits of the Float32 and binary16 paths are the same bits.
    func testSameBitsAsTheBinary16PathOnHalfExactWeights() throws {
        // Without AVX2, FMA and F16C the two kernels' portable versions round differently.
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        try XCTSkipUnless(["avx2", "fma", "f16c"].allSatisfy(flags.contains), "no AVX2+FMA+F16C on this CPU")
        let cfg = ModelConfig(cell: .lstm, layers: 2, embed: 8, hidden: 40, vocab: 67)
        let m = Model<Float>(config: cfg)
        var rng = RandomGenerator(seed: 44)
        m.initialize(rng: &rng)
        let exact = m.parameters.array.map { Float(Float16($0)) }
        let full = try InferenceModel(config: cfg, parameters: exact)
        let half = try InferenceModel(config: cfg, parameters: exact, halfPrecision: true)
        for id in [3, 1, 4, 1, 5, 9, 2, 6] as [Int32] {
            var i = id
            let a = full.step(unchecked: &i), b = half.step(unchecked: &i)
            XCTAssertEqual((0..<67).map { a[$0] }, (0..<67).map { b[$0] }, "after id \(id)")
        }
    }

    /// The strip-by-strip binary16 product (sampling with a second core) gives
    /// ck_gemv_f16's bits: full strips, the N % 64 tail, beta 0 and 1.
    func testStripLayoutGivesTheRowLayoutsBits() {
        var rng = RandomGenerator(seed: 61)
        for (K, N) in [(1, 64), (7, 63), (33, 128), (70, 200), (130, 2048 + 8 + 3)] {
            let w = (0..<(K * N)).map { _ in Float16(rng.nextFloat() - 0.5).bitPattern }
            let x = (0..<K).map { _ in rng.nextFloat() - 0.5 }
            let y0 = (0..<N).map { _ in rng.nextFloat() - 0.5 }
            var strips = [UInt16](repeating: 0xFFFF, count: max(Int(ck_f16_strips_size(Int64(K), Int64(N))), 1))
            ck_f16_to_strips(Int64(K), Int64(N), w, Int64(N), &strips)
            for beta: Float in [0, 1] {
                var rows = y0, stripped = y0
                ck_gemv_f16(Int64(K), Int64(N), w, Int64(N), x, beta, &rows)
                ck_gemv_f16_strips(Int64(K), Int64(N), strips, w, Int64(N), x, beta, &stripped)
                XCTAssertEqual(stripped.map(\.bitPattern), rows.map(\.bitPattern), "K \(K), N \(N), beta \(beta)")
            }
        }
    }
}
