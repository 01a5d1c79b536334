// `--adapt` (dynamic evaluation) on score, predict and sample, run as executables.
import XCTest
import Foundation

final class AdaptationCommandTests: XCTestCase {
    /// The bundled model: binary16 weights-only, read in place.
    let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("checkpoints/shakespeare.ckpt").path

    let sentence = "Now is the winter of our discontent made glorious summer. "

    private func charlstm(_ args: [String], stdin: Data? = nil) throws -> ProcessResult {
        try runTool("charlstm", args, stdin: stdin)
    }

    private func json(_ r: ProcessResult) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], r.stdout)
    }

    /// The same one-line message, exit 1 and no output from all three commands.
    func testBadSettingsAreOneLineErrors() throws {
        let cases: [([String], String)] = [
            (["--adapt", "--adapt-lr", "-1"], "--adapt-lr must be a number above 0 (got -1.0)"),
            (["--adapt", "--adapt-lr", "nan"], "--adapt-lr must be a number above 0 (got nan)"),
            (["--adapt", "--adapt-decay", "1"], "--adapt-decay must be at least 0 and below 1 (got 1.0)"),
            (["--adapt", "--adapt-segment", "0"], "--adapt-segment must be between 1 and 10000 (got 0)"),
            (["--adapt-lr", "0.001"], "--adapt-lr goes with --adapt"),
            (["--adapt-segment", "5"], "--adapt-segment goes with --adapt"),
        ]
        for (flags, message) in cases {
            for command in [["score"], ["predict", "--text", "To be"], ["sample", "--prime", "To be"]] {
                let r = try charlstm(command + ["-m", bundled] + flags, stdin: Data("To be or not".utf8))
                XCTAssertEqual(r.status, 1, "\(command) \(flags)")
                XCTAssertEqual(r.stdout, "", "\(command) \(flags)")
                XCTAssertEqual(r.stderr, "charlstm: error: \(message)\n", "\(command) \(flags)")
            }
        }
    }

    func testSampleNeedsAPrimeToAdaptTo() throws {
        let r = try charlstm(["sample", "-m", bundled, "--adapt"], stdin: Data())
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "charlstm: error: --adapt learns from the prime: give one of at least 2 graphemes (--prime, --prime-file or stdin)\n")
    }

    /// Text that repeats: the adapted bundled model scores it better, and
    /// --per-char reports the same bits as the summary.
    func testScoreLearnsRepeatedText() throws {
        let text = Data(String(repeating: sentence, count: 5).utf8)
        let plain = try json(try charlstm(["score", "-m", bundled, "--json"], stdin: text))
        let r = try charlstm(["score", "-m", bundled, "--json", "--adapt"], stdin: text)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let adapted = try json(r)
        XCTAssertEqual(adapted["graphemes"] as? Int, 5 * sentence.count - 1)
        let plainBits = try XCTUnwrap(plain["bits_per_grapheme"] as? Double)
        let adaptedBits = try XCTUnwrap(adapted["bits_per_grapheme"] as? Double)
        XCTAssertLessThan(adaptedBits, plainBits - 0.1, "static \(plainBits)")

        let per = try charlstm(["score", "-m", bundled, "--per-char", "--adapt"], stdin: text)
        XCTAssertEqual(per.status, 0, per.stderr)
        let lines = per.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 5 * sentence.count)
        XCTAssertEqual(lines.first, "N\t-")
        let sum = lines.dropFirst().map { Double($0.split(separator: "\t")[1])! }.reduce(0, +)
        XCTAssertEqual(sum, try XCTUnwrap(adapted["total_bits"] as? Double), accuracy: 1e-2)
    }

    /// Each input starts from the trained weights: scoring a file alone or
    /// after another gives it the same bits.
    func testEachInputStartsFromTheTrainedWeights() throws {
        let dir = try temporaryDirectory(self)
        let a = dir.appendingPathComponent("a.txt").path, b = dir.appendingPathComponent("b.txt").path
        try String(repeating: sentence, count: 3).write(toFile: a, atomically: true, encoding: .utf8)
        try "To be, or not to be, that is the question.".write(toFile: b, atomically: true, encoding: .utf8)
        let both = try json(try charlstm(["score", "-m", bundled, "--json", "--adapt", a, b]))
        let first = try json(try charlstm(["score", "-m", bundled, "--json", "--adapt", a]))
        let second = try json(try charlstm(["score", "-m", bundled, "--json", "--adapt", b]))
        let total = try XCTUnwrap(both["total_bits"] as? Double)
        XCTAssertEqual(total, try XCTUnwrap(first["total_bits"] as? Double) + XCTUnwrap(second["total_bits"] as? Double),
                       accuracy: 1e-9)
    }

    /// A prime that repeats a sentence: the adapted model continues it.
    func testSampleAdaptsToThePrime() throws {
        let prime = String(repeating: sentence, count: 3) + "Now is the w"
        let args = ["sample", "-m", bundled, "--prime", prime, "--greedy", "--length", "40"]
        let plain = try charlstm(args)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.hasPrefix("inter of our discontent"), plain.stdout)
        let adapted = try charlstm(args + ["--adapt", "--adapt-lr", "0.003", "--adapt-segment", "20"])
        XCTAssertEqual(adapted.status, 0, adapted.stderr)
        XCTAssertEqual(adapted.stderr, "")
        XCTAssertTrue(adapted.stdout.hasPrefix("inter of our discontent"), adapted.stdout)
        XCTAssertEqual(adapted.stdout.count, 40)
    }

    /// `predict --lines --carry --adapt`: one prediction per line, and the model
    /// learns the line that keeps coming back.
    func testPredictLinesAdaptsAsLinesArrive() throws {
        let input = Data(String(repeating: "Now is the winter of our discontent\n", count: 6).utf8)
        func probabilities(_ extra: [String]) throws -> [Double] {
            let r = try charlstm(["predict", "-m", bundled, "--lines", "--carry", "--json", "--top", "65"] + extra, stdin: input)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            return try r.stdout.split(separator: "\n").map { line in
                let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let predictions = try XCTUnwrap(o["predictions"] as? [[String: Any]])
                return try XCTUnwrap(predictions.first { $0["grapheme"] as? String == "\n" }?["probability"] as? Double)
            }
        }
        let plain = try probabilities([])
        let adapted = try probabilities(["--adapt", "--adapt-lr", "0.003"])
        XCTAssertEqual(plain.count, 6)
        XCTAssertEqual(adapted.count, 6)
        XCTAssertGreaterThan(adapted[5], plain[5] + 0.2, "plain \(plain), adapted \(adapted)")
    }
}
