// `charlstm fill` and `charlstm train --bidirectional`, through the real executables.
//
// The corpus is pairs "Dl" separated by spaces, where the letter l is random
// (a-d) and the digit D before it is fixed by it (a→1, b→2, c→3, d→4). A
// digit is therefore determined by the *next* grapheme only: a left-to-right
// model can do no better than a 1-in-4 guess, a bidirectional one can be exact.
import XCTest
import Foundation
import CharLSTM

private let digitOf: [Character: Character] = ["a": "1", "b": "2", "c": "3", "d": "4"]

/// `count` random pairs separated by spaces.
private func pairs(_ count: Int, seed: UInt64) -> String {
    var rng = RandomGenerator(seed: seed)
    let letters: [Character] = ["a", "b", "c", "d"]
    return (0..<count).map { _ -> String in
        let l = letters[rng.nextInt(below: 4)]
        return String([digitOf[l]!, l])
    }.joined(separator: " ")
}

final class FillCommandTests: XCTestCase {
    /// A bidirectional and a left-to-right model of the same size, trained once
    /// for all tests with the same flags and steps.
    static var dir: URL!
    static var fillModel: String { dir.appendingPathComponent("bi/latest-fill.ckpt").path }
    static var forwardModel: String { dir.appendingPathComponent("uni/latest.ckpt").path }
    static var trainError: String?

    override class func setUp() {
        super.setUp()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-fill-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        dir = url
        let corpus = url.appendingPathComponent("pairs.txt")
        try? Data((pairs(3000, seed: 5) + "\n").utf8).write(to: corpus)
        let common = ["train", corpus.path, "--hidden", "32", "--layers", "1", "--embed", "8", "--steps", "150",
                      "--batch", "16", "--seq", "32", "--quiet", "--threads", "1"]
        for (extra, out) in [(["--bidirectional"], "bi"), ([], "uni")] {
            let r = try? runTool("charlstm", common + extra + ["--out", url.appendingPathComponent(out).path])
            if r?.status != 0 { trainError = "training \(out) failed: \(r?.stderr ?? "could not run")" }
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.trainError { XCTFail(e) }
    }

    private func fill(_ args: [String], stdin: String? = nil, model: String = FillCommandTests.fillModel) throws -> ProcessResult {
        try runTool("charlstm", ["fill", "-m", model] + args, stdin: stdin.map { Data($0.utf8) })
    }

    /// The evidence: with every digit masked, fill restores nearly all of them;
    /// `predict` (left context only) on the same holes is right about 1 time in 4.
    func testFillUsesTheRightContextThatPredictCannotSee() throws {
        let truth = pairs(200, seed: 77)
        let masked = String(truth.map { $0.isNumber ? "_" : $0 })
        let r = try fill([], stdin: masked + "\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let filled = Array(r.stdout)
        let want = Array(truth + "\n")
        XCTAssertEqual(filled.count, want.count)
        let holes = want.indices.filter { want[$0].isNumber }
        XCTAssertEqual(holes.count, 200)
        let fillRight = holes.filter { filled[$0] == want[$0] }.count
        // Everything that was not a hole comes back unchanged.
        for i in want.indices where !want[i].isNumber { XCTAssertEqual(filled[i], want[i], "position \(i)") }

        // predict --lines: one line per hole, the text before it (true digits included).
        let prefixes = holes.map { String(want[..<$0]) }.joined(separator: "\n") + "\n"
        let p = try runTool("charlstm", ["predict", "-m", Self.forwardModel, "--lines"], stdin: Data(prefixes.utf8))
        XCTAssertEqual(p.status, 0, p.stderr)
        let predictions = p.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(predictions.count, holes.count)
        let predictRight = zip(holes, predictions).filter { String(want[$0.0]) == $0.1 }.count

        XCTAssertGreaterThanOrEqual(fillRight, 190, "fill restored \(fillRight)/200 digits")
        XCTAssertLessThanOrEqual(predictRight, 90, "predict guessed \(predictRight)/200 digits; it cannot see the letter")
        // The left-to-right model used by `fill` does no better than predict.
        let u = try fill([], stdin: masked + "\n", model: Self.forwardModel)
        XCTAssertEqual(u.status, 0, u.stderr)
        XCTAssertTrue(u.stderr.contains("left-to-right model, so holes are filled from the text before them only"), u.stderr)
        let leftRight = holes.filter { Array(u.stdout)[$0] == want[$0] }.count
        XCTAssertLessThanOrEqual(leftRight, 90, "left-only fill got \(leftRight)/200")
    }

    func testTopListsRankedCandidatesPerHole() throws {
        let plain = try fill([], stdin: "_c _a")
        XCTAssertEqual(plain.stdout, "3c 1a")   // no line break in, none out
        let r = try fill(["--top", "3"], stdin: "_c _a")
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.map { $0[0] }, ["0", "3"])
        XCTAssertEqual(lines.map { $0[1] }, ["3", "1"], "the first candidate is the grapheme filled in")
        for line in lines {
            XCTAssertEqual(line.count, 7)
            let p = [line[2], line[4], line[6]].map { Double($0)! }
            XCTAssertEqual(p, p.sorted(by: >))
            for x in p { XCTAssertTrue(x > 0 && x <= 1) }
        }
    }

    func testJSONHasTheTextAndEveryHole() throws {
        let r = try runTool("charlstm", ["fill", "-m", Self.fillModel, "--json", "--text", "_b 4_"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, "2b 4d")
        XCTAssertEqual(object["both_sides"] as? Bool, true)
        let holes = try XCTUnwrap(object["holes"] as? [[String: Any]])
        XCTAssertEqual(holes.map { $0["position"] as? Int }, [0, 4])
        let candidates = try XCTUnwrap(holes[0]["candidates"] as? [[String: Any]])
        XCTAssertEqual(candidates.count, 5)
        XCTAssertEqual(candidates[0]["grapheme"] as? String, "2")
    }

    func testMaskFlagsAndUnknownGraphemes() throws {
        XCTAssertEqual(try fill(["--mask", "#"], stdin: "#c #a\n").stdout, "3c 1a\n")
        // X and Y are not in the vocabulary: holes with --mask-all-unknown, <unk> (and a warning) without.
        let holes = try fill(["--mask-all-unknown"], stdin: "Xc Ya\n")
        XCTAssertEqual(holes.stdout, "3c 1a\n")
        XCTAssertEqual(holes.stderr, "")
        let kept = try fill([], stdin: "Xc _a\n")
        XCTAssertEqual(kept.stdout, "Xc 1a\n")
        XCTAssertEqual(kept.stderr, "charlstm: warning: 1 grapheme(s) of the input are not in the model's vocabulary; fed as <unk> (--mask-all-unknown makes them holes)\n")
        // A mask that is one grapheme after NFC (e + combining acute) is accepted.
        XCTAssertEqual(try fill(["--mask", "e\u{301}"], stdin: "\u{E9}c\n").stdout, "3c\n")
    }

    func testNeighbouringHolesAreFilledConsistently() throws {
        // Both graphemes of a pair are missing: any pair is possible, but digit and letter must agree.
        let r = try fill([], stdin: "1a __ 4d __ 2b\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let parts = r.stdout.dropLast().split(separator: " ").map(String.init)
        XCTAssertEqual(parts.count, 5)
        for p in [parts[1], parts[3]] {
            XCTAssertEqual(p.count, 2, r.stdout)
            XCTAssertEqual(digitOf[p.last!], p.first!, "inconsistent pair \(p) in \(r.stdout)")
        }
    }

    func testNoHolesPassesTheTextThrough() throws {
        let r = try fill([], stdin: "1a 2b\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "1a 2b\n")
        XCTAssertEqual(r.stderr, "charlstm: warning: no holes: the input has no _; printing it unchanged (choose the mask with --mask)\n")
    }

    func testBadInputsGiveOneLineAndFail() throws {
        let cases: [([String], String?, String)] = [
            ([], "", "charlstm: error: <stdin>: input is empty: give some text with holes, e.g. echo \"to b_ or not\" | charlstm fill\n"),
            (["--mask", "ab"], "a_\n", "charlstm: error: --mask must be one grapheme (got 2: ab)\n"),
            (["--top", "0"], "a_\n", "charlstm: error: --top must be between 1 and 1000 (got 0)\n"),
            (["--rounds", "0"], "a_\n", "charlstm: error: --rounds must be between 1 and 100 (got 0)\n"),
        ]
        for (args, stdin, message) in cases {
            let r = try fill(args, stdin: stdin)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertEqual(r.stderr, message, "\(args)")
        }
        let missing = try fill([], stdin: "a_\n", model: "/nonexistent.ckpt")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "charlstm: error: /nonexistent.ckpt: no such file\n")
    }

    func testLeftToRightCommandsRefuseAFillModel() throws {
        let expected = "\(Self.fillModel): a bidirectional model, which fills holes in known text: use `charlstm fill`; "
            + "sample, predict and score need a left-to-right model (trained without --bidirectional)\n"
        for (tool, args) in [("charlstm", ["sample", "--length", "5"]), ("charlstm", ["predict", "--text", "1a"]),
                             ("charlstm", ["score", "--json"]), ("charlstm-sample", ["--length", "5"])] {
            let r = try runTool(tool, args + ["-m", Self.fillModel], stdin: Data("1a 2b\n".utf8))
            XCTAssertEqual(r.status, 1, "\(tool) \(args)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr, "\(tool): error: " + expected, "\(tool) \(args)")
        }
    }

    func testInfoAndResumeKeepTheDirection() throws {
        let info = try runTool("charlstm", ["info", "--json", Self.fillModel])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: info.stdoutData) as? [String: Any])
        XCTAssertEqual(object["direction"] as? String, "bidirectional")
        XCTAssertEqual(object["format_version"] as? String, "1.1")
        // The direction is fixed by the checkpoint when resuming: --bidirectional is refused for a
        // left-to-right checkpoint, and accepted (as the first run's flag) for a bidirectional one.
        let corpus = Self.dir.appendingPathComponent("pairs.txt").path
        let r = try runTool("charlstm", ["train", corpus, "--bidirectional", "--resume", Self.forwardModel])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: --bidirectional conflicts with the checkpoint's left-to-right model "
                                 + "(a resumed run keeps the checkpoint's settings; use --init-from to start a new run from its weights)\n")
        let same = try runTool("charlstm", ["train", corpus, "--bidirectional", "--resume", Self.fillModel, "--steps", "1"])
        XCTAssertEqual(same.status, 1)
        XCTAssertTrue(same.stderr.hasPrefix("charlstm: error: nothing to do: --steps 1 is not above the checkpoint's step "), same.stderr)
    }

    func testFillFindsTheLatestFillCheckpointByDefault() throws {
        let work = try temporaryDirectory(self)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fillModel, toPath: work.appendingPathComponent("checkpoints/latest-fill.ckpt").path)
        let r = try runTool("charlstm", ["fill", "--verbose", "--text", "_d"], directory: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "4d\n")
        XCTAssertEqual(r.stderr, "charlstm: checkpoint checkpoints/latest-fill.ckpt (the latest bidirectional training checkpoint)\n")
    }
}
