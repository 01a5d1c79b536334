// The library side of `predict`, `fill`, `score` and the checkpoint search:
// Predictor (on TextGenerator's draw loop), LineReader, MarkedText,
// ScoreSummary and CheckpointSearch.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

#if canImport(Glibc)
import Glibc
#endif

final class PredictorTests: XCTestCase {
    /// A random 2-layer LSTM over "a"…"g" and "\n" (id 8).
    func model(seed: UInt64 = 11) -> SamplingModel {
        let vocabulary = try! Vocabulary(graphemes: ["a", "b", "c", "d", "e", "f", "g", "\n"])
        let config = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 7, vocab: 9)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: seed)
        m.initialize(rng: &rng)
        return try! SamplingModel(checkpoint: Checkpoint(config: config, metadata: CheckpointMetadata(), vocabulary: vocabulary,
                                                    parameters: m.parameters.array, training: nil))
    }

    /// The ranked ids after feeding `ids` to a fresh TextScorer (the reference).
    func rankedAfter(_ lm: SamplingModel, _ ids: [Int], top: Int = 8) -> [Int] {
        let scorer = TextScorer(model: lm)
        let logits = scorer.feed(ids)!
        return ModelDistribution.ranked(logits, count: lm.vocab, top: top).map(\.id)
    }

    /// The greedy completion by hand: argmax, feed, repeat (what predict did before it used TextGenerator).
    func greedyByHand(_ lm: SamplingModel, _ context: [Int], length: Int) -> (text: String, ids: [Int]) {
        let scorer = TextScorer(model: lm)
        scorer.feed(context)
        let sampler = Sampler(vocab: lm.vocab)
        var text = "", ids: [Int] = []
        for k in 0..<length {
            let id = sampler.argmax(scorer.logits)
            text += lm.vocabulary.token(id)
            ids.append(id)
            if k + 1 < length { scorer.feed([id]) }
        }
        return (text, ids)
    }

    /// A completion is the hand-written greedy loop's, continued from the fed
    /// state, and leaves the state after all its graphemes but the last.
    /// Mutation caught: `continueGenerating` resetting the state first, or
    /// stepping the last grapheme too (the next ranking differs).
    func testCompletionContinuesFromTheStateAndAdvancesIt() throws {
        let lm = model()
        let context = [1, 2, 3, 8, 4]
        let p = Predictor(model: lm)
        XCTAssertFalse(p.hasContext)
        try p.feed(context)
        XCTAssertTrue(p.hasContext)
        let expected = greedyByHand(lm, context, length: 6)
        XCTAssertEqual(p.complete(length: 6), expected.text)
        XCTAssertEqual(p.ranked(top: 8).map(\.id), rankedAfter(lm, context + expected.ids.dropLast()))
        // And it is the greedy sample from the same context.
        var sampled = ""
        try TextGenerator(model: lm, streams: 1, options: SamplingOptions(greedy: true), seed: 3)
            .generate(prime: context, stop: StopConditions(length: 6), emit: { sampled += $1 }, finished: { _ in })
        XCTAssertEqual(sampled, expected.text)
    }

    /// Lines: from zero each time, or with `carry` after the lines so far and a
    /// line break (and after a completion's graphemes but the last).
    /// Mutation caught: feeding the line break before the first carried line
    /// too, or not restarting without carry.
    func testFeedLineResetsOrCarries() throws {
        let lm = model()
        let (a, b) = ([1, 2, 3], [4, 5])
        let p = Predictor(model: lm)
        try p.feedLine(a, carry: false)
        try p.feedLine(b, carry: false)
        XCTAssertEqual(p.ranked(top: 8).map(\.id), rankedAfter(lm, b))
        try p.feedLine([], carry: false)
        XCTAssertFalse(p.hasContext, "an empty line without carry has no context")

        let c = Predictor(model: lm)
        try c.feedLine(a, carry: true)
        XCTAssertEqual(c.ranked(top: 8).map(\.id), rankedAfter(lm, a), "no line break before the first line")
        try c.feedLine(b, carry: true)
        XCTAssertEqual(c.ranked(top: 8).map(\.id), rankedAfter(lm, a + [8] + b))
        let completion = greedyByHand(lm, a + [8] + b, length: 3)
        XCTAssertEqual(c.complete(length: 3), completion.text)
        try c.feedLine([], carry: true)
        XCTAssertTrue(c.hasContext)
        XCTAssertEqual(c.ranked(top: 8).map(\.id), rankedAfter(lm, a + [8] + b + completion.ids.dropLast() + [8]))
        // restart forgets the lines: the next carried line has no line break before it.
        c.restart()
        try c.feedLine(b, carry: true)
        XCTAssertEqual(c.ranked(top: 8).map(\.id), rankedAfter(lm, b))
    }

    /// Ranked candidates name their graphemes and carry the model's probabilities.
    func testRankedNamesTheGraphemes() throws {
        let lm = model()
        let p = Predictor(model: lm)
        try p.feed([2, 2])
        let ranked = p.ranked(top: 3)
        XCTAssertEqual(ranked.map(\.id), rankedAfter(lm, [2, 2], top: 3))
        XCTAssertEqual(ranked.map(\.grapheme), ranked.map { lm.vocabulary.token($0.id) })
        XCTAssertEqual(ranked.map(\.probability), ranked.map(\.probability).sorted(by: >))
    }

    /// One trailing line break ("\n" or "\r\n") is dropped, no more.
    /// Mutation caught: `while` instead of `if` (drops "\n\n"), or dropping a lone "\r".
    func testDroppingTrailingLineBreak() {
        func drop(_ s: String) -> String { String(decoding: Predictor.droppingTrailingLineBreak(Array(s.utf8)), as: UTF8.self) }
        XCTAssertEqual(drop("ab\n"), "ab")
        XCTAssertEqual(drop("ab\r\n"), "ab")
        XCTAssertEqual(drop("ab\n\n"), "ab\n")
        XCTAssertEqual(drop("ab\r"), "ab\r")
        XCTAssertEqual(drop("ab"), "ab")
        XCTAssertEqual(drop(""), "")
    }

    // MARK: - LineReader

    /// Lines across reads of 64 KiB, with the buffer compacted on the way.
    /// Mutation caught: compacting without resetting `start`, or dropping a
    /// last line that lacks "\n".
    func testLineReaderSplitsLinesAcrossChunks() throws {
        var lines: [String] = []
        for i in 0..<3000 { lines.append(String(repeating: Character(UnicodeScalar(UInt8(97 + i % 26))), count: i % 97)) }
        lines.append(String(repeating: "x", count: 200_000))   // longer than one read
        lines.append("\r")
        lines.append("last, without a line break")
        let text = lines.joined(separator: "\n")
        let path = NSTemporaryDirectory() + "linereader-\(getpid()).txt"
        defer { unlink(path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        let fd = open(path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let reader = LineReader(fd: fd)
        var read: [String] = []
        while let line = try reader.next() { read.append(String(decoding: line, as: UTF8.self)) }
        XCTAssertEqual(read.count, lines.count)
        XCTAssertEqual(read, lines)
        XCTAssertNil(try reader.next())
    }

    /// A read error is one line naming the input. Mutation caught: any change of the text.
    func testLineReaderReadErrorIsOneLine() {
        let fd = open("/", O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        XCTAssertThrowsError(try LineReader(fd: fd).next()) { error in
            XCTAssertEqual(error as? TextError, .readFailed(source: "<stdin>", reason: "Is a directory"))
            XCTAssertEqual("\(error)", "<stdin>: cannot be read (Is a directory)")
        }
    }

    // MARK: - MarkedText (fill)

    /// Masks are holes even when the mask is in the vocabulary; unknown
    /// graphemes are holes or counted. Mutation caught: looking the grapheme
    /// up in the vocabulary before comparing it with the mask, or ignoring
    /// `maskAllUnknown`.
    func testMarkedTextHolesAndUnknowns() throws {
        let vocabulary = try Vocabulary(graphemes: ["a", "b", "_"])
        let graphemes = ["a", "_", "b", "é", "_", "a"]
        let counted = MarkedText(graphemes: graphemes, mask: "_", maskAllUnknown: false, vocabulary: vocabulary)
        let a = vocabulary.id(of: "a")!, b = vocabulary.id(of: "b")!
        XCTAssertEqual(counted.holes, [1, 4])
        XCTAssertEqual(counted.unknown, 1)
        XCTAssertEqual(counted.ids, [a, Vocabulary.unknownID, b, Vocabulary.unknownID, Vocabulary.unknownID, a])
        let holes = MarkedText(graphemes: graphemes, mask: "_", maskAllUnknown: true, vocabulary: vocabulary)
        XCTAssertEqual(holes.holes, [1, 3, 4])
        XCTAssertEqual(holes.unknown, 0)
        // Another mask: "_" is then an ordinary grapheme.
        let other = MarkedText(graphemes: graphemes, mask: "b", maskAllUnknown: false, vocabulary: vocabulary)
        XCTAssertEqual(other.holes, [2])
        XCTAssertEqual(other.ids[1], vocabulary.id(of: "_")!)
    }

    /// Filling puts each hole's first candidate at its position and nothing else.
    func testFillingReplacesOnlyTheHoles() throws {
        let vocabulary = try Vocabulary(graphemes: ["a", "b", "c"])
        let c = vocabulary.id(of: "c")!, b = vocabulary.id(of: "b")!
        let filled = [FilledHole(position: 1, candidates: [FillCandidate(id: c, probability: 0.6), FillCandidate(id: b, probability: 0.3)]),
                      FilledHole(position: 3, candidates: [FillCandidate(id: b, probability: 0.9)])]
        XCTAssertEqual(MarkedText.filling(["a", "_", "a", "_"], with: filled, vocabulary: vocabulary), ["a", "c", "a", "b"])
    }

    // MARK: - ScoreSummary

    /// Bits per grapheme pool all scored graphemes (not a mean of each
    /// input's mean). Mutation caught: averaging per-input averages, or
    /// counting each input's first (unscored) grapheme.
    func testScoreSummaryPoolsInputs() throws {
        let lm = model()
        let scorer = TextScorer(model: lm)
        let short = EncodedText(graphemes: ["a", "b"], vocabulary: lm.vocabulary)
        let long = EncodedText(graphemes: ["c", "a", "é", "b", "\n", "d", "d", "g"], vocabulary: lm.vocabulary)
        var summary = ScoreSummary()
        XCTAssertNil(summary.bitsPerGrapheme)
        XCTAssertNil(summary.perplexity)
        try summary.score(short, with: scorer)
        try summary.score(long, with: scorer)
        let (n1, b1) = try TextScorer(model: lm).score(short.ids)
        let (n2, b2) = try TextScorer(model: lm).score(long.ids)
        XCTAssertEqual(summary.inputs, 2)
        XCTAssertEqual(summary.scored, 1 + 7)
        XCTAssertEqual(summary.graphemes, 2 + 8)
        XCTAssertEqual(summary.unknown, 1)
        XCTAssertEqual(summary.totalBits, b1 + b2, accuracy: 1e-12)
        XCTAssertEqual(summary.bitsPerGrapheme!, (b1 + b2) / Double(n1 + n2), accuracy: 1e-12)
        XCTAssertNotEqual(summary.bitsPerGrapheme!, (b1 / Double(n1) + b2 / Double(n2)) / 2, accuracy: 1e-6)
        XCTAssertEqual(summary.perplexity!, pow(2, summary.bitsPerGrapheme!), accuracy: 1e-12)
        // A one-grapheme input adds nothing scored.
        var single = ScoreSummary()
        try single.score(EncodedText(graphemes: ["a"], vocabulary: lm.vocabulary), with: scorer)
        XCTAssertEqual(single.scored, 0)
        XCTAssertNil(single.bitsPerGrapheme)
    }

    // MARK: - CheckpointSearch

    /// The order: the given path; (fill) latest-fill; latest; $CHARLSTM_MODEL
    /// (empty is unset, missing is an error); the bundled model above the
    /// executable; the installed one. Mutation caught: swapping any two steps,
    /// or treating an empty $CHARLSTM_MODEL as set.
    func testCheckpointSearchOrder() throws {
        let root = NSTemporaryDirectory() + "checkpoint-search-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: root)
        defer { try? fm.removeItem(atPath: root) }
        for dir in ["work/checkpoints", "tree/checkpoints", "tree/a/bin", "prefix/bin", "prefix/share/charlstm"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        func touch(_ path: String) { XCTAssertTrue(fm.createFile(atPath: root + "/" + path, contents: Data("x".utf8))) }
        let saved = fm.currentDirectoryPath
        XCTAssertTrue(fm.changeCurrentDirectoryPath(root + "/work"))
        defer { _ = fm.changeCurrentDirectoryPath(saved) }

        func search(_ checkpoint: String? = nil, fill: Bool = false, env: String? = nil, exe: String? = nil) throws -> String {
            try CheckpointSearch(checkpoint: checkpoint, preferFill: fill, modelVariable: env,
                                 executableDirectory: exe.map { root + "/" + $0 }).resolve().origin.description
        }
        XCTAssertThrowsError(try search(env: "")) {
            XCTAssertEqual($0 as? CheckpointNotFound, .noneFound)
        }
        XCTAssertThrowsError(try search(env: "missing.ckpt")) {
            XCTAssertEqual($0 as? CheckpointNotFound, .modelVariableMissing(path: "missing.ckpt"))
            XCTAssertEqual(($0 as? CheckpointNotFound)?.description,
                           "CHARLSTM_MODEL is set to missing.ckpt, which does not exist; unset it or point it at a checkpoint")
        }
        touch("prefix/share/charlstm/shakespeare.ckpt")
        XCTAssertEqual(try search(exe: "prefix/bin"), "the installed model")
        touch("tree/checkpoints/shakespeare.ckpt")
        XCTAssertEqual(try search(exe: "tree/a/bin"), "the bundled model")
        XCTAssertEqual(try CheckpointSearch(checkpoint: nil, modelVariable: nil, executableDirectory: root + "/tree/a/bin")
                        .resolve().path, root + "/tree/checkpoints/shakespeare.ckpt")
        touch("env.ckpt")
        XCTAssertEqual(try search(env: root + "/env.ckpt", exe: "tree/a/bin"), "$CHARLSTM_MODEL")
        XCTAssertEqual(try search(env: "", exe: "tree/a/bin"), "the bundled model", "an empty $CHARLSTM_MODEL is unset")
        touch("work/checkpoints/latest-fill.ckpt")
        XCTAssertEqual(try search(env: root + "/env.ckpt"), "$CHARLSTM_MODEL", "latest-fill only for fill")
        XCTAssertEqual(try search(fill: true, env: root + "/env.ckpt"), "the latest bidirectional training checkpoint")
        touch("work/checkpoints/latest.ckpt")
        XCTAssertEqual(try search(env: root + "/env.ckpt"), "the latest training checkpoint")
        XCTAssertEqual(try search(fill: true), "the latest bidirectional training checkpoint")
        XCTAssertEqual(try search("given.ckpt", fill: true), "the path given")
    }
}
