// Weight averaging (`train --average-from`): the running mean, evaluation and the best
// checkpoint on the average, exact resume, and the AVRG section of the checkpoint format.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMTraining

final class WeightAverageTests: XCTestCase {
    private func bits(_ b: Buffer<Float>) -> [UInt32] { b.array.map(\.bitPattern) }

    /// Mutations caught: dividing by count − 1 or count + 1; averaging step `from` itself (or
    /// starting one step late); updating before the step's weights change; the average feeding back.
    func testRunningMeanIsTheMeanOfTheWeightsAfterEachStepAfterFrom() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let t = try tinyTrainer(ids: ids)
        let plain = try tinyTrainer(ids: ids)
        t.average(from: 5)
        var sum = [Double](repeating: 0, count: t.model.parameterCount), snapshots = 0
        for _ in 0..<30 {
            guard case .updated = t.trainStep(), case .updated = plain.trainStep() else { return XCTFail("step failed") }
            if t.step > 5 {
                for (i, w) in t.model.parameters.array.enumerated() { sum[i] += Double(w) }
                snapshots += 1
            }
        }
        let averaging = try XCTUnwrap(t.averaging)
        XCTAssertEqual(averaging.count, 25)
        XCTAssertEqual(snapshots, 25)
        var worst = 0.0
        for (i, a) in averaging.values.array.enumerated() { worst = max(worst, abs(Double(a) - sum[i] / 25)) }
        XCTAssertLessThan(worst, 2e-7, "running mean drifts from the arithmetic mean")
        // The average differs from the last weights, and training never reads it.
        XCTAssertNotEqual(bits(averaging.values), bits(t.model.parameters))
        XCTAssertEqual(bits(t.model.parameters), bits(plain.model.parameters))
        XCTAssertEqual(bits(t.optimizer.moment1), bits(plain.optimizer.moment1))
    }

    /// Without --average-from nothing changes: no average, the checkpoint has no AVRG section and
    /// stays format 1.0. Mutation caught: averaging on by default, or AVRG written without an average.
    func testAveragingOffKeepsTheFormatAndTheRun() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let t = try tinyTrainer(ids: ids)
        _ = try t.run(RunSettings(totalSteps: 12, evalEvery: 6, checkpointEvery: 0))
        XCTAssertNil(t.averaging)
        let (back, info) = try decodeWithInfo(try CheckpointFile.encode(t.makeCheckpoint()))
        XCTAssertEqual(info.version, CheckpointVersion(major: 1, minor: 0))
        XCTAssertEqual(info.sections.map(\.kind), ["CONF", "VOCB", "WGHT", "TRAN"])
        XCTAssertNil(back.training?.average)
    }

    /// Evaluations after `from` measure the averaged weights, and NAME-best holds the weights
    /// that were evaluated. Mutation caught: evaluating (or saving) the training weights.
    func testEvaluationAndTheBestCheckpointUseTheAverage() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let dir = try makeTemporaryDirectory(self)
        let t = try tinyTrainer(ids: ids, dropout: 0)
        t.average(from: 10)
        let recorder = TrainerTests.Recorder()
        var settings = RunSettings(totalSteps: 30, evalEvery: 10, checkpointEvery: 0)
        settings.outputs = TrainingOutputs(directory: dir, name: "avg")
        let summary = try t.run(settings, observer: recorder)
        XCTAssertEqual(recorder.evaluations.map(\.averagedSteps), [0, 10, 20])
        let last = try XCTUnwrap(recorder.evaluations.last)

        // A model holding the average, evaluated on its own, gives the reported loss exactly.
        let average = try XCTUnwrap(t.averaging).values.array
        let onAverage = try Trainer(config: t.model.config, vocabulary: t.vocabulary, tokens: ids, options: t.options,
                                    initialParameters: average)
        XCTAssertEqual(onAverage.evaluateValidation(), last.point.valBPC)
        XCTAssertNotEqual(t.evaluateValidation(), last.point.valBPC, "the training weights give another loss")
        XCTAssertEqual(summary.testBPC, onAverage.evaluateTest())

        // NAME-best: the weights evaluated at the best step, with the training weights in AVRG.
        let best = try CheckpointFile.read(dir + "/avg-best.ckpt")
        let bestReport = try XCTUnwrap(recorder.evaluations.last(where: \.improved))
        XCTAssertEqual(best.metadata.bestValBPC, bestReport.point.valBPC)
        let reevaluated = try Trainer(config: best.config, vocabulary: best.vocabulary, tokens: ids, options: t.options,
                                      initialParameters: best.parameters)
        XCTAssertEqual(reevaluated.evaluateValidation(), bestReport.point.valBPC)
        XCTAssertGreaterThan(bestReport.averagedSteps, 0, "the test needs a best evaluation on the average")
        XCTAssertEqual(best.training?.average?.weightsAreAverage, true)
        XCTAssertEqual(best.training?.average?.count, bestReport.averagedSteps)
        // The latest checkpoint holds the training weights, the average beside them.
        let latest = try CheckpointFile.read(dir + "/avg-latest.ckpt")
        XCTAssertEqual(latest.parameters.map(\.bitPattern), bits(t.model.parameters))
        XCTAssertEqual(latest.training?.average?.weights.map(\.bitPattern), average.map(\.bitPattern))
        XCTAssertEqual(latest.training?.average?.weightsAreAverage, false)
    }

    /// A run stopped before or after `from` and resumed equals the uninterrupted one bit for bit,
    /// the average and its count included; so does one resumed from a best checkpoint (WGHT the
    /// average). Mutation caught: the average or its count not saved or not restored, or the
    /// two copies not swapped back on resume.
    func testResumeIsExactBeforeAndAfterFrom() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let n = 40
        let straight = try tinyTrainer(ids: ids)
        straight.average(from: 15)
        _ = try straight.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        for stop in [9, 23] {
            let first = try tinyTrainer(ids: ids)
            first.average(from: 15)
            _ = try first.run(RunSettings(totalSteps: stop, evalEvery: 6, checkpointEvery: 0))
            let loaded = try decodeBytes(try CheckpointFile.encode(first.makeCheckpoint()))
            XCTAssertEqual(loaded.training?.average?.from, 15)
            XCTAssertEqual(loaded.training?.average?.count, max(0, stop - 15))
            let resumed = try Trainer(resuming: loaded, path: "mem", tokens: ids, corpusName: "gen")
            _ = try resumed.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
            XCTAssertEqual(bits(resumed.model.parameters), bits(straight.model.parameters), "stop \(stop)")
            XCTAssertEqual(bits(resumed.optimizer.moment1), bits(straight.optimizer.moment1), "stop \(stop)")
            XCTAssertEqual(resumed.averaging?.count, straight.averaging?.count)
            XCTAssertEqual(bits(try XCTUnwrap(resumed.averaging).values), bits(try XCTUnwrap(straight.averaging).values), "stop \(stop)")
            XCTAssertEqual(resumed.bestValBPC, straight.bestValBPC)
        }
        // A checkpoint written while the average is evaluated (NAME-best) resumes on the training weights.
        let t = try tinyTrainer(ids: ids)
        t.average(from: 3)
        _ = try t.run(RunSettings(totalSteps: 8, evalEvery: 100, checkpointEvery: 0))
        let bestLike = try t.withAveragedWeights { () throws(TrainingError) in t.makeCheckpoint() }
        XCTAssertEqual(bestLike.parameters.map(\.bitPattern), bits(try XCTUnwrap(t.averaging).values))
        let back = try Trainer(resuming: try decodeBytes(try CheckpointFile.encode(bestLike)), path: "best", tokens: ids,
                               corpusName: "gen")
        XCTAssertEqual(bits(back.model.parameters), bits(t.model.parameters))
        XCTAssertEqual(bits(try XCTUnwrap(back.averaging).values), bits(try XCTUnwrap(t.averaging).values))
        XCTAssertEqual(back.averaging?.count, 5)
    }

    /// Weight drop and averaging together (both use format 1.2): the file holds the weight drop
    /// and the average, says 1.2, and a resumed run equals the straight one bit for bit.
    /// Mutations caught: the writer dropping the TRAN weight drop when AVRG is present (the
    /// resumed run trains without masks), or computing the minor version from one feature only.
    func testWeightDropAndAveragingResumeTogether() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let straight = try tinyTrainer(ids: ids, weightDrop: 0.3)
        straight.average(from: 5)
        _ = try straight.run(RunSettings(totalSteps: 24, evalEvery: 6, checkpointEvery: 0))
        let first = try tinyTrainer(ids: ids, weightDrop: 0.3)
        first.average(from: 5)
        _ = try first.run(RunSettings(totalSteps: 13, evalEvery: 6, checkpointEvery: 0))
        let bytes = try CheckpointFile.encode(first.makeCheckpoint())
        XCTAssertEqual(bytes[10], 2, "format 1.2")
        let loaded = try decodeBytes(bytes)
        XCTAssertEqual(loaded.training?.options.weightDrop, 0.3)
        XCTAssertEqual(loaded.training?.average?.count, 8)
        let resumed = try Trainer(resuming: loaded, path: "mem", tokens: ids, corpusName: "gen")
        _ = try resumed.run(RunSettings(totalSteps: 24, evalEvery: 6, checkpointEvery: 0))
        XCTAssertEqual(bits(resumed.model.parameters), bits(straight.model.parameters))
        XCTAssertEqual(bits(try XCTUnwrap(resumed.averaging).values), bits(try XCTUnwrap(straight.averaging).values))
        XCTAssertEqual(resumed.bestValBPC, straight.bestValBPC)
    }

    /// A rollback after a failed step also rolls the average back. Mutation caught: the average
    /// not part of the snapshot (it would keep the steps that were undone).
    func testRollbackRestoresTheAverage() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let clean = try tinyTrainer(ids: ids, dropout: 0)
        clean.average(from: 2)
        _ = try clean.run(RunSettings(totalSteps: 5, evalEvery: 5, checkpointEvery: 0))
        let t = try tinyTrainer(ids: ids, dropout: 0)
        t.average(from: 2)
        var fired = false
        t.faultInjection = { step, g in if step == 8 && !fired { fired = true; g[3] = .nan } }
        _ = try t.run(RunSettings(totalSteps: 8, evalEvery: 5, checkpointEvery: 0))
        // Rolled back to step 5, then steps 6...8 again (at half the learning rate): 6 steps averaged.
        XCTAssertEqual(t.averaging?.count, 6)
        XCTAssertTrue(fired)
        _ = clean
    }

    // MARK: - The AVRG section

    func checkpointWithAverage(count: Int, weightsAreAverage: Bool = false) -> Checkpoint {
        var c = makeCheckpoint()
        let P = c.parameters.count
        c.training?.average = CheckpointWeightAverage(from: 1000, count: count, weightsAreAverage: weightsAreAverage,
                                                      weights: count == 0 ? [] : (0..<P).map { Float($0) / 7 })
        return c
    }

    /// Mutations caught: AVRG not written or not read; its role flag lost; a file with it not 1.2;
    /// a weights-only export keeping it.
    func testAverageSectionRoundTripsAsFormat12() throws {
        for (count, role) in [(0, false), (34, false), (34, true)] {
            let c = checkpointWithAverage(count: count, weightsAreAverage: role)
            let (back, info) = try decodeWithInfo(try CheckpointFile.encode(c))
            assertIdentical(c, back)
            XCTAssertEqual(info.version, CheckpointVersion(major: 1, minor: 2))
            XCTAssertEqual(info.sections.map(\.kind), ["CONF", "VOCB", "WGHT", "TRAN", "AVRG"])
            XCTAssertEqual(info.sections.last?.optional, true)
        }
        let exported = try decodeWithInfo(try CheckpointFile.encode(checkpointWithAverage(count: 3), weightsOnly: true))
        XCTAssertEqual(exported.file.version, CheckpointVersion(major: 1, minor: 0))
        XCTAssertEqual(exported.file.sections.map(\.kind), ["CONF", "VOCB", "WGHT"])
    }

    /// Mutations caught: a count or role check dropped; AVRG accepted without TRAN.
    func testCorruptAverageSectionsAreRefused() throws {
        let c = checkpointWithAverage(count: 34)
        let good = try CheckpointFile.encode(c)
        let role = ChecksumPatcher.patch(good, kind: "AVRG", at: 0, value: 2, width: 1)
        XCTAssertEqual(decodeError(role)?.description, "test.ckpt: inconsistent checkpoint: weight average: unknown role code 2")
        let count = ChecksumPatcher.patch(good, kind: "AVRG", at: 16, value: 0, width: 8)
        XCTAssertEqual(decodeError(count)?.description,
                       "test.ckpt: inconsistent checkpoint: weight average: \(c.parameters.count) floats for 0 averaged steps, expected 0")
        let huge = ChecksumPatcher.patch(good, kind: "AVRG", at: 24, value: 1 << 60, width: 8)
        XCTAssertEqual(decodeError(huge)?.description,
                       "test.ckpt: inconsistent checkpoint: weight average: \(1 << 60) weights need more than its \(32 + 4 * c.parameters.count) bytes")
        // AVRG beside weights only: the encoder never writes it; a file that has it is refused.
        var alone = c
        alone.training = nil
        let file = try CheckpointEncoder.encode(alone, path: "x", weightsOnly: false, half: false,
                                                extraSections: [(Format.average, Format.sectionOptional, Array(repeating: 0, count: 32))])
        XCTAssertEqual(decodeError(file.bytes())?.description,
                       "test.ckpt: inconsistent checkpoint: section AVRG (weight average) without a TRAN (training state) section")
    }

    /// The independent Python reader (written from docs/checkpoint-format.md) reads AVRG alike.
    func testPythonReaderAgreesOnTheAverageSection() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        let path = try makeTemporaryDirectory(self) + "/avg.ckpt"
        let c = checkpointWithAverage(count: 34, weightsAreAverage: true)
        try CheckpointFile.write(c, to: path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                        .appendingPathComponent("Fixtures/ckpt_reference.py").path, "dump", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(summary["version"] as? String, "1.2")
        let average = try XCTUnwrap(summary["average"] as? [String: Any])
        XCTAssertEqual(average["first_step"] as? Int, 1000)
        XCTAssertEqual(average["count"] as? Int, 34)
        XCTAssertEqual(average["weights_are_average"] as? Bool, true)
        let sum = c.training!.average!.weights.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(try XCTUnwrap(average["other_weight_sum"] as? Double), sum, accuracy: 0.01)
    }
}
