// Weight drop (DropConnect on W_h, WeightDrop.swift): the masks, what draws them and
// when, evaluation without them, and an exact resume. The gradients are checked in
// GradientCheckTests (testModelGradients...WithWeightDrop).
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class WeightDropTests: XCTestCase {
    let (B, T) = (3, 5)
    let config = ModelConfig(cell: .lstm, layers: 2, embed: 4, hidden: 6, vocab: 7, dropout: 0.3)

    /// A model with drawn weights and a (T, B) window of ids.
    func makeModel(weightDrop: Float) -> (Model<Float>, inputs: [Int32], targets: [Int32]) {
        let model = Model<Float>(config: config)
        var rng = RandomGenerator(seed: 3)
        model.initialize(rng: &rng)
        model.weightDrop = weightDrop
        let inputs = (0..<(T * B)).map { _ in Int32(rng.nextInt(below: 7)) }
        let targets = (0..<(T * B)).map { _ in Int32(rng.nextInt(below: 7)) }
        return (model, inputs, targets)
    }

    func loss(_ model: Model<Float>, _ inputs: [Int32], _ targets: [Int32], training: Bool,
              rng: inout RandomGenerator, backward: Bool = false) -> Double {
        let state = model.makeState(batch: B)
        return inputs.withUnsafeBufferPointer { i in targets.withUnsafeBufferPointer { t in
            let nats = model.forward(inputs: i.baseAddress!, targets: t.baseAddress!, steps: T, state: state,
                                     training: training, rng: &rng)
            if backward { model.gradients.zero(); model.backward(lossScale: 1) }
            return nats
        } }
    }

    /// `rng` advanced by `n` draws.
    func advanced(_ rng: RandomGenerator, by n: Int) -> RandomGenerator {
        var r = rng
        for _ in 0..<n { _ = r.next() }
        return r
    }

    // Mutations caught: W_h' without the 1/(1-p) scale, keeping with probability p
    // instead of 1-p, the mask not applied.
    func testMaskedWeightsAreZeroOrScaledWithTheRightRate() {
        let n = 20_000, p: Float = 0.25
        let wh = Buffer<Float>(count: n)
        for k in 0..<n { wh[k] = Float(k % 7 + 1) }
        let drop = WeightDrop<Float>(layers: 1)
        var rng = RandomGenerator(seed: 9)
        let w = drop.draw(layer: 0, wh: wh.base, count: n, p: p, rng: &rng).weights
        var dropped = 0
        for k in 0..<n {
            if w[k] == 0 { dropped += 1 } else { XCTAssertEqual(w[k], wh[k] * (1 / (1 - p)), "entry \(k)") }
        }
        XCTAssertEqual(Double(dropped) / Double(n), 0.25, accuracy: 0.015)
        XCTAssertEqual(rng, advanced(RandomGenerator(seed: 9), by: n), "one draw per weight")
    }

    // Mutations caught: masks drawn when p = 0 (the generator moves: dropout masks and
    // everything after them shift), or not drawn from the run's generator when p > 0.
    func testDrawsOneNumberPerRecurrentWeightOnlyWhenOn() {
        let N = T * B, H = config.hidden
        let dropoutDraws = config.layers * N * H
        let whDraws = config.layers * H * 4 * H
        for (p, draws) in [(Float(0), dropoutDraws), (0.5, dropoutDraws + whDraws)] {
            let (model, inputs, targets) = makeModel(weightDrop: p)
            let start = RandomGenerator(seed: 11)
            var rng = start
            _ = loss(model, inputs, targets, training: true, rng: &rng)
            XCTAssertEqual(rng, advanced(start, by: draws), "weight drop \(p)")
        }
    }

    // Mutation caught: the mask applied outside training (evaluation, validation).
    func testEvaluationUsesTheWholeWeights() {
        let (plain, inputs, targets) = makeModel(weightDrop: 0)
        let (dropping, _, _) = makeModel(weightDrop: 0.5)
        var r1 = RandomGenerator(seed: 5), r2 = RandomGenerator(seed: 5)
        let a = loss(plain, inputs, targets, training: false, rng: &r1)
        let b = loss(dropping, inputs, targets, training: false, rng: &r2)
        XCTAssertEqual(a.bitPattern, b.bitPattern)
        XCTAssertEqual(r2, RandomGenerator(seed: 5), "evaluation draws nothing")
        // ... while a training forward on the same window does use the masks.
        var r3 = RandomGenerator(seed: 5), r4 = RandomGenerator(seed: 5)
        plain.weightDrop = 0
        dropping.weightDrop = 0.5
        let c = loss(plain, inputs, targets, training: true, rng: &r3)
        let d = loss(dropping, inputs, targets, training: true, rng: &r4)
        XCTAssertNotEqual(c, d)
    }

    // Mutation caught: one mask for the whole run (drawn once, or from a fixed seed).
    func testMasksDifferBetweenSteps() {
        let (model, inputs, targets) = makeModel(weightDrop: 0.5)
        var rng = RandomGenerator(seed: 13)
        func droppedEntries() -> Set<Int> {
            _ = loss(model, inputs, targets, training: true, rng: &rng, backward: true)
            let wh = model.layout.layers[0].wh
            return Set(wh.range.filter { model.gradients[$0] == 0 })
        }
        let first = droppedEntries(), second = droppedEntries()
        XCTAssertFalse(first.isEmpty)
        XCTAssertNotEqual(first, second)
    }

    // A run with weight drop, interrupted and resumed from its checkpoint's bytes, ends
    // bit for bit where the uninterrupted run ends. Mutations caught: the weight drop not
    // stored in (or not restored from) the checkpoint; masks from a generator that is not saved.
    func testExactResumeWithWeightDrop() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let n = 30
        let straight = try tinyTrainer(ids: ids, weightDrop: 0.5)
        _ = try straight.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        let first = try tinyTrainer(ids: ids, weightDrop: 0.5)
        _ = try first.run(RunSettings(totalSteps: n / 2 + 1, evalEvery: 6, checkpointEvery: 0))
        let bytes = try CheckpointFile.encode(first.makeCheckpoint())
        XCTAssertEqual(bytes[10], 2, "a checkpoint with weight drop is format 1.2")
        let loaded = try bytes.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }
        XCTAssertEqual(loaded.training?.options.weightDrop, 0.5)
        let resumed = try Trainer(resuming: loaded, path: "mem", tokens: ids, corpusName: "gen")
        XCTAssertEqual(resumed.model.weightDrop, 0.5)
        _ = try resumed.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        XCTAssertEqual(resumed.rng, straight.rng)
        XCTAssertEqual(resumed.model.parameters.array.map(\.bitPattern), straight.model.parameters.array.map(\.bitPattern))
        XCTAssertEqual(resumed.optimizer.moment1.array.map(\.bitPattern), straight.optimizer.moment1.array.map(\.bitPattern))
        XCTAssertEqual(resumed.history.last?.valBPC, straight.history.last?.valBPC)
        // Weight drop changes the run: without it the same run ends elsewhere.
        let without = try tinyTrainer(ids: ids)
        _ = try without.run(RunSettings(totalSteps: n, evalEvery: 6, checkpointEvery: 0))
        XCTAssertNotEqual(without.model.parameters.array, straight.model.parameters.array)
    }

    // p = 0 is today's training: the same bits as a run that never heard of weight drop
    // (the default), and its checkpoint is a format 1.0 file as before.
    func testZeroIsTheDefault() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let a = try tinyTrainer(ids: ids), b = try tinyTrainer(ids: ids, weightDrop: 0)
        _ = try a.run(RunSettings(totalSteps: 8, evalEvery: 4, checkpointEvery: 0))
        _ = try b.run(RunSettings(totalSteps: 8, evalEvery: 4, checkpointEvery: 0))
        XCTAssertEqual(a.model.parameters.array.map(\.bitPattern), b.model.parameters.array.map(\.bitPattern))
        XCTAssertEqual(try CheckpointFile.encode(b.makeCheckpoint())[10], 0)
    }

    // The TRAN field: read back, 0 in files that predate it, out-of-range values refused.
    func testCheckpointFieldAndItsChecks() throws {
        var c = makeCheckpoint()
        c.training?.options.weightDrop = 0.3
        let bytes = try CheckpointFile.encode(c)
        XCTAssertEqual(bytes[10], 2)
        let back = try bytes.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }
        XCTAssertEqual(back.training?.options.weightDrop, 0.3)
        // A weights-only export has no training state: the lowest version that holds the model.
        XCTAssertEqual(try CheckpointFile.encode(c, weightsOnly: true)[10], 0)
        // An older file: TRAN bytes 160-167 are zero.
        let old = try CheckpointFile.encode(makeCheckpoint())
        XCTAssertEqual(old[10], 0)
        XCTAssertEqual(Array(old[(ChecksumPatcher.sectionOffset(old, kind: "TRAN") + 160)..<(ChecksumPatcher.sectionOffset(old, kind: "TRAN") + 168)]),
                       [UInt8](repeating: 0, count: 8))
        let oldBack = try old.withUnsafeBytes { try CheckpointFile.decode($0, source: "mem") }
        XCTAssertEqual(oldBack.training?.options.weightDrop, 0)
        // 1.0 as a little-endian f64 at TRAN 160: refused with one line.
        let patched = ChecksumPatcher.patch(bytes, kind: "TRAN", at: 160, value: 0x3FF0_0000_0000_0000, width: 8)
        XCTAssertEqual(decodeError(patched)?.description, "test.ckpt: inconsistent checkpoint: training state: weight drop 1.0 is not in [0, 1)")
    }

    // Resuming keeps the checkpoint's weight drop: the same value may be repeated, another is a conflict.
    func testResumeConflicts() {
        var c = makeCheckpoint()
        c.training?.options.weightDrop = 0.25
        var s = FixedSettings()
        s.weightDrop = 0.25
        XCTAssertEqual(s.resumeConflicts(with: c.config, options: c.training!.options), [])
        s.weightDrop = 0.5
        XCTAssertEqual(s.resumeConflicts(with: c.config, options: c.training!.options),
                       [SettingConflict(setting: .weightDrop, given: "0.5", saved: "0.25")])
    }
}
