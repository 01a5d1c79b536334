// `charlstm sample` and `charlstm-sample`, run as executables.
import XCTest
import Foundation

final class SampleCommandTests: XCTestCase {
    var model: String { SampleFixture.trained }

    private func sample(_ args: [String], stdin: Data? = nil, tool: String = "charlstm") throws -> ProcessResult {
        try runTool(tool, (tool == "charlstm" ? ["sample"] : []) + ["-m", model] + args, stdin: stdin)
    }

    func testSameSeedGivesIdenticalBytes() throws {
        let args = ["--seed", "42", "--length", "300", "--temp", "1.3", "--top-p", "0.95"]
        let a = try sample(args), b = try sample(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stderr, "")
        XCTAssertEqual(a.stdoutData, b.stdoutData)
        XCTAssertEqual(a.stdout.count, 300, "300 graphemes")
        let c = try sample(["--seed", "43", "--length", "300", "--temp", "1.3", "--top-p", "0.95"])
        XCTAssertNotEqual(a.stdout, c.stdout, "another seed, another text")
    }

    func testVerboseSaysCheckpointAndSeed() throws {
        let r = try sample(["--length", "5", "--verbose"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("checkpoint \(model) (--checkpoint)"), r.stderr)
        let seedLine = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.contains("seed ") })
        let seed = String(seedLine.split(separator: " ").last!)
        // The printed seed reproduces the run.
        let again = try sample(["--length", "5", "--seed", seed])
        XCTAssertEqual(again.stdout, r.stdout)
    }

    func testGreedyEqualsRepeatedPredictTop1() throws {
        let prime = "El pa"
        let greedy = try sample(["--greedy", "--prime", prime, "--length", "12"])
        XCTAssertEqual(greedy.status, 0, greedy.stderr)
        var text = prime, predicted = ""
        for _ in 0..<12 {
            let r = try runTool("charlstm", ["predict", "-m", model, "--text", text, "--top", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let fields = r.stdout.dropLast().split(separator: "\t", omittingEmptySubsequences: false)
            XCTAssertEqual(fields.count, 2, r.stdout)
            let g = fields[0] == "\\n" ? "\n" : fields[0] == "\\s" ? " " : String(fields[0])
            predicted += g
            text += g
        }
        XCTAssertEqual(greedy.stdout, predicted)
    }

    func testTopK1EqualsGreedy() throws {
        let greedy = try sample(["--greedy", "--length", "80", "--prime", "RO"])
        let top1 = try sample(["--top-k", "1", "--length", "80", "--prime", "RO", "--seed", "9", "--temp", "2"])
        XCTAssertEqual(greedy.status, 0, greedy.stderr)
        XCTAssertEqual(greedy.stdout, top1.stdout)
        XCTAssertTrue(greedy.stdout.hasPrefix("MEO: "), greedy.stdout)
    }

    func testStopStopsAfterTheStopText() throws {
        let r = try sample(["--greedy", "--prime", "To be or not to be, ", "--stop", "question", "--stop", "zzz", "--length", "500"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "that is the question")
        // Random sampling: stop at the first line break, whatever comes before it.
        for seed in 1...3 {
            let s = try sample(["--seed", "\(seed)", "--stop", "\n", "--length", "1000"])
            XCTAssertEqual(s.status, 0, s.stderr)
            XCTAssertTrue(s.stdout.hasSuffix("\n"), s.stdout)
            XCTAssertEqual(s.stdout.filter { $0 == "\n" }.count, 1, s.stdout)
        }
    }

    func testMaxLines() throws {
        let r = try sample(["--seed", "5", "--max-lines", "2", "--length", "5000"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.filter { $0 == "\n" }.count, 2)
        XCTAssertTrue(r.stdout.hasSuffix("\n"))
    }

    func testNonASCIIPrime() throws {
        let prime = "El país 👨‍👩‍👧"
        let r = try sample(["--prime", prime, "--echo-prime", "--greedy", "--length", "10"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "every prime grapheme is in the vocabulary")
        XCTAssertEqual(r.stdout, prime + " es grande")
        // The same prime decomposed (NFD) is normalized like the training text.
        let nfd = "El pai\u{301}s 👨‍👩‍👧"
        let d = try sample(["--prime", nfd, "--greedy", "--length", "10"])
        XCTAssertEqual(d.stderr, "")
        XCTAssertEqual(d.stdout, " es grande")
    }

    func testUnknownPrimeWarnsOrFailsWithStrict() throws {
        let warned = try sample(["--prime", "To be Ж", "--length", "3", "--seed", "1"])
        XCTAssertEqual(warned.status, 0)
        XCTAssertEqual(warned.stderr.split(separator: "\n").count, 1, warned.stderr)
        XCTAssertTrue(warned.stderr.contains("warning: 1 grapheme(s) of the prime are not in the model's vocabulary (first: Ж)"), warned.stderr)
        XCTAssertEqual(warned.stdout.count, 3)
        assertOneLineError(try sample(["--prime", "To be Ж", "--strict"]), mentioning: "--strict")
    }

    func testPrimeFromStdinAndFile() throws {
        let viaFlag = try sample(["--prime", "ROMEO: ", "--seed", "11", "--length", "40"])
        let viaStdin = try sample(["--seed", "11", "--length", "40"], stdin: Data("ROMEO: ".utf8))
        XCTAssertEqual(viaStdin.status, 0, viaStdin.stderr)
        XCTAssertEqual(viaFlag.stdout, viaStdin.stdout)
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("prime.txt")
        try Data("ROMEO: ".utf8).write(to: file)
        let viaFile = try sample(["--prime-file", file.path, "--seed", "11", "--length", "40"])
        XCTAssertEqual(viaFlag.stdout, viaFile.stdout)
        // An empty stdin is no prime.
        let empty = try sample(["--seed", "11", "--length", "40"], stdin: Data())
        let none = try sample(["--seed", "11", "--length", "40"])
        XCTAssertEqual(empty.stdout, none.stdout)
    }

    func testNumPrintsSamplesSeparated() throws {
        let r = try sample(["--num", "3", "--length", "25", "--seed", "2", "--separator", "<>"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let parts = r.stdout.components(separatedBy: "<>")
        XCTAssertEqual(parts.count, 3, r.stdout)
        for p in parts { XCTAssertEqual(p.count, 25, p) }
        // Default separator: a blank line; and every sample honours --stop.
        let s = try sample(["--num", "4", "--length", "500", "--seed", "2", "--stop", "!", "--prime", "ROMEO: O Juliet, the sun"])
        let samples = s.stdout.components(separatedBy: "\n\n")
        XCTAssertEqual(samples, Array(repeating: "!", count: 4), s.stdout)
        // Greedy samples in a batch equal the single greedy sample.
        let one = try sample(["--greedy", "--length", "60"])
        let three = try sample(["--greedy", "--length", "60", "--num", "3", "--separator", "|"])
        XCTAssertEqual(three.stdout, [one.stdout, one.stdout, one.stdout].joined(separator: "|"))
    }

    func testHeadClosingThePipeEndsQuietly() throws {
        let exe = SampleFixture.executable("charlstm")
        // One stream, and 8 (whose first block of streams prints from a compute thread).
        for num in ["1", "8"] {
            let script = "{ \"$0\" sample -m \"$1\" --length 100000 --seed 1 --num $2; echo \"status=$?\" >&2; } | head -c 10"
            let r = try runPath("/bin/sh", ["-c", script, exe, model, num])
            XCTAssertEqual(r.status, 0)
            XCTAssertEqual(r.stdoutData.count, 10)
            XCTAssertEqual(r.stderr, "status=0\n", "no error text, status 0 (--num \(num))")
        }
    }

    func testStandaloneSampleExecutable() throws {
        let args = ["--seed", "8", "--length", "120", "--prime", "To"]
        let standalone = try sample(args, tool: "charlstm-sample")
        let sub = try sample(args)
        XCTAssertEqual(standalone.status, 0, standalone.stderr)
        XCTAssertEqual(standalone.stdout, sub.stdout)
        XCTAssertEqual(standalone.stdout.count, 120)
        let bad = try runTool("charlstm-sample", ["-m", model, "--temp", "0"])
        assertOneLineError(bad, mentioning: "--temp")
        XCTAssertTrue(bad.stderr.hasPrefix("charlstm-sample: error: "))
    }

    func testLengthZeroAndEchoPrime() throws {
        let r = try sample(["--length", "0", "--prime", "abc", "--echo-prime"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "abc")
    }

    // MARK: - Bad inputs: one line, exit ≠ 0

    func testBadSamplingFlags() throws {
        assertOneLineError(try sample(["--temp", "0"]), mentioning: "--temp")
        assertOneLineError(try sample(["--temp", "-1"]), mentioning: "--temp")
        assertOneLineError(try sample(["--top-p", "1.5"]), mentioning: "--top-p")
        assertOneLineError(try sample(["--top-p", "0"]), mentioning: "--top-p")
        assertOneLineError(try sample(["--top-k", "0"]), mentioning: "--top-k")
        assertOneLineError(try sample(["--length", "-1"]), mentioning: "--length")
        assertOneLineError(try sample(["--num", "0"]), mentioning: "--num")
        assertOneLineError(try sample(["--max-lines", "0"]), mentioning: "--max-lines")
        assertOneLineError(try sample(["--prime", "a", "--prime-file", "b"]), mentioning: "--prime")
        assertOneLineError(try sample(["--prime-file", "/nonexistent/prime.txt"]), mentioning: "prime.txt")
        // The library reports a SamplingProblem; the CLI words it with the flag (SamplingProblem+CLI.swift).
        // Mutation caught: the CLI printing the library's description (no flag).
        XCTAssertEqual(try sample(["--temp", "0"]).stderr, "charlstm: error: --temp must be a number greater than 0 (got 0.0)\n")
        XCTAssertEqual(try sample(["--top-k", "0"]).stderr, "charlstm: error: --top-k must be at least 1 (got 0)\n")
        XCTAssertEqual(try sample(["--top-p", "1.5"]).stderr, "charlstm: error: --top-p must be in (0, 1] (got 1.5)\n")
    }

    func testInteractiveWithoutTerminal() throws {
        assertOneLineError(try sample(["--interactive"]), mentioning: "terminal")
    }

    func testMissingAndCorruptCheckpoint() throws {
        assertOneLineError(try runTool("charlstm", ["sample", "-m", "/nonexistent/model.ckpt"]), mentioning: "no such file")
        let dir = try temporaryDirectory(self)
        let garbage = dir.appendingPathComponent("garbage.ckpt")
        try Data("this is not a checkpoint at all, just text".utf8).write(to: garbage)
        assertOneLineError(try runTool("charlstm", ["sample", "-m", garbage.path]), mentioning: "not a charlstm checkpoint")
        // A flipped byte in the weights.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: model))
        bytes[bytes.count - 40] ^= 0x55
        let flipped = dir.appendingPathComponent("flipped.ckpt")
        try bytes.write(to: flipped)
        assertOneLineError(try runTool("charlstm", ["sample", "-m", flipped.path]), mentioning: "corrupt")
        // Truncated.
        let truncated = dir.appendingPathComponent("truncated.ckpt")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        assertOneLineError(try runTool("charlstm", ["predict", "-m", truncated.path, "--text", "a"]))
    }
}
