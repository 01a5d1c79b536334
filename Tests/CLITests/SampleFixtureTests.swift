// Checkpoints for the sampling, predict and score tests, built in-test: a
// small LSTM trained for a few seconds on a few repeated lines, so that its
// greedy continuations are predictable ("To be or not to b" → "e").
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

enum SampleFixture {
    /// The training text: a few lines, repeated, with non-ASCII graphemes.
    static let lines = [
        "To be or not to be, that is the question.\n",
        "El país 👨‍👩‍👧 es grande.\n",
        "ROMEO: O Juliet, the sun!\n",
    ]

    /// Removed when the test process exits.
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-sample-fixture-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: SampleFixture.directory) }
        return url
    }()

    /// A briefly trained 1-layer LSTM (H = 48), weights only.
    static let trained: String = {
        let path = directory.appendingPathComponent("trained.ckpt").path
        let text = String(repeating: lines.joined(), count: 30)
        let graphemes = GraphemeTokenizer(normalization: .nfc).graphemes(in: text)
        var seen = Set<String>(), order: [String] = []
        for g in graphemes where seen.insert(g).inserted { order.append(g) }
        let vocabulary = try! Vocabulary(graphemes: order)
        let ids = vocabulary.encode(graphemes).ids.map(Int32.init)
        let config = ModelConfig(cell: .lstm, layers: 1, embed: 16, hidden: 48, vocab: vocabulary.count)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: 7)
        // The initialisation this fixture was made with (forget bias 1 and one uniform draw
        // per bias, the defaults before issue 17): the sampling tests' expectations depend on
        // how confident it ends up.
        m.initialize(rng: &rng, forgetBias: 1, bias: .uniform)
        let opt = Optimizer<Float>(kind: .adam, parameterCount: m.parameterCount)
        let step = TrainingStep(gradClip: 5, explodingLoss: TrainingStep.explodingLoss(vocab: config.vocab))
        let (B, T) = (4, 40)
        let span = ids.count / B
        let state = m.makeState(batch: B)
        var inputs = [Int32](repeating: 0, count: T * B), targets = inputs
        var pos = 0
        for _ in 0..<250 {
            if pos + T + 1 > span { pos = 0; state.reset() }
            for t in 0..<T {
                for b in 0..<B {
                    inputs[t * B + b] = ids[b * span + pos + t]
                    targets[t * B + b] = ids[b * span + pos + t + 1]
                }
            }
            pos += T
            if case .failed(let failure) = step.run(model: .forward(m), optimizer: opt, inputs: inputs, targets: targets,
                                                    steps: T, state: state, rng: &rng, learningRate: 1e-2) {
                XCTFail("the sampling fixture's training failed: \(failure)")
            }
        }
        write(config: config, vocabulary: vocabulary, parameters: m.parameters.array, to: path)
        return path
    }()

    /// A model with random weights: `layers` × `hidden`, vocabulary of printable ASCII and "\n".
    static func random(layers: Int, hidden: Int, seed: UInt64, to path: String) {
        var tokens = ["\n"]
        for v in 32..<127 { tokens.append(String(UnicodeScalar(UInt8(v)))) }
        let vocabulary = try! Vocabulary(graphemes: tokens)
        let config = ModelConfig(cell: .lstm, layers: layers, embed: 32, hidden: hidden, vocab: vocabulary.count)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: seed)
        m.initialize(rng: &rng)
        write(config: config, vocabulary: vocabulary, parameters: m.parameters.array, to: path)
    }

    static func write(config: ModelConfig, vocabulary: Vocabulary, parameters: [Float], to path: String) {
        let checkpoint = Checkpoint(config: config, metadata: CheckpointMetadata(corpusName: "fixture"),
                                    vocabulary: vocabulary, parameters: parameters, training: nil)
        try! CheckpointFile.write(checkpoint, to: path, weightsOnly: true)
    }

    /// The absolute path of a built executable.
    static func executable(_ name: String) -> String {
        productsDirectory().appendingPathComponent(name).path
    }
}

extension XCTestCase {
    /// Asserts a failed run: status ≠ 0, nothing on stdout, exactly one stderr line
    /// starting with `charlstm: error:` (and containing `mentioning`, if given).
    func assertOneLineError(_ r: ProcessResult, mentioning: String? = nil,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "expected one stderr line, got: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(lines.last, "", "stderr must end with a newline", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: ") || r.stderr.hasPrefix("charlstm-sample: error: "),
                      r.stderr, file: file, line: line)
        if let mentioning {
            XCTAssertTrue(r.stderr.contains(mentioning), "\(r.stderr) should mention \(mentioning)", file: file, line: line)
        }
    }
}

final class SampleFixtureTests: XCTestCase {
    /// The fixture model learned its lines: greedy continuation reproduces them.
    func testFixtureIsTrained() throws {
        let r = try runTool("charlstm", ["predict", "-m", SampleFixture.trained, "--text", "To be or not to b", "--length", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e, th\n")
        // For speed measurements: CHARLSTM_WRITE_SMALL_MODEL=PATH writes the
        // random H = 128, 2-layer model of docs/sampling.md there.
        if let path = ProcessInfo.processInfo.environment["CHARLSTM_WRITE_SMALL_MODEL"] {
            SampleFixture.random(layers: 2, hidden: 128, seed: 1, to: path)
        }
    }
}
