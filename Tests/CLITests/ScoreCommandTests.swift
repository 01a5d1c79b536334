// `charlstm score`, run as an executable.
import XCTest
import Foundation

final class ScoreCommandTests: XCTestCase {
    var model: String { SampleFixture.trained }

    private func score(_ args: [String], stdin: Data? = nil) throws -> ProcessResult {
        try runTool("charlstm", ["score", "-m", model] + args, stdin: stdin)
    }

    private func json(_ r: ProcessResult) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], r.stdout)
    }

    func testJSONFieldsAndPerCharAgree() throws {
        let text = "To be or not to be, that is the question.\nEl país 👨‍👩‍👧 es grande.\n"
        let r = try score(["--json"], stdin: Data(text.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let o = try json(r)
        let n = text.count  // Swift Characters are grapheme clusters too
        XCTAssertEqual(o["graphemes"] as? Int, n - 1, "the first grapheme is not scored")
        XCTAssertEqual(o["unknown"] as? Int, 0)
        let bpg = try XCTUnwrap(o["bits_per_grapheme"] as? Double)
        let ppl = try XCTUnwrap(o["perplexity"] as? Double)
        XCTAssertLessThan(bpg, 0.5, "the fixture learned these lines")
        XCTAssertEqual(ppl, pow(2, bpg), accuracy: 1e-9)

        let per = try score(["--per-char"], stdin: Data(text.utf8))
        let lines = per.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, n)
        XCTAssertEqual(lines[0], "T\t-")
        let bits = lines.dropFirst().map { Double($0.split(separator: "\t")[1])! }
        XCTAssertEqual(bits.reduce(0, +) / Double(n - 1), bpg, accuracy: 1e-4)
        XCTAssertTrue(lines.contains("👨‍👩‍👧\t" + lines.first { $0.hasPrefix("👨‍👩‍👧") }!.split(separator: "\t")[1]))
        XCTAssertTrue(lines.contains { $0.hasPrefix("\\n\t") }, "line breaks are escaped")
    }

    func testSummaryLine() throws {
        let r = try score([], stdin: Data("ROMEO: O Juliet, the sun!\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasSuffix(" graphemes scored, 0 unknown)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains(" bits/grapheme  perplexity "), r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1)
    }

    func testUnknownGraphemesAreCountedAndScoredAsUnk() throws {
        let r = try score(["--json"], stdin: Data("To be Жук".utf8))
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(try json(r)["unknown"] as? Int, 3)
        XCTAssertTrue(r.stderr.contains("warning: 3 grapheme(s)"), r.stderr)
        let familiar = try json(try score(["--json"], stdin: Data("To be or".utf8)))
        let strange = try json(r)
        XCTAssertGreaterThan(strange["bits_per_grapheme"] as! Double, familiar["bits_per_grapheme"] as! Double)
    }

    func testFilesAndStdinDash() throws {
        let dir = try temporaryDirectory(self)
        let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b.txt")
        try Data("To be or not".utf8).write(to: a)
        try Data("ROMEO: O".utf8).write(to: b)
        let both = try json(try score(["--json", a.path, b.path]))
        XCTAssertEqual(both["graphemes"] as? Int, 11 + 7, "each file's first grapheme is unscored")
        XCTAssertEqual(both["inputs"] as? Int, 2)
        let ra = try json(try score(["--json", a.path])), rb = try json(try score(["--json", "-"], stdin: Data("ROMEO: O".utf8)))
        let total = (ra["total_bits"] as! Double) + (rb["total_bits"] as! Double)
        XCTAssertEqual(both["total_bits"] as! Double, total, accuracy: 1e-9)
    }

    func testPerCharJSON() throws {
        let r = try score(["--json", "--per-char"], stdin: Data("To be".utf8))
        let o = try json(r)
        let items = try XCTUnwrap(o["per_grapheme"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["grapheme"] as? String }, ["T", "o", " ", "b", "e"])
        XCTAssertTrue(items[0]["bits"] is NSNull)
        XCTAssertNotNil(items[1]["bits"] as? Double)
    }

    func testBadInputs() throws {
        assertOneLineError(try score([], stdin: Data()), mentioning: "empty")
        assertOneLineError(try score([], stdin: Data("T".utf8)), mentioning: "at least 2 graphemes")
        assertOneLineError(try score(["/nonexistent/text.txt"]), mentioning: "no such file")
        assertOneLineError(try runTool("charlstm", ["score", "-m", "/nonexistent.ckpt"], stdin: Data("ab".utf8)), mentioning: "no such file")
    }
}
