// TrainingSchedule, TrainingMemory and RunNaming: what `charlstm train` used to
// work out itself, now the library's.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TrainingScheduleTests: XCTestCase {
    /// Mutations caught: a default other than 10 epochs; dropping the 10 … 1000 clamp of the
    /// evaluation interval; dropping the 1 … 10 clamp of the history interval.
    func testDefaultsFollowTheRunLength() throws {
        var s = try TrainingSchedule(length: nil, windowsPerEpoch: 17)
        XCTAssertEqual(s, TrainingSchedule(totalSteps: 170, evalEvery: 17, historyEvery: 3))
        s = try TrainingSchedule(length: .epochs(3), windowsPerEpoch: 1000)
        XCTAssertEqual(s, TrainingSchedule(totalSteps: 3000, evalEvery: 300, historyEvery: 10))
        s = try TrainingSchedule(length: .steps(40), windowsPerEpoch: 1000)
        XCTAssertEqual(s, TrainingSchedule(totalSteps: 40, evalEvery: 10, historyEvery: 2))
        s = try TrainingSchedule(length: .steps(500_000), windowsPerEpoch: 3)
        XCTAssertEqual(s, TrainingSchedule(totalSteps: 500_000, evalEvery: 1000, historyEvery: 10))
        s = try TrainingSchedule(length: .steps(100), windowsPerEpoch: 3, evalEvery: 4)
        XCTAssertEqual(s, TrainingSchedule(totalSteps: 100, evalEvery: 4, historyEvery: 1))
    }

    /// Mutation caught: an uncapped epochs × windows (overflow, or above maxSteps).
    func testEpochsAreCappedAtMaxSteps() throws {
        XCTAssertEqual(try TrainingSchedule(length: .epochs(1_000_000), windowsPerEpoch: 10_000).totalSteps,
                       TrainingSchedule.maxSteps)
        XCTAssertEqual(try TrainingSchedule(length: .epochs(2), windowsPerEpoch: Int.max).totalSteps,
                       TrainingSchedule.maxSteps)
    }

    /// Mutations caught: a resumed run without a length using 10 epochs instead of its planned
    /// total; `<` instead of `<=` against the checkpoint's step; the length not carried in the error.
    func testResumedRunKeepsItsPlanAndRefusesNothingToDo() throws {
        XCTAssertEqual(try TrainingSchedule(length: nil, windowsPerEpoch: 17, resumed: (step: 40, plannedTotal: 60)).totalSteps, 60)
        XCTAssertEqual(try TrainingSchedule(length: .steps(41), windowsPerEpoch: 17, resumed: (step: 40, plannedTotal: 60)).totalSteps, 41)
        for (length, target) in [(TrainingLength?.none, 40), (.steps(40), 40), (.steps(30), 30), (.epochs(2), 34)] {
            XCTAssertThrowsError(try TrainingSchedule(length: length, windowsPerEpoch: 17,
                                                      resumed: (step: 40, plannedTotal: 40))) { error in
                XCTAssertEqual(error as? TrainingError, .nothingToResume(step: 40, target: target, length: length))
            }
        }
    }
}

final class TrainingMemoryTests: XCTestCase {
    /// Mutations caught: fewer than 7 copies of the parameters; another per-row activation count;
    /// a bidirectional model not counting its second stack.
    func testEstimateFollowsTheFormula() throws {
        let forward = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 8, vocab: 7)
        let p = Double(try XCTUnwrap(ParameterLayout.checkedCount(forward)))
        // Per row: 1 stack × 2 layers × 8 hidden × (2·4 gates + 6) + 5 embed, plus 2 × 7 logits.
        XCTAssertEqual(TrainingMemory.estimatedBytes(config: forward, batch: 4, seq: 10), 4 * (7 * p + 40 * (224 + 5 + 14)))
        let both = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 8, vocab: 7, direction: .bidirectional)
        let p2 = Double(try XCTUnwrap(ParameterLayout.checkedCount(both)))
        XCTAssertEqual(TrainingMemory.estimatedBytes(config: both, batch: 4, seq: 10), 4 * (7 * p2 + 40 * (2 * 229 + 14)))
    }

    /// Mutations caught: refusing when the machine's memory is unknown (0); not refusing above it;
    /// an overflowing parameter count passing.
    func testShortfallAgainstPhysicalMemory() throws {
        let config = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 8, vocab: 7)
        let bytes = try XCTUnwrap(TrainingMemory.estimatedBytes(config: config, batch: 4, seq: 10))
        XCTAssertNil(TrainingMemory.shortfall(config: config, batch: 4, seq: 10, physicalBytes: bytes))
        XCTAssertNil(TrainingMemory.shortfall(config: config, batch: 4, seq: 10, physicalBytes: 0))
        XCTAssertEqual(TrainingMemory.shortfall(config: config, batch: 4, seq: 10, physicalBytes: bytes - 1),
                       .modelTooLarge(neededBytes: bytes, physicalBytes: bytes - 1))
        let huge = ModelConfig(cell: .lstm, layers: 64, embed: 8, hidden: 1 << 40, vocab: 7)
        XCTAssertEqual(TrainingMemory.shortfall(config: huge, batch: 1, seq: 1, physicalBytes: 1e12),
                       .modelTooLarge(neededBytes: nil, physicalBytes: 1e12))
    }
}

final class RunNamingTests: XCTestCase {
    /// Mutations caught: a resumed latest.ckpt (no NAME) taken as a run name; the directory of
    /// "/x.ckpt" as "" instead of "/"; the stem cutting a leading dot.
    func testNamesAndDirectories() {
        XCTAssertEqual(RunNaming.name(given: nil, resuming: nil, corpus: "data/tiny.shakespeare.txt"), "tiny.shakespeare")
        XCTAssertEqual(RunNaming.name(given: "mine", resuming: "out/run-latest.ckpt", corpus: "a.txt"), "mine")
        XCTAssertEqual(RunNaming.name(given: nil, resuming: "out/run-latest.ckpt", corpus: "a.txt"), "run")
        XCTAssertEqual(RunNaming.name(given: nil, resuming: "out/run-best.ckpt", corpus: "a.txt"), "run")
        XCTAssertEqual(RunNaming.name(given: nil, resuming: "out/latest.ckpt", corpus: "a.txt"), "a")
        XCTAssertEqual(RunNaming.name(given: nil, resuming: "out/-latest.ckpt", corpus: "a.txt"), "a")
        XCTAssertEqual(RunNaming.stem(".profile"), ".profile")
        XCTAssertEqual(RunNaming.stem("dir/.."), "model")
        XCTAssertEqual(RunNaming.directory(given: nil, resuming: nil), "checkpoints")
        XCTAssertEqual(RunNaming.directory(given: "o", resuming: "x/y-latest.ckpt"), "o")
        XCTAssertEqual(RunNaming.directory(given: nil, resuming: "x/y/z-latest.ckpt"), "x/y")
        XCTAssertEqual(RunNaming.directory(given: nil, resuming: "/z-latest.ckpt"), "/")
        XCTAssertEqual(RunNaming.directory(given: nil, resuming: "z-latest.ckpt"), ".")
    }
}
