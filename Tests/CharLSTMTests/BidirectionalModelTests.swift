// BidirectionalModel: position t is predicted from both sides of t, never from x_t itself.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class BidirectionalModelTests: XCTestCase {
    private func probabilities(_ model: BidirectionalModel<Double>, _ ids: [Int32], batch: Int) -> [Double] {
        var rng = RandomGenerator(seed: 0)
        let state = model.makeState(batch: batch)
        let steps = ids.count / batch, V = model.config.vocab
        return ids.withUnsafeBufferPointer { x in
            _ = model.forward(inputs: x.baseAddress!, targets: x.baseAddress!, steps: steps, state: state,
                              training: false, rng: &rng)
            return Array(UnsafeBufferPointer(start: model.probabilities, count: ids.count * V))
        }
    }

    func testPositionSeesBothNeighboursButNotItself() {
        let cfg = ModelConfig(cell: .lstm, layers: 2, embed: 4, hidden: 6, vocab: 9, direction: .bidirectional)
        let model = BidirectionalModel<Double>(config: cfg)
        var rng = RandomGenerator(seed: 3)
        model.initialize(rng: &rng)
        let V = 9, t = 3
        let base: [Int32] = [1, 2, 3, 4, 5, 6, 7]
        let p = probabilities(model, base, batch: 1)
        func row(_ q: [Double], _ i: Int) -> ArraySlice<Double> { q[(i * V)..<((i + 1) * V)] }
        func changed(at i: Int) -> [Double] { var ids = base; ids[i] = 8; return probabilities(model, ids, batch: 1) }
        // x_t itself: row t is exactly unchanged; rows before and after do change.
        let own = changed(at: t)
        XCTAssertEqual(row(own, t), row(p, t))
        XCTAssertNotEqual(row(own, t - 1), row(p, t - 1))
        XCTAssertNotEqual(row(own, t + 1), row(p, t + 1))
        // Either neighbour, and text further away on both sides, changes row t.
        for i in [0, t - 1, t + 1, base.count - 1] {
            XCTAssertNotEqual(row(changed(at: i), t), row(p, t), "x_\(i) must reach position \(t)")
        }
        // Each row is a distribution.
        for i in 0..<base.count { XCTAssertEqual(row(p, i).reduce(0, +), 1, accuracy: 1e-12) }
    }

    func testStreamsOfABatchAreIndependent() {
        let cfg = ModelConfig(cell: .gru, layers: 1, embed: 3, hidden: 5, vocab: 7, direction: .bidirectional)
        let model = BidirectionalModel<Double>(config: cfg)
        var rng = RandomGenerator(seed: 4)
        model.initialize(rng: &rng)
        let a: [Int32] = [1, 2, 3, 4, 5], b: [Int32] = [6, 5, 4, 3, 2]
        let pa = probabilities(model, a, batch: 1), pb = probabilities(model, b, batch: 1)
        // Time-major (T, B): row t·2 + s.
        let both = probabilities(model, zip(a, b).flatMap { [$0, $1] }, batch: 2)
        for t in 0..<5 {
            for v in 0..<7 {
                XCTAssertEqual(both[(t * 2) * 7 + v], pa[t * 7 + v], accuracy: 1e-12)
                XCTAssertEqual(both[(t * 2 + 1) * 7 + v], pb[t * 7 + v], accuracy: 1e-12)
            }
        }
    }
}
