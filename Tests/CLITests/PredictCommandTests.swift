// `charlstm predict`, run as an executable; and its agreement with `score`.
import XCTest
import Foundation

final class PredictCommandTests: XCTestCase {
    var model: String { SampleFixture.trained }

    private func predict(_ args: [String], stdin: Data? = nil) throws -> ProcessResult {
        try runTool("charlstm", ["predict", "-m", model] + args, stdin: stdin)
    }

    func testStdinWithTrailingNewlineEqualsText() throws {
        let r = try predict([], stdin: Data("To be or not to b\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e\n")
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(try predict(["--text", "To be or not to b"]).stdout, "e\n")
        // Without the trailing newline too; and "\r\n" is one line break.
        XCTAssertEqual(try predict([], stdin: Data("To be or not to b".utf8)).stdout, "e\n")
        XCTAssertEqual(try predict([], stdin: Data("To be or not to b\r\n".utf8)).stdout, "e\n")
    }

    func testTopThreeSortedAndConsistentWithScore() throws {
        let text = "ROMEO: O Ju"
        let r = try predict(["--text", text, "--top", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, 3, r.stdout)
        let probabilities = try rows.map { try XCTUnwrap(Double($0[1])) }
        XCTAssertEqual(probabilities, probabilities.sorted(by: >))
        for p in probabilities { XCTAssertTrue(p > 0 && p <= 1, "\(p)") }
        XCTAssertEqual(rows[0][0], "l")
        // score --per-char of text + candidate: its last line is the candidate, with bits = −log2 p.
        for (row, p) in zip(rows, probabilities) {
            let g = String(row[0])
            let s = try runTool("charlstm", ["score", "-m", model, "--per-char"], stdin: Data((text + g).utf8))
            XCTAssertEqual(s.status, 0, s.stderr)
            let last = s.stdout.split(separator: "\n").last!.split(separator: "\t")
            XCTAssertEqual(String(last[0]), g)
            let bits = try XCTUnwrap(Double(last[1]))
            XCTAssertEqual(pow(2, -bits), p, accuracy: p * 1e-4, "candidate \(g)")
        }
    }

    func testEscapedGraphemesInTop() throws {
        // After a full line the most likely next grapheme is a line break, printed escaped.
        let r = try predict(["--text", "El país 👨‍👩‍👧 es grande.", "--top", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("\\n\t"), r.stdout)
        XCTAssertEqual(try predict(["--text", "To be or not to be,"]).stdout, " \n")
        XCTAssertEqual(try predict(["--text", "To be or not to be,", "--top", "1"]).stdout.prefix(3), "\\s\t")
    }

    func testJSON() throws {
        let r = try predict(["--text", "To be or not to b", "--json", "--top", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        let predictions = try XCTUnwrap(object["predictions"] as? [[String: Any]])
        XCTAssertEqual(predictions.count, 4)
        XCTAssertEqual(predictions[0]["grapheme"] as? String, "e")
        let ps = predictions.compactMap { $0["probability"] as? Double }
        XCTAssertEqual(ps, ps.sorted(by: >))
        let plain = try predict(["--text", "To be or not to b", "--top", "4"])
        let first = Double(plain.stdout.split(separator: "\n")[0].split(separator: "\t")[1])!
        XCTAssertEqual(ps[0], first, accuracy: 1e-6)
        let completion = try predict(["--text", "ROMEO", "--length", "4", "--json"])
        let plainCompletion = try predict(["--text", "ROMEO", "--length", "4"])
        XCTAssertEqual(completion.stdout, "{\"completion\":\"" + plainCompletion.stdout.dropLast() + "\"}\n")
    }

    func testLengthIsAGreedyCompletion() throws {
        let r = try predict(["--length", "20"], stdin: Data("ROMEO: O Juliet\n".utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let greedy = try runTool("charlstm", ["sample", "-m", model, "--greedy", "--prime", "ROMEO: O Juliet", "--length", "20"])
        XCTAssertEqual(r.stdout, greedy.stdout + "\n")
    }

    func testLinesResetsStateUnlessCarry() throws {
        let input = "To be or not to b\nEl pa\n\nROMEO: O Juliet, the su"
        let r = try predict(["--lines"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e\ní\n\nn\n", "one output line per input line; an empty line has no context")
        let carried = try predict(["--lines", "--carry", "--top", "1"], stdin: Data("To be or not to be, that is the question.\nEl\n\n".utf8))
        let lines = carried.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, carried.stdout)  // three predictions and the final ""
        // With --carry, the empty third line still has context (the text so far and its line breaks).
        XCTAssertFalse(lines[2].isEmpty)
        // --carry equals predicting after the whole text so far.
        let whole = try predict(["--text", "To be or not to be, that is the question.\nEl", "--top", "1"])
        XCTAssertEqual(String(lines[1]) + "\n", whole.stdout)
    }

    /// Each prediction is written as soon as its line arrives, before stdin ends.
    func testLinesStreamsPerLine() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SampleFixture.executable("charlstm"))
        process.arguments = ["predict", "-m", model, "--lines"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        input.fileHandleForWriting.write(Data("To be or not to b\n".utf8))
        var got = Data()
        while !got.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData  // blocks until data arrives
            if chunk.isEmpty { break }
            got += chunk
        }
        XCTAssertEqual(String(decoding: got, as: UTF8.self), "e\n", "the first answer arrives while stdin is still open")
        input.fileHandleForWriting.write(Data("El pa\n".utf8))
        try input.fileHandleForWriting.close()
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(String(decoding: rest, as: UTF8.self), "í\n")
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testUnknownGraphemesWarn() throws {
        let r = try predict(["--text", "Жук"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout.count, 2)
        XCTAssertTrue(r.stderr.contains("warning: 3 grapheme(s)"), r.stderr)
    }

    /// `predict --help` and `-h` (also after valid flags) print predict's help
    /// with status 0, as `charlstm help predict` does: the start-up fast path
    /// leaves them to the full parser. Mutation caught: the hand parser of the
    /// fast path skipping arguments it does not know (`default: break`)
    /// instead of declining them (then `--help` predicts and fails on empty stdin).
    func testHelpGoesThroughTheFullParser() throws {
        let reference = try runTool("charlstm", ["help", "predict"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertTrue(reference.stdout.hasPrefix("OVERVIEW: Print the most likely next grapheme"), reference.stdout)
        for args in [["--help"], ["-h"], ["--text", "To b", "--top", "2", "--help"]] {
            let r = try runTool("charlstm", ["predict"] + args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, reference.stdout, "\(args)")
            XCTAssertEqual(r.stderr, "", "\(args)")
        }
    }

    func testBadInputs() throws {
        assertOneLineError(try predict([], stdin: Data()), mentioning: "empty")
        assertOneLineError(try predict([]), mentioning: "empty")
        assertOneLineError(try predict([], stdin: Data("\n".utf8)), mentioning: "empty")
        assertOneLineError(try predict(["--text", ""]), mentioning: "empty")
        assertOneLineError(try predict(["--top", "0", "--text", "a"]), mentioning: "--top")
        assertOneLineError(try predict(["--length", "-1", "--text", "a"]), mentioning: "--length")
        assertOneLineError(try predict(["--carry"], stdin: Data("a".utf8)), mentioning: "--lines")
        assertOneLineError(try predict([], stdin: Data([0x61, 0xFF, 0x62])), mentioning: "UTF-8")
        XCTAssertEqual(try predict(["--lossy"], stdin: Data([0x54, 0x6F, 0xFF, 0x20, 0x62])).status, 0)
        assertOneLineError(try runTool("charlstm", ["predict", "-m", "/nonexistent.ckpt", "--text", "a"]), mentioning: "no such file")
    }
}
