// The optimizer's update and the gradient clipping run in fixed chunks of
// parameters spread over the compute threads (ComputeThreads.forEachChunk).
// Element-wise updates, and a norm whose per-chunk partial sums are added in
// chunk order, must give the same bits on any number of threads; and the
// norm must still be the norm.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class OptimizerThreadsTests: XCTestCase {
    /// Parameters and moments after three clipped updates on `threads` threads.
    private func run(_ kind: OptimizerKind, threads: Int, count: Int) -> (norms: [Double], parameters: [Float]) {
        let compute = ComputeThreads(threads: threads)
        var rng = RandomGenerator(seed: 31)
        let parameters = Buffer<Float>(copying: (0..<count).map { _ in rng.nextFloat() - 0.5 })
        let gradients = Buffer<Float>(count: count)
        let optimizer = Optimizer<Float>(kind: kind, parameterCount: count, compute: compute)
        var norms: [Double] = []
        for _ in 0..<3 {
            for k in 0..<count { gradients.base[k] = (rng.nextFloat() - 0.5) * 0.1 }
            norms.append(clipGradientNorm(gradients, maxNorm: 5, compute: compute))   // √(count/1200) ≈ 9: clips
            optimizer.update(parameters: parameters, gradients: gradients, learningRate: 1e-2)
        }
        return (norms, parameters.array)
    }

    func testUpdatesAreBitIdenticalOnAnyThreadCount() {
        let count = 5 * ComputeThreads.elementChunk + 123   // six chunks, the last short
        for kind in OptimizerKind.allCases {
            let one = run(kind, threads: 1, count: count)
            for threads in [2, 3] {
                let other = run(kind, threads: threads, count: count)
                XCTAssertEqual(other.norms.map(\.bitPattern), one.norms.map(\.bitPattern), "\(kind), \(threads) threads")
                XCTAssertEqual(other.parameters.map(\.bitPattern), one.parameters.map(\.bitPattern),
                               "\(kind), \(threads) threads")
            }
        }
    }

    func testClippingComputesTheNormAndScalesToTheLimit() {
        let compute = ComputeThreads(threads: 2)
        var rng = RandomGenerator(seed: 4)
        let count = 3 * ComputeThreads.elementChunk + 7
        let values = (0..<count).map { _ in rng.nextFloat() - 0.5 }
        let reference = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let g = Buffer<Float>(copying: values)
        let norm = clipGradientNorm(g, maxNorm: 5, compute: compute)
        XCTAssertEqual(norm, reference, accuracy: 1e-9 * reference)
        XCTAssertGreaterThan(norm, 5)
        let after = g.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        XCTAssertEqual(after, 5, accuracy: 1e-5)
        for (a, b) in zip(g.array, values) { XCTAssertEqual(a, b * Float(5 / norm), accuracy: 1e-7) }
    }
}
