// Every way a file can be damaged yields its own typed error — never a crash,
// never an allocation sized by a corrupt field.
import XCTest
import Foundation
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

final class CheckpointCorruptionTests: XCTestCase {
    let good = makeCheckpoint()
    lazy var bytes: [UInt8] = try! CheckpointFile.encode(good)
    lazy var info: CheckpointFileInfo = try! decodeWithInfo(bytes).file

    func testWrongMagicEmptyAndTinyFiles() {
        XCTAssertEqual(decodeError([]), .truncated(path: "test.ckpt", expected: 64, found: 0))
        XCTAssertEqual(decodeError(Array(bytes[0..<5])), .truncated(path: "test.ckpt", expected: 64, found: 5))
        XCTAssertEqual(decodeError(Array("hello, world\n".utf8)), .notACheckpoint(path: "test.ckpt"))
        XCTAssertEqual(decodeError(Array("h".utf8)), .notACheckpoint(path: "test.ckpt"))
        var b = bytes
        b[0] = 0x88
        XCTAssertEqual(decodeError(b), .notACheckpoint(path: "test.ckpt"))
        // A text-mode transfer that turned CR LF into LF.
        b = bytes
        b.remove(at: 6)
        XCTAssertEqual(decodeError(b), .notACheckpoint(path: "test.ckpt"))
        XCTAssertEqual(decodeError(b)?.description,
                       "test.ckpt: not a charlstm checkpoint (wrong magic bytes); pass a file written by charlstm train or export")
    }

    func testTruncationAtEverySectionBoundaryAndMidSection() {
        var cuts: Set<Int> = [1, 7, 8, 11, 12, 63, 64, 65, 64 + 32 * info.sections.count, bytes.count - 1]
        for s in info.sections {
            cuts.formUnion([s.offset, s.offset + 1, s.offset + s.length / 2, s.offset + s.length - 1, s.offset + s.length])
        }
        for cut in cuts.sorted() where cut < bytes.count {
            let expected = cut < 64 ? 64 : bytes.count
            XCTAssertEqual(decodeError(Array(bytes[0..<cut])), .truncated(path: "test.ckpt", expected: expected, found: cut), "cut at \(cut)")
        }
        XCTAssertEqual(decodeError(Array(bytes[0..<100])).map(\.description),
                       "test.ckpt: truncated (expected \(bytes.count) bytes, found 100); copy the file again or use an earlier checkpoint")
    }

    func testAFlippedByteInEachSectionIsReportedAsThatSectionCorrupt() {
        let names = ["CONF": "CONF (config)", "VOCB": "VOCB (vocabulary)", "WGHT": "WGHT (weights)", "TRAN": "TRAN (training state)"]
        for s in info.sections {
            for at in [s.offset, s.offset + s.length / 2, s.offset + s.length - 1] {
                var b = bytes
                b[at] ^= 0x10
                XCTAssertEqual(decodeError(b), .sectionCorrupt(path: "test.ckpt", section: names[s.kind]!), "\(s.kind) byte \(at)")
            }
        }
        var b = bytes
        b[64 + 9] ^= 1  // an offset in the table
        XCTAssertEqual(decodeError(b), .sectionCorrupt(path: "test.ckpt", section: "section table"))
        b = bytes
        b[44] ^= 1  // a reserved header byte
        XCTAssertEqual(decodeError(b), .sectionCorrupt(path: "test.ckpt", section: "header"))
        XCTAssertEqual(decodeError(b)?.description,
                       "test.ckpt: section header is corrupt (CRC mismatch); copy the file again or use an earlier checkpoint")
    }

    func testEverySingleBitFlipAnywhereIsDetected() {
        // Every byte is covered by a CRC or must be zero padding, so no flip loads.
        let small = try! CheckpointFile.encode(makeCheckpoint(layers: 1, embed: 1, hidden: 1, graphemes: ["a"], batch: 1, historyCount: 1))
        for i in 0..<small.count {
            for bit in [0, 7] {
                var b = small
                b[i] ^= UInt8(1 << bit)
                XCTAssertNotNil(decodeError(b), "flip of bit \(bit) at byte \(i) went unnoticed")
            }
        }
    }

    func testTrailingBytesAndNonZeroPaddingAreRefused() {
        guard case .inconsistent(_, let what)? = decodeError(bytes + [0]) else { return XCTFail() }
        XCTAssertTrue(what.contains("1 unexpected bytes after the end"), what)
        let conf = info.sections[0]
        var b = bytes
        b[conf.offset + conf.length] = 1   // padding after CONF
        guard case .inconsistent(_, let w2)? = decodeError(b) else { return XCTFail() }
        XCTAssertTrue(w2.contains("padding"), w2)
    }

    func testAbsurdLengthsAndCountsFailCleanlyWithoutBigAllocations() throws {
        let dir = try makeTemporaryDirectory(self)
        var files: [(String, String)] = []
        let big = UInt64.max, huge32 = UInt64(UInt32.max)
        // (what, kind, offset, value, width)
        let cases: [(String, String, Int, UInt64, Int)] = [
            ("section count", "FILE", 20, huge32, 4),
            ("entry size", "FILE", 24, huge32, 4),
            ("CONF length", "FILE", 64 + 16, big, 8),
            ("CONF offset", "FILE", 64 + 8, big, 8),
            ("WGHT offset", "FILE", 64 + 64 + 8, big - 7, 8),
            ("layers", "CONF", 4, huge32, 4),
            ("embed", "CONF", 8, huge32, 4),
            ("hidden", "CONF", 12, 1 << 20, 4),
            ("vocab", "CONF", 16, 1 << 20, 4),
            ("parameter count", "CONF", 24, big, 8),
            ("corpus name length", "CONF", 68, huge32, 4),
            ("cell code", "CONF", 0, 9, 1),
            ("dropout NaN", "CONF", 20, UInt64(Float.nan.bitPattern), 4),
            ("vocabulary count", "VOCB", 0, huge32, 4),
            ("vocabulary entry length", "VOCB", 4, huge32, 4),
            ("moment1 count", "TRAN", 120, 1 << 62, 8),
            ("moment2 count", "TRAN", 128, big, 8),
            ("carried count", "TRAN", 136, big / 4 + 1, 8),
            ("rng count", "TRAN", 144, 1 << 61, 8),
            ("history count", "TRAN", 152, big / 40, 8),
            ("batch", "TRAN", 8, big, 8),
            ("optimizer code", "TRAN", 0, 200, 1),
        ]
        for (k, (what, kind, at, value, width)) in cases.enumerated() {
            let b = ChecksumPatcher.patch(bytes, kind: kind, at: at, value: value, width: width)
            guard let error = decodeError(b) else { XCTFail("\(what): loaded"); continue }
            guard case .inconsistent = error else { XCTFail("\(what): \(error)"); continue }
            let path = dir + "/case\(k).ckpt"
            try Data(b).write(to: URL(fileURLWithPath: path))
            files.append((what, path))
        }
        // The memory each decode takes, measured in a child process of its own (this
        // process's peak is that of every earlier test, and wait4's ru_maxrss of a child
        // spawned from it starts at this process's peak): `charlstm info` runs under a data
        // limit (RLIMIT_DATA, ulimit -d) 64 MiB above the least that `charlstm info` on the
        // intact checkpoint needs. An allocation sized by a corrupt field then fails, and the
        // child dies of it instead of exiting 1 with one line.
        let good = dir + "/good.ckpt"
        try Data(bytes).write(to: URL(fileURLWithPath: good))
        var (low, high) = (0, 256 * 1024)   // KiB: fails at low, works at high
        XCTAssertEqual(try runLimited(dataKB: high, ["info", good]).status, 0)
        while high - low > 1024 {
            let mid = (low + high) / 2
            if try runLimited(dataKB: mid, ["info", good]).status == 0 { high = mid } else { low = mid }
        }
        XCTAssertGreaterThan(low, 0, "the limit binds: with none at all, nothing runs")
        let limit = high + 64 * 1024
        for (what, path) in files {
            let r = try runLimited(dataKB: limit, ["info", path])
            XCTAssertEqual(r.status, 1, "\(what): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: \(path): ") && r.stderr.filter { $0 == "\n" }.count == 1,
                          "\(what): \(r.stderr)")
        }
    }

    /// Runs the real `charlstm` (built next to this test bundle) under `ulimit -d dataKB`,
    /// stdout to /dev/null; returns its exit status (128 + signal when killed) and stderr.
    private func runLimited(dataKB: Int, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let bundle = Bundle(for: CheckpointCorruptionTests.self).bundleURL
        let products = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
        let tool = products.appendingPathComponent("charlstm").path
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            XCTFail("\(tool) is not built (swift build builds it; scripts/test.sh does)")
            return (-1, "")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -d \"$0\" && exec \"$@\"", String(dataKB), tool] + arguments
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return (status, String(decoding: data, as: UTF8.self))
    }

    func testHeaderFlagsMustAgreeWithTheTable() {
        let b = ChecksumPatcher.patch(bytes, kind: "FILE", at: 12, value: 3, width: 4)   // claims Float16 weights
        XCTAssertEqual(decodeError(b), .inconsistent(path: "test.ckpt", what: "header and section table disagree about Float16 weights"))
    }

    func testSizesThatDisagreeWithTheConfigAreInconsistent() {
        // Config claims one more layer: P changes, recorded P and weights no longer match.
        var b = ChecksumPatcher.patch(bytes, kind: "CONF", at: 4, value: 3, width: 4)
        guard case .inconsistent(_, let what)? = decodeError(b) else { return XCTFail() }
        XCTAssertTrue(what.contains("parameters"), what)
        // Config claims V + 1: vocabulary count disagrees (P recomputed consistently).
        let c = good
        var other = c.config
        other.vocab += 1
        b = ChecksumPatcher.patch(bytes, kind: "CONF", at: 16, value: UInt64(other.vocab), width: 4)
        b = ChecksumPatcher.patch(b, kind: "CONF", at: 24, value: UInt64(ParameterLayout(other).count), width: 8)
        XCTAssertEqual(decodeError(b), .inconsistent(path: "test.ckpt", what: "vocabulary has \(c.config.vocab) entries, the config says \(other.vocab)"))
    }

    func testDuplicateVocabularyEntriesAreRefused() {
        // "a" and "b" are both one byte: make entry 2 ("b") a second "a".
        let at = ChecksumPatcher.sectionOffset(bytes, kind: "VOCB")
        var b = bytes
        let firstA = at + 4 + 4 + 5 + 4   // count, len+"<unk>", len, then "a"
        XCTAssertEqual(b[firstA], UInt8(ascii: "a"))
        XCTAssertEqual(b[firstA + 5], UInt8(ascii: "b"))
        b[firstA + 5] = UInt8(ascii: "a")
        ChecksumPatcher.refresh(&b)
        XCTAssertEqual(decodeError(b), .invalidVocabulary(path: "test.ckpt", reason: "vocabulary lists U+61 twice"))
        // And a vocabulary without <unk> first.
        b = bytes
        b[at + 8] = UInt8(ascii: "[")
        ChecksumPatcher.refresh(&b)
        XCTAssertEqual(decodeError(b), .invalidVocabulary(path: "test.ckpt", reason: "vocabulary does not start with <unk>"))
    }

    func testInvalidUTF8InTheVocabularyIsRefused() {
        let at = ChecksumPatcher.sectionOffset(bytes, kind: "VOCB")
        for bad: [UInt8] in [[0xFF], [0xC3], [0xED], [0x80]] {   // invalid byte, cut sequence, surrogate lead, lone continuation
            var b = bytes
            b[at + 4 + 4 + 5 + 4] = bad[0]   // entry 1, "a", 1 byte
            ChecksumPatcher.refresh(&b)
            XCTAssertEqual(decodeError(b), .invalidVocabulary(path: "test.ckpt", reason: "entry 1 is not valid UTF-8"))
        }
    }

    func testFileSystemErrors() throws {
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try CheckpointFile.read(dir + "/missing.ckpt")) {
            XCTAssertEqual($0 as? CheckpointError, .notFound(path: dir + "/missing.ckpt"))
        }
        XCTAssertThrowsError(try CheckpointFile.read(dir + "/missing/x.ckpt")) {
            XCTAssertEqual($0 as? CheckpointError, .notFound(path: dir + "/missing/x.ckpt"))
        }
        XCTAssertThrowsError(try CheckpointFile.read(dir)) { XCTAssertEqual($0 as? CheckpointError, .isDirectory(path: dir)) }
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o600), 0)
        XCTAssertThrowsError(try CheckpointFile.read(dir + "/fifo")) {
            XCTAssertEqual($0 as? CheckpointError, .unreadable(path: dir + "/fifo", reason: "not a regular file"))
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/empty.ckpt", contents: Data()))
        XCTAssertThrowsError(try CheckpointFile.read(dir + "/empty.ckpt")) {
            XCTAssertEqual($0 as? CheckpointError, .truncated(path: dir + "/empty.ckpt", expected: 64, found: 0))
        }
        XCTAssertEqual(CheckpointError.notFound(path: "a\nb.ckpt").description, "a\\nb.ckpt: no such file", "one line, always")
    }

    func testWriteFailuresLeaveThePreviousFileIntact() throws {
        let dir = try makeTemporaryDirectory(self)
        let c = makeCheckpoint()
        // A directory that does not exist.
        XCTAssertThrowsError(try CheckpointFile.write(c, to: dir + "/nope/x.ckpt")) { error in
            XCTAssertEqual(error as? CheckpointError, .writeFailed(path: dir + "/nope/x.ckpt", reason: "directory \(dir)/nope does not exist"))
        }
        // A directory nobody, not even root, may create files in.
        XCTAssertThrowsError(try CheckpointFile.write(c, to: "/proc/charlstm.ckpt")) { error in
            guard case .writeFailed? = error as? CheckpointError else { return XCTFail("\(error)") }
        }
        // The target is a directory.
        XCTAssertThrowsError(try CheckpointFile.write(c, to: dir)) { XCTAssertEqual($0 as? CheckpointError, .isDirectory(path: dir)) }
        // A read-only directory holding a previous checkpoint (only meaningful without root's override).
        let ro = dir + "/ro"
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
        try CheckpointFile.write(c, to: ro + "/x.ckpt")
        let before = try Data(contentsOf: URL(fileURLWithPath: ro + "/x.ckpt"))
        chmod(ro, 0o555)
        defer { chmod(ro, 0o755) }
        if geteuid() != 0 {
            var d = c
            d.metadata.step = 1
            XCTAssertThrowsError(try CheckpointFile.write(d, to: ro + "/x.ckpt")) { error in
                XCTAssertEqual(error as? CheckpointError, .writeFailed(path: ro + "/x.ckpt", reason: "permission denied in directory \(ro)"))
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ro + "/x.ckpt")), before)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ro), ["x.ckpt"])

        // Failures root gets too. A directory that is a regular file (ENOTDIR):
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/plain", contents: Data([1])))
        XCTAssertThrowsError(try CheckpointFile.write(c, to: dir + "/plain/x.ckpt")) { error in
            XCTAssertEqual(error as? CheckpointError, .writeFailed(path: dir + "/plain/x.ckpt", reason: "\(dir)/plain is not a directory"))
        }
        // A previous checkpoint whose temporary file cannot be created (its name, "." + the
        // target's + ".tmp-PID", is over NAME_MAX): the write fails as in the read-only
        // directory, and the previous file is untouched.
        let longDir = dir + "/long"
        try FileManager.default.createDirectory(atPath: longDir, withIntermediateDirectories: false)
        let long = longDir + "/" + String(repeating: "c", count: 250)
        let previous = Data(try CheckpointFile.encode(c))
        try previous.write(to: URL(fileURLWithPath: long))   // in place: write's own temporary name would be too long
        var d = c
        d.metadata.step = 2
        XCTAssertThrowsError(try CheckpointFile.write(d, to: long)) { error in
            XCTAssertEqual(error as? CheckpointError, .writeFailed(path: long, reason: String(cString: strerror(ENAMETOOLONG))))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: long)), previous)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: longDir), [String(repeating: "c", count: 250)])
    }

    func testStaleTemporaryFilesOfDeadWritersAreRemoved() throws {
        let dir = try makeTemporaryDirectory(self)
        // PID 2^22 + 1 exceeds Linux's pid_max limit, so it cannot be running.
        let stale = dir + "/.m.ckpt.tmp-4194305", staleK = dir + "/.m.ckpt.tmp-4194305-2"
        let alive = dir + "/.m.ckpt.tmp-1", other = dir + "/.other.ckpt.tmp-4194305"
        for p in [stale, staleK, alive, other] { XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data([1]))) }
        try CheckpointFile.write(makeCheckpoint(), to: dir + "/m.ckpt")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)),
                       [".m.ckpt.tmp-1", ".other.ckpt.tmp-4194305", "m.ckpt"])
    }

    /// Every file in Fixtures/fuzz-regressions (the fuzzer's finds, crash-*, and the
    /// cases derive_fuzz_regressions.py derives from the golden fixtures, derived-*),
    /// as it is and with every CRC recomputed (as CheckpointFuzzer tries each input),
    /// decodes to an error or to a checkpoint as consistent as CheckpointFuzzer requires.
    func testFuzzerRegressionInputsFailCleanly() throws {
        let dir = fixturesDirectory.appendingPathComponent("fuzz-regressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        var inputs = 0, errors = 0, loaded = 0
        for name in names.sorted() where !name.hasPrefix(".") && name != "README.md" {
            let raw = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
            XCTAssertLessThan(raw.count, 8192, name)
            var fixed = raw
            if fixed.count >= 64 { ChecksumPatcher.refresh(&fixed) }
            for (variant, b) in [("", raw), (" (CRCs recomputed)", fixed)] {
                inputs += 1
                guard decodeError(b) == nil else { errors += 1; continue }
                loaded += 1
                let c = try decodeBytes(b, source: name)
                XCTAssertEqual(c.parameters.count, ParameterLayout(c.config).count, name + variant)
                XCTAssertEqual(c.vocabulary.count, c.config.vocab, name + variant)
                XCTAssertNil(c.config.problem(), name + variant)
                let back = try decodeBytes(try CheckpointFile.encode(c), source: "re-encoded")
                XCTAssertEqual(back.parameters.map(\.bitPattern), c.parameters.map(\.bitPattern), name + variant)
                XCTAssertEqual(back.vocabulary, c.vocabulary, name + variant)
            }
        }
        // The loop runs: 96 derived files, each twice. Most are refused, some load (a
        // weight byte replaced is still a checkpoint): measured 152 refused, 40 loaded.
        XCTAssertGreaterThanOrEqual(inputs, 2 * 96)
        XCTAssertGreaterThan(errors, inputs / 2)
        XCTAssertGreaterThan(loaded, 0, "the consistency checks above ran")
    }
}
