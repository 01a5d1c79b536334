// The vectorised Float kernels against libm in Double, over ordinary and extreme inputs.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench
import CKernels

final class KernelTests: XCTestCase {
    private var inputs: [Float] {
        var xs = stride(from: Float(-20), through: 20, by: 0.00390625).map { $0 }
        xs += [0, -0, 1e-30, -1e-30, 1e-6, -1e-6, 80, -80, 100, -100, 1e4, -1e4, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        return xs
    }

    func testTanhMatchesLibm() {
        var y = [Float](repeating: 0, count: inputs.count)
        let x = inputs
        Float.tanh(&y, x, x.count)
        var worst = 0.0
        for (a, v) in zip(y, x) { worst = max(worst, abs(Double(a) - Foundation.tanh(Double(v)))) }
        XCTAssertLessThan(worst, 5e-7)
        // Never beyond ±1, and exactly ±1 where binary32 tanh rounds to it.
        XCTAssertTrue(y.allSatisfy { abs($0) <= 1 })
        XCTAssertEqual(y[x.firstIndex(of: 100)!], 1)
        XCTAssertEqual(y[x.firstIndex(of: -100)!], -1)
        XCTAssertEqual(y[x.firstIndex(of: 0)!], 0)
    }

    /// ck_tanh (in place: the LSTM's g gate, vectorised since `restrict`) gives
    /// exactly ck_tanh_to's bits (separate buffers), which gave the scalar
    /// loop's bits the in-place calls took before (checked over every
    /// non-NaN binary32 when the in-place loop was vectorised).
    func testTanhInPlaceHasTheBitsOfTanhTo() {
        var rng = RandomGenerator(seed: 31)
        var x = inputs + [-0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude]
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if !f.isNaN { x.append(f) }
        }
        for n in [x.count, 1, 15, 16, 17, 128, 131] {   // the vector loops' tails too
            let input = Array(x.prefix(n))
            var separate = [Float](repeating: 0, count: n)
            ck_tanh_to(&separate, input, Int64(n))
            var inPlace = input
            ck_tanh(&inPlace, Int64(n))
            var aliased = input
            aliased.withUnsafeMutableBufferPointer { ck_tanh_to($0.baseAddress!, $0.baseAddress!, Int64(n)) }
            XCTAssertEqual(inPlace.map(\.bitPattern), separate.map(\.bitPattern), "n \(n)")
            XCTAssertEqual(aliased.map(\.bitPattern), separate.map(\.bitPattern), "n \(n)")
        }
    }

    func testSigmoidMatchesLibm() {
        var x = inputs
        let original = x
        Float.sigmoid(&x, x.count)
        var worst = 0.0
        for (a, v) in zip(x, original) { worst = max(worst, abs(Double(a) - 1 / (1 + Foundation.exp(-Double(v))))) }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertTrue(x.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testSoftmaxRowsMatchesDouble() {
        let rows = 3, cols = 70
        var rng = RandomGenerator(seed: 5)
        var x = (0..<(rows * cols)).map { _ in (rng.nextFloat() - 0.5) * 60 }
        x[5] = 1000   // a huge logit must not overflow
        let original = x
        var m = [Float](repeating: 0, count: rows), s = [Float](repeating: 0, count: rows)
        Float.softmaxRows(&x, rows: rows, cols: cols, maxOut: &m, sumOut: &s)
        for r in 0..<rows {
            let row = original[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mx = row.max()!
            let e = row.map { Foundation.exp($0 - mx) }, z = e.reduce(0, +)
            XCTAssertEqual(Double(m[r]), mx)
            XCTAssertEqual(Double(s[r]), z, accuracy: 1e-6 * z)
            for c in 0..<cols { XCTAssertEqual(Double(x[r * cols + c]) / Double(s[r]), e[c] / z, accuracy: 1e-6) }
        }
    }
}
