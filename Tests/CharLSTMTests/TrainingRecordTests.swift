// The training side's conversions to and from the records a checkpoint holds
// (TrainingOptions ↔ CheckpointTrainingOptions, HistoryPoint ↔ CheckpointHistoryPoint).
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TrainingRecordTests: XCTestCase {
    /// Every field differs from TrainingOptions' defaults and from every other field,
    /// so a field dropped or crossed with another in either direction shows.
    func testOptionsConvertFieldByFieldBothWays() {
        let record = CheckpointTrainingOptions(optimizer: .rmsprop, batch: 3, seqLength: 7, learningRate: 0.011,
                                               lrDecay: 0.93, lrDecayEvery: 17, gradClip: 2.5, valFraction: 0.125,
                                               testFraction: 0.0625, totalSteps: 4321, seed: 987_654_321)
        let o = TrainingOptions(record)
        XCTAssertEqual(o.optimizer, .rmsprop)
        XCTAssertEqual([o.batch, o.seqLength, o.lrDecayEvery, o.totalSteps], [3, 7, 17, 4321])
        XCTAssertEqual([o.learningRate, o.lrDecay, o.gradClip, o.valFraction, o.testFraction], [0.011, 0.93, 2.5, 0.125, 0.0625])
        XCTAssertEqual(o.seed, 987_654_321)
        XCTAssertEqual(o.checkpointRecord, record)
    }

    func testHistoryPointConvertsFieldByFieldBothWays() {
        let record = CheckpointHistoryPoint(step: 250, epoch: 1.5, trainBPC: 2.25, valBPC: 2.375, learningRate: 0.004)
        let p = HistoryPoint(record)
        XCTAssertEqual(p.step, 250)
        XCTAssertEqual([p.epoch, p.trainBPC, p.valBPC, p.learningRate], [1.5, 2.25, 2.375, 0.004])
        XCTAssertEqual(p.checkpointRecord, record)
    }
}
