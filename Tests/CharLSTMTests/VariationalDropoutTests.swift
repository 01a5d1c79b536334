// Variational dropout (`--dropout-mask window`, DropoutMask.swift): one (B, H) mask per
// layer per window, used at every time step; what draws it; the default's bits; an exact
// resume; the checkpoint field. The gradients are checked in GradientCheckTests
// (testModelGradients...WithWindowDropout).
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class VariationalDropoutTests: XCTestCase {
    let (B, T) = (3, 5)
    // One layer's output is the stack's top: its dropped entries are exactly 0 there.
    let config = ModelConfig(cell: .lstm, layers: 2, embed: 4, hidden: 6, vocab: 7, dropout: 0.5)

    func makeModel(_ mode: DropoutMask) -> (Model<Float>, ids: [Int32]) {
        let model = Model<Float>(config: config)
        var rng = RandomGenerator(seed: 3)
        model.initialize(rng: &rng)
        model.dropoutMask = mode
        let ids = (0..<(T * B)).map { _ in Int32(rng.nextInt(below: 7)) }
        return (model, ids)
    }

    /// The top layer's output after dropout over one window, (T, B, H), as 0/1: 1 where kept.
    func keptPattern(_ model: Model<Float>, _ ids: [Int32], rng: inout RandomGenerator) -> [[[Int]]] {
        let state = model.makeState(batch: B)
        let H = config.hidden, w = UnsafePointer(model.parameters.base)
        let top = ids.withUnsafeBufferPointer { i in
            model.stack.forward(ids: i.baseAddress!, embedding: w + model.layout.embedding.offset, vocab: config.vocab,
                                steps: T, state: state, weights: w, dropout: config.dropout,
                                dropoutMask: model.dropoutMask, rng: &rng)
        }
        return (0..<T).map { t in (0..<B).map { b in (0..<H).map { j in top[(t * B + b) * H + j] == 0 ? 0 : 1 } } }
    }

    // Mutations caught: a window mask redrawn at every step (or drawn in the step layout and
    // read as (B, H)); one mask shared by all streams; one mask for the whole run.
    func testTheWindowMaskIsTheSameAtEveryStepAndDiffersBetweenStreamsAndWindows() {
        let (model, ids) = makeModel(.window)
        var rng = RandomGenerator(seed: 21)
        let first = keptPattern(model, ids, rng: &rng), second = keptPattern(model, ids, rng: &rng)
        for t in 1..<T { XCTAssertEqual(first[t], first[0], "step \(t) uses step 0's mask") }
        for t in 1..<T { XCTAssertEqual(second[t], second[0]) }
        let dropped = first[0].joined().filter { $0 == 0 }.count
        XCTAssertGreaterThan(dropped, B * config.hidden / 5, "p = 0.5 drops about half")
        XCTAssertLessThan(dropped, B * config.hidden * 4 / 5)
        XCTAssertNotEqual(first[0][0], first[0][1], "streams have their own masks")
        XCTAssertNotEqual(first[0][1], first[0][2])
        XCTAssertNotEqual(first[0], second[0], "each window draws a new mask")
        // The step masks, by contrast, differ from step to step (so the check above can fail).
        let (stepModel, _) = makeModel(.step)
        var r = RandomGenerator(seed: 21)
        let steps = keptPattern(stepModel, ids, rng: &r)
        XCTAssertTrue((1..<T).contains { steps[$0] != steps[0] })
    }

    // The kept entries are scaled by 1/(1 - p) at every step. Mutation caught: the broadcast
    // applying the mask to only the first step (the others left unscaled).
    func testKeptEntriesAreScaledAtEveryStep() {
        // One layer: its output is the stack's top, so the dropout alone tells the two apart.
        let one = ModelConfig(cell: .lstm, layers: 1, embed: 4, hidden: 6, vocab: 7, dropout: 0.5)
        let model = Model<Float>(config: one)
        var initial = RandomGenerator(seed: 3)
        model.initialize(rng: &initial)
        let (_, ids) = makeModel(.window)
        let N = T * B * one.hidden, w = UnsafePointer(model.parameters.base)
        var r0 = RandomGenerator(seed: 1), r1 = RandomGenerator(seed: 1)
        ids.withUnsafeBufferPointer { i in
            let a = model.stack.forward(ids: i.baseAddress!, embedding: w + model.layout.embedding.offset, vocab: 7,
                                        steps: T, state: model.makeState(batch: B), weights: w, dropout: 0, rng: &r0)
            let undropped = Array(UnsafeBufferPointer(start: a, count: N))
            let d = model.stack.forward(ids: i.baseAddress!, embedding: w + model.layout.embedding.offset, vocab: 7,
                                        steps: T, state: model.makeState(batch: B), weights: w, dropout: 0.5,
                                        dropoutMask: .window, rng: &r1)
            var kept = 0
            for k in 0..<N where d[k] != 0 {
                XCTAssertEqual(d[k], undropped[k] * 2, "entry \(k)")
                kept += 1
            }
            XCTAssertGreaterThan(kept, N / 5)
            XCTAssertLessThan(kept, N * 4 / 5)
        }
    }

    // Mutations caught: window masks drawing T·B·H numbers (the step count), or drawn
    // outside training (evaluation must draw nothing and use every unit).
    func testDrawsBHNumbersPerLayerPerWindowOnlyInTraining() {
        for (mode, perLayer) in [(DropoutMask.step, T * B * config.hidden), (.window, B * config.hidden)] {
            let (model, ids) = makeModel(mode)
            let start = RandomGenerator(seed: 11)
            var rng = start
            let state = model.makeState(batch: B)
            ids.withUnsafeBufferPointer { i in
                _ = model.forward(inputs: i.baseAddress!, targets: i.baseAddress!, steps: T, state: state,
                                  training: true, rng: &rng)
            }
            var expected = start
            for _ in 0..<(config.layers * perLayer) { _ = expected.next() }
            XCTAssertEqual(rng, expected, "\(mode)")
            var evaluation = start
            ids.withUnsafeBufferPointer { i in
                _ = model.forward(inputs: i.baseAddress!, targets: i.baseAddress!, steps: T, state: state,
                                  training: false, rng: &evaluation)
            }
            XCTAssertEqual(evaluation, start, "evaluation draws nothing")
        }
    }

    // The default is the training of builds before the flag, bit for bit: the mean training
    // loss of this tiny dropout run (8 steps) was recorded from commit eff33e8 (before
    // --dropout-mask existed). Mutations caught: any change to the step masks' draws or
    // their use (e.g. the default becoming window, or the generator advanced differently).
    func testTheDefaultStepMasksAreTheTrainingOfEarlierBuilds() throws {
        XCTAssertEqual(TrainingOptions().dropoutMask, .step, "step is the default")
        XCTAssertEqual(FixedSettings().trainingOptions().dropoutMask, .step)
        let ids = generatedIDs(count: 1200, vocab: 7)
        let trainer = try tinyTrainer(ids: ids, dropout: 0.3)
        _ = try trainer.run(RunSettings(totalSteps: 8, evalEvery: 4, checkpointEvery: 0))
        let bits = trainer.history.map { $0.trainBPC.bitPattern }
        let parameterSum = trainer.model.parameters.array.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(bits, Self.recordedTrainBits)
        XCTAssertEqual(parameterSum.bitPattern, Self.recordedParameterSumBits)
        // Window masks change the run.
        let window = try tinyTrainer(ids: ids, dropout: 0.3, dropoutMask: .window)
        _ = try window.run(RunSettings(totalSteps: 8, evalEvery: 4, checkpointEvery: 0))
        XCTAssertNotEqual(window.history.map { $0.trainBPC.bitPattern }, bits)
    }
    /// From eff33e8's build (a copy of the tree at that commit, the same two lines in a probe test).
    static let recordedTrainBits: [UInt64] = [4613456198454962318, 4613339018386341932]
    static let recordedParameterSumBits: UInt64 = 4617068274013175808

    // A run with window masks, interrupted and resumed from its checkpoint's bytes, ends bit
    // for bit where the uninterrupted run ends. Mutations caught: the choice not stored in
    // (or not restored from) the checkpoint; masks from a generator that is not saved.
    func testExactResumeWithWindowMasks() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let n = 30
        let straight = try tinyTrainer(ids: ids, dropout: 0.3, dropoutMask: .window)
        _ = try straight.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        let first = try tinyTrainer(ids: ids, dropout: 0.3, dropoutMask: .window)
        _ = try first.run(RunSettings(totalSteps: n / 2 + 1, evalEvery: 6, checkpointEvery: 0))
        let bytes = try CheckpointFile.encode(first.makeCheckpoint())
        XCTAssertEqual(bytes[10], 3, "a checkpoint with window masks is format 1.3")
        let loaded = try bytes.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }
        XCTAssertEqual(loaded.training?.options.dropoutMask, .window)
        let resumed = try Trainer(resuming: loaded, path: "mem", tokens: ids, corpusName: "gen")
        XCTAssertEqual(resumed.model.dropoutMask, .window)
        _ = try resumed.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        XCTAssertEqual(resumed.rng, straight.rng)
        XCTAssertEqual(resumed.model.parameters.array.map(\.bitPattern), straight.model.parameters.array.map(\.bitPattern))
        XCTAssertEqual(resumed.optimizer.moment1.array.map(\.bitPattern), straight.optimizer.moment1.array.map(\.bitPattern))
        XCTAssertEqual(resumed.history.last?.valBPC, straight.history.last?.valBPC)
        // A resume that forgot the choice (step masks) ends elsewhere.
        var forgot = loaded
        forgot.training?.options.dropoutMask = .step
        let wrong = try Trainer(resuming: forgot, path: "mem", tokens: ids, corpusName: "gen")
        _ = try wrong.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        XCTAssertNotEqual(wrong.model.parameters.array, straight.model.parameters.array)
    }

    // Bidirectional and GRU/RNN stacks share the code path: a bidirectional GRU trains with
    // window masks and resumes exactly. Mutation caught: the mode not passed to a stack.
    func testBidirectionalRunsResumeExactlyWithWindowMasks() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let straight = try tinyTrainer(ids: ids, cell: .gru, dropout: 0.3, direction: .bidirectional, dropoutMask: .window)
        _ = try straight.run(RunSettings(totalSteps: 12, evalEvery: 6, checkpointEvery: 0))
        let first = try tinyTrainer(ids: ids, cell: .gru, dropout: 0.3, direction: .bidirectional, dropoutMask: .window)
        _ = try first.run(RunSettings(totalSteps: 7, evalEvery: 6, checkpointEvery: 0))
        let loaded = try CheckpointFile.encode(first.makeCheckpoint()).withUnsafeBytes {
            try CheckpointFile.decode($0, source: "mem")
        }
        let resumed = try Trainer(resuming: loaded, path: "mem", tokens: ids, corpusName: "gen")
        _ = try resumed.run(RunSettings(totalSteps: 12, evalEvery: 6, checkpointEvery: 0))
        XCTAssertEqual(resumed.model.parameters.array.map(\.bitPattern), straight.model.parameters.array.map(\.bitPattern))
        let stepped = try tinyTrainer(ids: ids, cell: .gru, dropout: 0.3, direction: .bidirectional)
        _ = try stepped.run(RunSettings(totalSteps: 12, evalEvery: 6, checkpointEvery: 0))
        XCTAssertNotEqual(stepped.model.parameters.array, straight.model.parameters.array)
    }

    // The TRAN field (byte 168): read back, step in files that predate it, unknown codes refused
    // with one line (and told to upgrade when the file is of a newer minor version).
    func testCheckpointFieldAndItsChecks() throws {
        var c = makeCheckpoint()
        c.training?.options.dropoutMask = .window
        let bytes = try CheckpointFile.encode(c)
        XCTAssertEqual(bytes[10], 3)
        let tran = ChecksumPatcher.sectionOffset(bytes, kind: "TRAN")
        XCTAssertEqual(bytes[tran + 168], 1)
        let back = try bytes.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }
        XCTAssertEqual(back.training?.options.dropoutMask, .window)
        // A weights-only export has no training state: the lowest version that holds the model.
        XCTAssertEqual(try CheckpointFile.encode(c, weightsOnly: true)[10], 0)
        // Step masks (the default): byte 168 stays 0 and the file keeps its old version.
        let old = try CheckpointFile.encode(makeCheckpoint())
        XCTAssertEqual(old[10], 0)
        XCTAssertEqual(old[ChecksumPatcher.sectionOffset(old, kind: "TRAN") + 168], 0)
        XCTAssertEqual(try old.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }.training?.options.dropoutMask, .step)
        let patched = ChecksumPatcher.patch(bytes, kind: "TRAN", at: 168, value: 2, width: 1)
        XCTAssertEqual(decodeError(patched)?.description, "test.ckpt: inconsistent checkpoint: training state: unknown dropout mask code 2")
        let newer = ChecksumPatcher.patch(patched, kind: "FILE", at: 10, value: 4, width: 2)
        XCTAssertEqual(decodeError(newer)?.description,
                       "test.ckpt: inconsistent checkpoint: training state: unknown dropout mask code 2 (written by format 1.4): upgrade charlstm")
    }

    // Resuming keeps the checkpoint's choice: the same value may be repeated, another is a conflict.
    func testResumeConflicts() {
        var c = makeCheckpoint()
        c.training?.options.dropoutMask = .window
        var s = FixedSettings()
        s.dropoutMask = .window
        XCTAssertEqual(s.resumeConflicts(with: c.config, options: c.training!.options), [])
        s.dropoutMask = .step
        XCTAssertEqual(s.resumeConflicts(with: c.config, options: c.training!.options),
                       [SettingConflict(setting: .dropoutMask, given: "step", saved: "window")])
    }
}
