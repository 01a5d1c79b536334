// `charlstm tokenize`, run as a real executable: exact stdout, stderr and status.
import Foundation
import XCTest

final class TokenizeCommandTests: XCTestCase {
    /// The issue's example: printf 'e\xcc\x81👨‍👩‍👧🇫🇷ab'.
    let example = Data([0x65, 0xCC, 0x81]) + Data("👨‍👩‍👧🇫🇷ab".utf8)

    func tokenize(_ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
        try runTool("charlstm", ["tokenize"] + arguments, stdin: stdin)
    }

    func file(_ bytes: Data, _ name: String = "input.txt") throws -> String {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    /// Exactly one line on stderr, `charlstm: error: <expected>`, nothing on stdout, status 1.
    func assertError(_ r: ProcessResult, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertEqual(r.stderr, "charlstm: error: \(expected)\n", file: file, line: line)
    }

    /// Over 10,000 vocabulary entries: one warning naming the flags that cap it, worded by the CLI
    /// (LargeVocabularyWarning.swift; the library only says `Vocabulary.isLarge`). Mutations caught:
    /// the warning dropped, or its count or flags changed.
    func testLargeVocabularyWarns() throws {
        let text = String(String.UnicodeScalarView((0..<10_000).map { Unicode.Scalar(0x4E00 + $0)! }))
        let r = try tokenize(["--stats"], stdin: Data(text.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "charlstm: warning: the vocabulary has 10001 entries (over 10000); the model's embedding "
                       + "and output layers grow with it: cap it with --max-vocab N (e.g. --max-vocab 5000) or "
                       + "--min-count N (e.g. --min-count 5); rarer graphemes then map to <unk>\n")
        XCTAssertEqual(try tokenize(["--stats"], stdin: Data(text.dropLast().utf8)).stderr, "")
    }

    func testIssueExampleGivesFiveGraphemes() throws {
        let r = try tokenize([], stdin: example)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        // Byte-exact: NFC made "e" + U+0301 into U+00E9.
        XCTAssertEqual(r.stdoutData, Data("\u{E9}\n👨‍👩‍👧\n🇫🇷\na\nb\n".utf8))
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 5)
        // Without normalization the é stays decomposed.
        let none = try tokenize(["--normalize", "none"], stdin: example)
        XCTAssertEqual(none.stdoutData, Data("e\u{301}\n👨‍👩‍👧\n🇫🇷\na\nb\n".utf8))
    }

    func testFileArgumentAndEscapes() throws {
        let path = try file(Data("a b\t\r\n\\\n\u{200D}\n\\\u{301}".utf8))
        let r = try tokenize([path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "a\n\\s\nb\n\\t\n\\r\\n\n\\\\\n\\n\nU+200D\n\\n\n\\\\\u{301}\n")
        XCTAssertEqual(r.stderr, "")
    }

    func testBoundaries() throws {
        let r = try tokenize(["--boundaries"], stdin: example)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "0 2 20 28 29 30\n")
        XCTAssertEqual(r.stderr, "")
        let none = try tokenize(["--boundaries", "--normalize", "none"], stdin: example)
        XCTAssertEqual(none.stdout, "0 3 21 29 30 31\n")
        // A BOM is dropped before offsets are counted.
        let bom = try tokenize(["--boundaries"], stdin: Data([0xEF, 0xBB, 0xBF]) + Data("a\r\nb".utf8))
        XCTAssertEqual(bom.stdout, "0 1 3 4\n")
    }

    func testStats() throws {
        let r = try tokenize(["--stats"], stdin: example)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """
            bytes: 31
            normalized bytes: 30
            code points: 10
            graphemes: 5
            distinct graphemes: 5
            vocabulary: 6
            unknown: 0

            """)
        XCTAssertEqual(r.stderr, "")
    }

    func testIDsAndCaps() throws {
        let path = try file(Data("abcabab".utf8))
        let r = try tokenize(["--ids", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "1\n2\n3\n1\n2\n1\n2\n")   // a, b: 3 each (tie by bytes), c: 1
        XCTAssertEqual(r.stderr, "")
        let capped = try tokenize(["--ids", "--max-vocab", "2", path])
        XCTAssertEqual(capped.status, 0, capped.stderr)
        XCTAssertEqual(capped.stdout, "1\n0\n0\n1\n0\n1\n0\n")
        XCTAssertEqual(capped.stderr, "charlstm: warning: 4 of 7 tokens map to <unk> (outside --max-vocab/--min-count)\n")
        let stats = try tokenize(["--stats", "--min-count", "2", path])
        XCTAssertTrue(stats.stdout.hasSuffix("vocabulary: 3\nunknown: 1\n"), stats.stdout)
    }

    /// `--ids --binary`: little-endian UInt16, no header, no separators, the
    /// same ids as `--ids`; against a checkpoint, its vocabulary's ids.
    func testIDsBinaryIsLittleEndianUInt16() throws {
        let text = Data("abracadabra\n".utf8)
        // a: 5, b and r: 2 (tie by bytes: b first), then \n, c, d once each.
        let expected: [UInt16] = [1, 2, 3, 1, 5, 1, 6, 1, 2, 3, 1, 4]
        let bytes = Data(expected.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        for r in [try tokenize(["--ids", "--binary"], stdin: text), try tokenize(["--ids", "--binary", try file(text)])] {
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr, "")
            XCTAssertEqual(r.stdoutData, bytes)
        }
        XCTAssertEqual(try tokenize(["--ids"], stdin: text).stdout, expected.map { "\($0)\n" }.joined())
        // The fixture's vocabulary: <unk> "a" "b" "\n" " " "é" "🇫🇷" "\t" (as `charlstm info` lists it).
        let ckpt = SampleGoldenTests.root.appendingPathComponent("Tests/CharLSTMTests/Fixtures/lstm-adam-full.ckpt").path
        let m = try tokenize(["--ids", "--binary", "-m", ckpt], stdin: Data("ab x\t🇫🇷\n".utf8))
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(m.stdoutData, Data([1, 0, 2, 0, 4, 0, 0, 0, 7, 0, 6, 0, 3, 0]))
        XCTAssertEqual(m.stderr, "charlstm: warning: 1 of 7 tokens are not in the checkpoint's vocabulary; they map to <unk>\n")
    }

    /// `count` distinct graphemes, each once, in code point (= UTF-8 byte) order:
    /// CJK ideographs (Extension A, the URO, Extension B), so their ids are 1...count.
    private func distinctGraphemes(_ count: Int) -> Data {
        let scalars = Array(0x3400...0x4DBF) + Array(0x4E00...0x9FFF) + Array(0x20000...0x2A6DF)
        precondition(count <= scalars.count)
        var s = String.UnicodeScalarView()
        for v in scalars.prefix(count) { s.append(UnicodeScalar(UInt32(v))!) }
        return Data(String(s).utf8)
    }

    /// UInt16 up to 65,536 vocabulary entries (<unk> included), UInt32 from 65,537;
    /// and `--ids` writes ids of every digit count.
    func testIDsBinaryWidthFollowsTheVocabulary() throws {
        for (graphemes, width) in [(65_535, 2), (65_536, 4), (70_000, 4)] {
            let r = try tokenize(["--ids", "--binary"], stdin: distinctGraphemes(graphemes))
            XCTAssertEqual(r.status, 0, r.stderr)
            var expected = [UInt8]()
            expected.reserveCapacity(graphemes * width)
            for id in 1...graphemes {
                for byte in 0..<width { expected.append(UInt8(truncatingIfNeeded: id >> (8 * byte))) }
            }
            XCTAssertEqual(r.stdoutData.count, graphemes * width, "\(graphemes)")
            XCTAssertTrue(r.stdoutData == Data(expected), "\(graphemes) graphemes: not \(width)-byte little-endian ids 1...\(graphemes)")
        }
        let text = try tokenize(["--ids"], stdin: distinctGraphemes(12_345))
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout == (1...12_345).map { "\($0)\n" }.joined(), "decimal ids 1...12345")
    }

    func testBinaryNeedsIDs() throws {
        assertError(try tokenize(["--binary"], stdin: example), "--binary only applies with --ids")
        assertError(try tokenize(["--binary", "--stats"], stdin: example), "--binary only applies with --ids")
    }

    func testLossy() throws {
        let bad = Data("ab".utf8) + Data([0xFF]) + Data("c".utf8)
        let r = try tokenize(["--lossy"], stdin: bad)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "a\nb\n\u{FFFD}\nc\n")
        XCTAssertEqual(r.stderr, "charlstm: warning: <stdin>: replaced 1 invalid UTF-8 sequence with U+FFFD (--lossy)\n")
    }

    func testInputErrorsAreOneLineAndExitOne() throws {
        let dir = try temporaryDirectory(self)
        let missing = dir.appendingPathComponent("missing.txt").path
        assertError(try tokenize([missing]), "\(missing): no such file; check the path")
        assertError(try tokenize([dir.path]), "\(dir.path): is a directory; give a UTF-8 text file")
        let empty = try file(Data(), "empty.txt")
        assertError(try tokenize([empty]), "\(empty): input is empty; give some UTF-8 text")
        assertError(try tokenize(["--stats", empty]), "\(empty): input is empty; give some UTF-8 text")
        let bomOnly = try file(Data([0xEF, 0xBB, 0xBF]), "bom.txt")
        assertError(try tokenize([bomOnly]),
                    "\(bomOnly): input holds only a byte order mark (BOM) and no text; give some UTF-8 text")
        let invalid = try file(Data("héllo".utf8) + Data([0xC3, 0x28]), "latin.txt")
        let message = "\(invalid): invalid UTF-8 at byte offset 6; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) or pass --lossy to replace bad sequences with U+FFFD"
        assertError(try tokenize([invalid]), message)
        assertError(try tokenize(["--ids", invalid]), message)
        assertError(try tokenize(["--boundaries", invalid]), message)
        let binary = try file(Data([0x41, 0x00, 0x42]), "b.bin")
        assertError(try tokenize([binary]),
                    "\(binary): looks like a binary file (NUL byte at offset 1); give a UTF-8 text file")
        assertError(try tokenize([], stdin: Data()), "<stdin>: input is empty; give some UTF-8 text")
        assertError(try tokenize([], stdin: Data([0xFF])),
                    "<stdin>: invalid UTF-8 at byte offset 0; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) or pass --lossy to replace bad sequences with U+FFFD")
    }

    func testUsageErrors() throws {
        for args in [["--ids", "--stats"], ["--normalize", "nfd"], ["--max-vocab", "0", "--ids"], ["--min-count", "2"]] {
            let r = try tokenize(args, stdin: example)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: "), r.stderr)
        }
    }

    func testHelpShowsDefaults() throws {
        let r = try tokenize(["--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("default: nfc)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("nfkc"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(default: no cap)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(default: 1)"), r.stdout)
    }
}
