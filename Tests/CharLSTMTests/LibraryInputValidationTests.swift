// What the library refuses at its boundary instead of falling back silently
// or reading out of bounds: weights of the wrong count (InferenceModel,
// SamplingModel, HoleFiller, Trainer), a bidirectional model to sample from,
// a vocabulary that does not fit the config, and grapheme ids outside the
// vocabulary given to InferenceModel.step. Each error is one line.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class LibraryInputValidationTests: XCTestCase {
    private let config = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 7, vocab: 9)

    private func weights(_ config: ModelConfig, seed: UInt64 = 3) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        if config.direction == .bidirectional {
            let m = BidirectionalModel<Float>(config: config)
            m.initialize(rng: &rng)
            return m.parameters.array
        }
        let m = Model<Float>(config: config)
        m.initialize(rng: &rng)
        return m.parameters.array
    }

    private func assertThrows(_ expected: SamplingError, _ body: () throws -> Void,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            XCTAssertEqual($0 as? SamplingError, expected, file: file, line: line)
        }
    }

    // Mutation caught: InferenceModel copying min(count) weights (the old
    // fallback) instead of refusing; or `check` comparing with >=.
    func testInferenceModelRefusesWeightsOfTheWrongCount() {
        let P = ParameterLayout(config).count
        let w = weights(config)
        assertThrows(.parameterCount(given: P - 1, needed: P)) {
            _ = try InferenceModel(config: config, parameters: Array(w.dropLast()))
        }
        assertThrows(.parameterCount(given: P + 1, needed: P)) {
            _ = try InferenceModel(config: config, parameters: w + [0])
        }
        assertThrows(.parameterCount(given: P - 1, needed: P)) {
            _ = try InferenceModel(config: config, sharing: Buffer(count: P - 1))
        }
        assertThrows(.parameterCount(given: 0, needed: P)) {
            _ = try InferenceModel(config: config, weights: InferenceWeights(sharing: Buffer(count: 0)))
        }
        assertThrows(.streamCount(0)) { _ = try InferenceModel(config: config, parameters: w, streams: 0) }
        var bad = config
        bad.hidden = 0
        assertThrows(.invalidConfig(bad.problem()!)) { _ = try InferenceModel(config: bad, parameters: w) }
    }

    // The [Float] init owns a copy of the values (a Buffer), not the array's
    // storage. Mutation caught: building InferenceWeights over the array's
    // pointer (`parameters.withUnsafeBufferPointer { $0 }`) instead of copying.
    func testInferenceModelOwnsACopyOfAnArray() throws {
        var w = weights(config)
        let model = try InferenceModel(config: config, parameters: w)
        let shared = Buffer<Float>(count: w.count)
        _ = shared.pointer.update(fromContentsOf: w)
        let reference = try InferenceModel(config: config, sharing: shared)
        for i in w.indices { w[i] = 0 }   // unique storage: written in place
        XCTAssertEqual(w.count, shared.count)
        for id: Int32 in [3, 1, 8] {
            let a = Array(UnsafeBufferPointer(start: try model.step([id]), count: config.vocab))
            let b = Array(UnsafeBufferPointer(start: try reference.step([id]), count: config.vocab))
            XCTAssertEqual(a, b)
        }
    }

    // Mutation caught: deleting the range check in `step(_: [Int32])` (then
    // id 9 reads past the embedding and no error is thrown), or the count check.
    func testStepRefusesIdsOutsideTheVocabularyAndStepsNothing() throws {
        let w = weights(config)
        let model = try InferenceModel(config: config, parameters: w, streams: 2)
        let fresh = try InferenceModel(config: config, parameters: w, streams: 2)
        assertThrows(.idOutOfRange(id: 9, vocab: 9)) { _ = try model.step([1, 9]) }
        assertThrows(.idOutOfRange(id: -1, vocab: 9)) { _ = try model.step([-1, 0]) }
        assertThrows(.idCount(given: 1, streams: 2)) { _ = try model.step([1]) }
        assertThrows(.idCount(given: 3, streams: 2)) { _ = try model.step([1, 2, 3]) }
        // The refused steps changed no state: the next step is a fresh model's first.
        let a = Array(UnsafeBufferPointer(start: try model.step([8, 0]), count: 2 * config.vocab))
        let b = Array(UnsafeBufferPointer(start: try fresh.step([8, 0]), count: 2 * config.vocab))
        XCTAssertEqual(a, b)
    }

    private func checkpoint(_ config: ModelConfig, parameters: [Float]? = nil, graphemes: Int? = nil) -> Checkpoint {
        let vocabulary = smallVocabulary(graphemes ?? config.vocab)
        return Checkpoint(config: config, metadata: CheckpointMetadata(), vocabulary: vocabulary,
                          parameters: parameters ?? weights(config), training: nil)
    }

    // Mutations caught: SamplingModel(checkpoint:) without the direction check
    // (it stepped the forward stack of a fill model), without the vocabulary
    // check (encoded ids beyond config.vocab reach the unchecked step), or
    // without the weight count check.
    func testSamplingModelRefusesWhatItCannotSampleFrom() throws {
        var both = config
        both.direction = .bidirectional
        assertThrows(.bidirectionalModel) { _ = try SamplingModel(checkpoint: checkpoint(both)) }
        assertThrows(.vocabularySize(given: 12, needed: 9)) {
            _ = try SamplingModel(checkpoint: checkpoint(config, graphemes: 12))
        }
        let P = ParameterLayout(config).count
        assertThrows(.parameterCount(given: P - 3, needed: P)) {
            _ = try SamplingModel(checkpoint: checkpoint(config, parameters: Array(weights(config).dropLast(3))))
        }
        XCTAssertEqual(try SamplingModel(checkpoint: checkpoint(config)).vocab, 9)
    }

    // Mutation caught: HoleFiller(checkpoint:) copying a bidirectional model's
    // weights without checking their count (it wrote past the model's buffer).
    func testHoleFillerRefusesWeightsOfTheWrongCount() throws {
        var both = config
        both.direction = .bidirectional
        let P = ParameterLayout(both).count
        assertThrows(.parameterCount(given: P + 5, needed: P)) {
            _ = try HoleFiller(checkpoint: checkpoint(both, parameters: weights(both) + [1, 2, 3, 4, 5]))
        }
        XCTAssertTrue(try HoleFiller(checkpoint: checkpoint(both)).readsBothSides)
    }

    // The public entry points that take ids check them before stepping.
    // Mutations caught: dropping `SamplingModel.check` from TextGenerator.feed
    // or generate(prime:), TextScorer.score, Predictor.feed/feedLine or
    // HoleFiller.fill (the id reached the unchecked step: an out-of-bounds
    // embedding read), TextGenerator's stream check (it was a precondition),
    // or HoleFiller.fill's hole check (`current[h]` out of range).
    func testPublicEntryPointsRefuseIdsOutsideTheVocabulary() throws {
        let lm = try SamplingModel(checkpoint: checkpoint(config))
        assertThrows(.streamCount(0)) { _ = try TextGenerator(model: lm, streams: 0, options: SamplingOptions(), seed: 1) }
        let generator = try TextGenerator(model: lm, streams: 2, options: SamplingOptions(), seed: 1)
        assertThrows(.idOutOfRange(id: 9, vocab: 9)) { try generator.feed([1, 9]) }
        assertThrows(.idOutOfRange(id: -1, vocab: 9)) {
            try generator.generate(prime: [2, -1], stop: StopConditions(length: 3), emit: { _, _ in
                XCTFail("nothing is generated from a refused prime")
            }, finished: { _ in })
        }
        assertThrows(.idOutOfRange(id: 12, vocab: 9)) { _ = try TextScorer(model: lm).score([1, 2, 12]) }
        let predictor = Predictor(model: lm)
        assertThrows(.idOutOfRange(id: 9, vocab: 9)) { try predictor.feed([9]) }
        assertThrows(.idOutOfRange(id: 10, vocab: 9)) { try predictor.feedLine([3, 10], carry: true) }
        XCTAssertFalse(predictor.hasContext, "a refused feed feeds nothing")
        var both = config
        both.direction = .bidirectional
        for filler in [try HoleFiller(checkpoint: checkpoint(config)), try HoleFiller(checkpoint: checkpoint(both))] {
            assertThrows(.idOutOfRange(id: 9, vocab: 9)) { _ = try filler.fill(ids: [1, 9, 2], holes: [0], top: 1) }
            assertThrows(.invalidHole(position: 3, count: 3)) { _ = try filler.fill(ids: [1, 2, 2], holes: [3], top: 1) }
            assertThrows(.invalidHole(position: -1, count: 3)) { _ = try filler.fill(ids: [1, 2, 2], holes: [-1], top: 1) }
            assertThrows(.invalidHole(position: 1, count: 3)) { _ = try filler.fill(ids: [1, 2, 2], holes: [1, 1], top: 1) }
            XCTAssertEqual(try filler.fill(ids: [1, 2, 2], holes: [1], top: 1).map(\.position), [1])
        }
        // In range: the same calls succeed.
        try generator.feed([1, 8])
        XCTAssertEqual(try TextScorer(model: lm).score([1, 2, 8]).scored, 2)
    }

    // Mutation caught: Trainer falling back to a random initialisation when
    // `initialParameters` has the wrong count (the old behaviour), and, for a
    // resume, not naming the checkpoint in the error.
    func testTrainerRefusesInitialParametersOfTheWrongCount() throws {
        let ids = generatedIDs(count: 1200, vocab: 7)
        let trainer = try tinyTrainer(ids: ids)
        let P = trainer.model.parameterCount
        var options = trainer.options
        options.seed = 42
        XCTAssertThrowsError(try Trainer(config: trainer.model.config, vocabulary: smallVocabulary(7), tokens: ids,
                                         options: options, initialParameters: [Float](repeating: 0.5, count: P - 1))) {
            XCTAssertEqual($0 as? TrainingError, .initialParameters(given: P - 1, needed: P))
        }
        // The right count is taken as given.
        let given = (0..<P).map { Float($0 % 13) / 100 }
        let fine = try Trainer(config: trainer.model.config, vocabulary: smallVocabulary(7), tokens: ids,
                               options: options, initialParameters: given)
        XCTAssertEqual(fine.model.parameters.array, given)
        // A resume from a checkpoint whose weights do not fit its config names the file.
        var saved = trainer.makeCheckpoint()
        saved.parameters.append(0)
        XCTAssertThrowsError(try Trainer(resuming: saved, path: "run.ckpt", tokens: ids, corpusName: "gen")) {
            XCTAssertEqual($0 as? TrainingError,
                           .incompatibleResume(path: "run.ckpt", reason: "it holds \(P + 1) parameters; its config needs \(P)"))
        }
    }

    // Every error is one line that says what to do (the CLI prints
    // `charlstm: error: <description>`). Mutation caught: a description with
    // a line break, or an empty one.
    func testEveryErrorIsOneLine() {
        let errors: [CustomStringConvertible] = [
            SamplingError.invalidConfig("hidden size must be between 1 and 65536 (got 0)"),
            SamplingError.vocabularySize(given: 12, needed: 9), SamplingError.parameterCount(given: 1, needed: 2),
            SamplingError.streamCount(0), SamplingError.idCount(given: 1, streams: 2),
            SamplingError.idOutOfRange(id: 9, vocab: 9), SamplingError.bidirectionalModel,
            SamplingError.invalidHole(position: 3, count: 3),
            TrainingError.initialParameters(given: 1, needed: 2),
        ]
        for e in errors {
            let line = String(describing: e)
            XCTAssertFalse(line.isEmpty)
            XCTAssertFalse(line.contains("\n"), line)
        }
        XCTAssertEqual(String(describing: SamplingError.idOutOfRange(id: 9, vocab: 9)),
                       "grapheme id 9 is outside the vocabulary (0..<9); encode text with the model's vocabulary")
    }
}
