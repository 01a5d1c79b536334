// The two ways of splitting the LSTM recurrence across threads
// (ComputeThreads.RecurrenceSplit): by streams, or each step by blocks of
// hidden units. Every element is the same sum in the same order either way,
// so losses, gradients (including the initial state's) and final states agree
// to the last bit in Float; in Double (dgemm on column slices) to rounding.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class RecurrenceSplitTests: XCTestCase {
    private func run<S: BLASScalar>(_: S.Type, split: ComputeThreads.RecurrenceSplit, threads: Int,
                                    hidden: Int) -> (Double, [S], [S], [S]) {
        let cfg = ModelConfig(cell: .lstm, layers: 2, embed: 9, hidden: hidden, vocab: 13)
        let m = Model<S>(config: cfg, compute: ComputeThreads(threads: threads, recurrenceOverride: split))
        var rng = RandomGenerator(seed: 5)
        m.initialize(rng: &rng)
        let (B, T) = (5, 6)
        var ids = RandomGenerator(seed: 6)
        let tokens = (0..<(2 * T * B + B)).map { _ in Int32(ids.nextInt(below: 13)) }
        let state = m.makeState(batch: B), dState = m.makeState(batch: B)
        var loss = 0.0
        for w in 0..<2 {   // the second window starts from the carried (non-zero) state
            let base = w * T * B
            m.gradients.zero()
            loss = m.forward(inputs: Array(tokens[base..<(base + T * B)]), targets: Array(tokens[(base + B)..<(base + B + T * B)]),
                             steps: T, state: state, training: true, rng: &rng)
            m.backward(lossScale: 1 / S(Double(T * B)), initialStateGradient: dState)
        }
        return (loss, m.gradients.array, state.flattened(), dState.flattened())
    }

    func testUnitBlocksGiveTheStreamSplitsBits() {
        for (hidden, threads) in [(48, 3), (64, 2), (32, 5)] {   // 3 blocks; 2 blocks; 2 blocks on 5 threads
            let streams = run(Float.self, split: .streams, threads: threads, hidden: hidden)
            let units = run(Float.self, split: .units, threads: threads, hidden: hidden)
            XCTAssertEqual(streams.0.bitPattern, units.0.bitPattern, "loss H=\(hidden)")
            XCTAssertEqual(streams.1.map(\.bitPattern), units.1.map(\.bitPattern), "gradients H=\(hidden)")
            XCTAssertEqual(streams.2.map(\.bitPattern), units.2.map(\.bitPattern), "state H=\(hidden)")
            XCTAssertEqual(streams.3.map(\.bitPattern), units.3.map(\.bitPattern), "initial-state gradient H=\(hidden)")
            XCTAssertTrue(streams.3.contains { $0 != 0 })
        }
    }

    func testUnitBlocksInDouble() {
        let streams = run(Double.self, split: .streams, threads: 3, hidden: 48)
        let units = run(Double.self, split: .units, threads: 3, hidden: 48)
        XCTAssertEqual(streams.0, units.0, accuracy: 1e-12 * abs(streams.0))
        for (a, b) in zip(streams.1 + streams.3, units.1 + units.3) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    /// Units are used for a packed W_h over 2 MiB from 4 threads on, or over
    /// 8 MiB, and only when H is a multiple of 16; never with one block.
    func testWhenUnitsAreChosen() {
        var compute = ComputeThreads(threads: 2, recurrenceOverride: nil)
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 512))
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 720))
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 736), 2)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 1024), 2)
        compute = ComputeThreads(threads: 3, recurrenceOverride: nil)
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 128))
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 512))
        compute = ComputeThreads(threads: 4, recurrenceOverride: nil)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 512), 4)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 384), 4)
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 352))
        compute = ComputeThreads(threads: 16, recurrenceOverride: nil)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 512), 16)
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 128))
        compute = ComputeThreads(threads: compute.count, recurrenceOverride: .units)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 128), 8)
        compute = ComputeThreads(threads: compute.count, recurrenceOverride: nil)
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 100))
        XCTAssertNil(compute.recurrenceUnitBlocks(hidden: 16))
        XCTAssertEqual(ComputeThreads.unitBlock(7, of: 8, hidden: 128), 112..<128)
        XCTAssertEqual((0..<3).map { ComputeThreads.unitBlock($0, of: 3, hidden: 80) }, [0..<16, 16..<48, 48..<80])
    }
}
