// Invalid UTF-8, --lossy, and the file checks (missing, directory, empty, BOM-only, binary).
import Foundation
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TextInputTests: XCTestCase {
    func error(_ body: () throws -> Void) -> TextError? {
        do { try body() } catch let e as TextError { return e } catch { XCTFail("not a TextError: \(error)") }
        return nil
    }

    // MARK: Invalid UTF-8

    func testInvalidUTF8NamesTheFirstBadByteOffset() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let cases: [([UInt8], Int)] = [
            (Array("ab".utf8) + [0xFF, 0x41], 2),              // never valid
            ([0x80], 0),                                       // stray continuation
            (Array("abc".utf8) + [0xE2, 0x82], 3),             // truncated at the end
            (Array("a".utf8) + [0xED, 0xA0, 0x80], 1),         // surrogate
            (Array("ab".utf8) + [0xF4, 0x90, 0x80, 0x80], 2),  // above U+10FFFF
            ([0xE0, 0x80, 0x80], 0),                           // overlong
            ([0xC0, 0xAF], 0),                                 // overlong
            (Array("héllo".utf8) + [0xC3, 0x28], 6),           // lead without continuation
            (bom + Array("ab".utf8) + [0xC0, 0x80], 5),        // offsets count the BOM
            (Array(repeating: 0x61, count: 37) + [0xF0, 0x9F, 0x98] + Array("x".utf8), 37),
        ]
        for (bytes, offset) in cases {
            for size in [1, 2, 3, 5, 1 << 22] {
                let t = GraphemeTokenizer(normalization: .nfc, chunkSize: size)
                XCTAssertEqual(error { _ = try t.graphemes(utf8: bytes, source: "in.txt", lossy: false) },
                               .invalidUTF8(source: "in.txt", offset: offset), "\(bytes) chunk \(size)")
                XCTAssertEqual(error { _ = try t.boundaries(utf8: bytes, source: "in.txt", lossy: false) },
                               .invalidUTF8(source: "in.txt", offset: offset))
            }
        }
        let message = TextError.invalidUTF8(source: "in.txt", offset: 3).description
        XCTAssertTrue(message.hasPrefix("in.txt: invalid UTF-8 at byte offset 3"), message)
        // The CLI words it with --lossy (CLIErrorMessage.swift; TokenizeCommandTests pins that line).
        XCTAssertTrue(message.hasSuffix("or read it lossily, replacing bad sequences with U+FFFD"), message)
        XCTAssertFalse(message.contains("\n"))
    }

    func testLossyReplacesEachMaximalSubpartLikeSwift() throws {
        // Swift's String(decoding:as:) follows the same Unicode recommendation.
        let alphabet: [UInt8] = [0x41, 0x20, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                                 0xF0, 0xF4, 0xF5, 0xFF]    // no 0xEF: no literal U+FFFD, no BOM
        var rng = TestRandom(seed: 3)
        var totalReplaced = 0
        for _ in 0 ..< 1500 {
            let bytes = (0 ..< rng.below(16)).map { _ in alphabet[rng.below(alphabet.count)] }
            let expected = Array(String(decoding: bytes, as: UTF8.self).utf8)
            let expectedCount = String(decoding: bytes, as: UTF8.self).unicodeScalars.filter { $0 == "\u{FFFD}" }.count
            for size in [1, 2, 7, 1 << 22] {
                let t = GraphemeTokenizer(normalization: .none, chunkSize: size)
                let (g, replaced) = try t.graphemes(utf8: bytes, source: "x", lossy: true)
                XCTAssertEqual(Array(g.joined().utf8), expected, "\(bytes) chunk \(size)")
                XCTAssertEqual(replaced, expectedCount, "\(bytes) chunk \(size)")
            }
            totalReplaced += expectedCount
        }
        XCTAssertGreaterThan(totalReplaced, 1000)
        // A concrete case: three bad sequences.
        let (g, replaced) = try GraphemeTokenizer().graphemes(utf8: [0x61, 0xFF, 0x62, 0xE2, 0x82, 0x63, 0xF0, 0x9F],
                                                              source: "x", lossy: true)
        XCTAssertEqual(g, ["a", "\u{FFFD}", "b", "\u{FFFD}", "c", "\u{FFFD}"])
        XCTAssertEqual(replaced, 3)
    }

    func testNULByteIsBinary() {
        let bytes = Array("abc".utf8) + [0] + Array("d".utf8)
        for size in [1, 1 << 22] {
            let t = GraphemeTokenizer(normalization: .nfc, chunkSize: size)
            XCTAssertEqual(error { _ = try t.graphemes(utf8: bytes, source: "b.bin", lossy: true) },
                           .binary(source: "b.bin", offset: 3))
        }
        XCTAssertTrue(TextError.binary(source: "b.bin", offset: 3).description.contains("looks like a binary file"))
    }

    // MARK: Files

    func testReadFileChecks() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url.path
        }
        let missing = dir.appendingPathComponent("nope.txt").path
        XCTAssertEqual(error { _ = try TextInput.readFile(missing) }, .missingFile(path: missing))
        XCTAssertEqual(error { _ = try TextInput.readFile(dir.path) }, .isDirectory(path: dir.path))
        let empty = try file("empty.txt", [])
        XCTAssertEqual(error { _ = try TextInput.readFile(empty) }, .empty(source: empty))
        let bomOnly = try file("bom.txt", [0xEF, 0xBB, 0xBF])
        XCTAssertEqual(error { _ = try TextInput.readFile(bomOnly) }, .onlyByteOrderMark(source: bomOnly))
        let binary = try file("b.bin", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00])
        XCTAssertEqual(error { _ = try TextInput.readFile(binary) }, .binary(source: binary, offset: 6))
        let ok = try file("ok.txt", [0xEF, 0xBB, 0xBF] + Array("héllo\n".utf8))
        XCTAssertEqual(try TextInput.readFile(ok), [0xEF, 0xBB, 0xBF] + Array("héllo\n".utf8))

        // The streaming readers apply the same checks.
        for path in [missing, dir.path, empty, bomOnly, binary] {
            let direct = error { _ = try TextInput.readFile(path) }
            XCTAssertEqual(error { _ = try GraphemeTokenizer().forEachGrapheme(inFile: path, lossy: false) { _ in } }, direct, path)
            XCTAssertEqual(error { _ = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: true, maxVocab: nil, minCount: 1) },
                           direct, path)
        }
        let bad = try file("bad.txt", Array("ok".utf8) + [0xFE])
        XCTAssertEqual(error { _ = try EncodedCorpus.build(file: bad, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1) },
                       .invalidUTF8(source: bad, offset: 2))

        // Every message is one line naming the file.
        for e: TextError in [.missingFile(path: missing), .isDirectory(path: dir.path), .empty(source: empty),
                             .onlyByteOrderMark(source: bomOnly), .binary(source: binary, offset: 6),
                             .invalidUTF8(source: bad, offset: 2), .unreadable(source: ok, reason: "Permission denied")] {
            XCTAssertFalse(e.description.contains("\n"), e.description)
            XCTAssertTrue(e.description.hasPrefix(dir.path), e.description)
        }
        XCTAssertEqual(TextError.missingFile(path: "a\nb").description.split(separator: "\n").count, 1)
    }

    func testUnreadableFile() throws {
        // Root-proof: a file whose read fails (EIO at offset 0).
        guard case .unreadable(let source, let reason)? = error({ _ = try TextInput.readFile("/proc/self/mem") }) else {
            return XCTFail("expected .unreadable for /proc/self/mem")
        }
        XCTAssertEqual(source, "/proc/self/mem")
        XCTAssertFalse(reason.isEmpty)
    }

    func testFileWithoutReadPermission() throws {
        if getuid() == 0 { throw XCTSkip("running as root: permissions do not stop reads") }
        let path = try temporaryFile(Array("text".utf8))
        chmod(path, 0)
        guard case .unreadable(let source, _)? = error({ _ = try TextInput.readFile(path) }) else {
            return XCTFail("expected .unreadable")
        }
        XCTAssertEqual(source, path)
    }

    /// Open failures that root gets too (CI runs as root, where chmod 000 does not stop reads):
    /// a path under a regular file (ENOTDIR) is missing; a symbolic-link loop (ELOOP) and an
    /// over-long name (ENAMETOOLONG) take the branch that permission denied takes, .unreadable
    /// with the system's reason.
    func testOpenFailuresThatRootAlsoGets() throws {
        let file = try temporaryFile(Array("text".utf8))
        XCTAssertEqual(error { _ = try TextInput.readFile(file + "/inner.txt") }, .missingFile(path: file + "/inner.txt"))
        let loop = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("loop.txt").path
        XCTAssertEqual(symlink(loop, loop), 0)
        XCTAssertEqual(error { _ = try TextInput.readFile(loop) },
                       .unreadable(source: loop, reason: String(cString: strerror(ELOOP))))
        let long = String(repeating: "n", count: 300)
        XCTAssertEqual(error { _ = try TextInput.readFile(long) },
                       .unreadable(source: long, reason: String(cString: strerror(ENAMETOOLONG))))
    }

    func testLargeFileIsReadWhole() throws {
        var bytes: [UInt8] = []
        for i in 0 ..< 300_000 { bytes.append(UInt8(0x61 + i % 26)) }
        let path = try temporaryFile(bytes)
        XCTAssertEqual(try TextInput.readFile(path), bytes)
    }
}
