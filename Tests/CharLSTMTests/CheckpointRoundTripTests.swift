// Round trips, sizes, Float16, forward compatibility and the committed golden files.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

// MARK: - Shared helpers (used by every Checkpoint*Tests file in this target)

/// A small deterministic checkpoint with every field set to something non-default.
func makeCheckpoint(cell: CellKind = .lstm, layers: Int = 2, embed: Int = 3, hidden: Int = 4,
                    graphemes: [String] = ["a", "b", "\n", " ", "é", "🇫🇷", "\t"],
                    optimizer: OptimizerKind? = .adam, batch: Int = 2, seed: UInt64 = 1,
                    historyCount: Int = 3, carried: Bool = true, direction: Direction = .forward) -> Checkpoint {
    var rng = RandomGenerator(seed: seed)
    let vocabulary = try! Vocabulary(graphemes: graphemes)
    let config = ModelConfig(cell: cell, layers: layers, embed: embed, hidden: hidden, vocab: vocabulary.count,
                             dropout: 0.25, normalization: .nfkc, direction: direction)
    let P = ParameterLayout(config).count
    func floats(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in (rng.nextFloat() * 2 - 1) * scale } }
    let parameters = floats(P, 0.5)
    let metadata = CheckpointMetadata(step: 1234, epoch: 7, bestValBPC: 1.875, corpusName: "tiny shakespeare",
                                      createdAt: 1_700_000_000)
    var training: CheckpointTrainingState? = nil
    if let optimizer {
        let options = CheckpointTrainingOptions(
            optimizer: optimizer, batch: batch, seqLength: 16, learningRate: 3e-3, lrDecay: 0.97, lrDecayEvery: 1000,
            gradClip: 5, valFraction: 0.1, testFraction: 0.05, totalSteps: 20000, seed: seed)
        let states = layers * (cell.hasCellState ? 2 : 1) * batch * hidden
        var history: [CheckpointHistoryPoint] = []
        for i in 0..<historyCount {
            let x = Double(i)
            let val: Double = i == 0 ? .nan : 3.1 - x * 0.1
            history.append(CheckpointHistoryPoint(step: 100 * (i + 1), epoch: x / 3, trainBPC: 3 - x * 0.1,
                                                  valBPC: val, learningRate: 3e-3))
        }
        training = CheckpointTrainingState(options: options, moment1: floats(P, 0.01),
                                           moment2: optimizer == .adam ? floats(P, 1e-4).map(abs) : [],
                                           step: 1234, epoch: 7, dataPosition: 42, rngState: rng.stateWords,
                                           learningRate: 2.5e-3, carriedState: carried ? floats(states, 1) : [],
                                           history: history)
    }
    return Checkpoint(config: config, metadata: metadata, vocabulary: vocabulary, parameters: parameters, training: training)
}

func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

/// Field-by-field, bit-for-bit equality (so NaN history values compare equal to themselves).
func assertIdentical(_ a: Checkpoint, _ b: Checkpoint, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.config, b.config, file: file, line: line)
    XCTAssertEqual(a.metadata.step, b.metadata.step, file: file, line: line)
    XCTAssertEqual(a.metadata.epoch, b.metadata.epoch, file: file, line: line)
    XCTAssertEqual(a.metadata.bestValBPC?.bitPattern, b.metadata.bestValBPC?.bitPattern, file: file, line: line)
    XCTAssertEqual(a.metadata.corpusName, b.metadata.corpusName, file: file, line: line)
    XCTAssertEqual(a.metadata.createdAt, b.metadata.createdAt, file: file, line: line)
    XCTAssertEqual(a.vocabulary.tokens.map { Array($0.utf8) }, b.vocabulary.tokens.map { Array($0.utf8) }, file: file, line: line)
    XCTAssertEqual(bits(a.parameters), bits(b.parameters), file: file, line: line)
    XCTAssertEqual(a.training == nil, b.training == nil, file: file, line: line)
    if let s = a.training, let t = b.training {
        XCTAssertEqual(s.options, t.options, file: file, line: line)
        XCTAssertEqual(bits(s.moment1), bits(t.moment1), file: file, line: line)
        XCTAssertEqual(bits(s.moment2), bits(t.moment2), file: file, line: line)
        XCTAssertEqual(bits(s.carriedState), bits(t.carriedState), file: file, line: line)
        XCTAssertEqual([s.step, s.epoch, s.dataPosition], [t.step, t.epoch, t.dataPosition], file: file, line: line)
        XCTAssertEqual(s.rngState, t.rngState, file: file, line: line)
        XCTAssertEqual(s.learningRate.bitPattern, t.learningRate.bitPattern, file: file, line: line)
        func flat(_ h: [CheckpointHistoryPoint]) -> [UInt64] {
            h.flatMap { [UInt64(bitPattern: Int64($0.step)), $0.epoch.bitPattern, $0.trainBPC.bitPattern,
                         $0.valBPC.bitPattern, $0.learningRate.bitPattern] }
        }
        XCTAssertEqual(flat(s.history), flat(t.history), file: file, line: line)
        XCTAssertEqual(s.average, t.average, file: file, line: line)
    }
}

func decodeBytes(_ bytes: [UInt8], source: String = "test.ckpt") throws(CheckpointError) -> Checkpoint {
    let r = bytes.withUnsafeBytes { raw in
        Result { () throws(CheckpointError) in try CheckpointFile.decode(raw, source: source) }
    }
    return try r.get()
}

func decodeWithInfo(_ bytes: [UInt8]) throws(CheckpointError) -> (checkpoint: Checkpoint, file: CheckpointFileInfo) {
    let r = bytes.withUnsafeBytes { raw in
        Result { () throws(CheckpointError) in try CheckpointDecoder.decode(raw, source: "test.ckpt") }
    }
    return try r.get()
}

/// The error decoding `bytes` throws, or nil if it loads.
func decodeError(_ bytes: [UInt8], source: String = "test.ckpt") -> CheckpointError? {
    do { _ = try decodeBytes(bytes, source: source); return nil } catch { return error }
}

func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The committed golden files and how they were made (also the fuzzer's seed corpus).
let goldenFixtures: [(name: String, make: () -> Checkpoint, weightsOnly: Bool, half: Bool)] = [
    ("lstm-adam-full.ckpt", { makeCheckpoint() }, false, false),
    ("gru-rmsprop-full.ckpt", { makeCheckpoint(cell: .gru, layers: 1, embed: 2, hidden: 3, graphemes: ["x", "y"], optimizer: .rmsprop, seed: 2, historyCount: 1) }, false, false),
    ("rnn-sgd-nocarry.ckpt", { makeCheckpoint(cell: .rnn, layers: 3, embed: 2, hidden: 2, optimizer: .sgd, seed: 3, historyCount: 0, carried: false) }, false, false),
    ("lstm-weights-half.ckpt", { makeCheckpoint(seed: 4) }, true, true),
]

// MARK: - Tests

final class CheckpointRoundTripTests: XCTestCase {
    func testCRC32MatchesTheStandardCheckValueAndIsIncremental() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        XCTAssertEqual(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
        // Slicing-by-8 agrees with the bitwise definition at every length and split point.
        var rng = RandomGenerator(seed: 9)
        let data = (0..<77).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        func bitwise(_ b: ArraySlice<UInt8>) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for x in b { c ^= UInt32(x); for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 } }
            return ~c
        }
        for n in 0...data.count {
            XCTAssertEqual(CRC32.checksum(Array(data[0..<n])), bitwise(data[0..<n]), "length \(n)")
            let head = CRC32.checksum(Array(data[0..<(n / 3)]))
            XCTAssertEqual(CRC32.checksum(Array(data[(n / 3)..<n]), continuing: head), bitwise(data[0..<n]))
        }
    }

    func testRoundTripInMemoryForEveryCellAndOptimizer() throws {
        for cell in CellKind.allCases {
            for optimizer in OptimizerKind.allCases {
                let c = makeCheckpoint(cell: cell, optimizer: optimizer)
                let bytes = try CheckpointFile.encode(c)
                let back = try decodeBytes(bytes)
                assertIdentical(c, back)
                XCTAssertEqual(try CheckpointFile.encode(back), bytes, "re-encoding is byte-identical")
            }
        }
    }

    func testRoundTripThroughAFile() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/model.ckpt"
        let c = makeCheckpoint(layers: 3, embed: 5, hidden: 7)
        try CheckpointFile.write(c, to: path)
        let (back, info) = try CheckpointFile.readWithInfo(path)
        assertIdentical(c, back)
        XCTAssertEqual(info.version, CheckpointVersion(major: 1, minor: 0))
        XCTAssertFalse(info.halfWeights)
        XCTAssertEqual(info.fileBytes, try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(info.sections.map(\.kind), ["CONF", "VOCB", "WGHT", "TRAN"])
        XCTAssertEqual(info.sections.map(\.optional), [false, false, false, true])
        for s in info.sections { XCTAssertEqual(s.offset % 64, 0, s.kind) }
        // Writing again replaces the file; no temporary files remain.
        var d = c
        d.metadata.step = 99
        try CheckpointFile.write(d, to: path)
        XCTAssertEqual(try CheckpointFile.read(path).metadata.step, 99)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["model.ckpt"])
    }

    func testMetadataWithoutBestValidationAndEmptyCorpusRoundTrips() throws {
        var c = makeCheckpoint(optimizer: nil)
        c.metadata = CheckpointMetadata()
        let back = try decodeBytes(try CheckpointFile.encode(c))
        XCTAssertNil(back.metadata.bestValBPC)
        XCTAssertNil(back.training)
        XCTAssertEqual(back, c)
    }

    func testWeightsOnlyIsAboutThreeTimesSmallerThanAdamState() throws {
        // A realistic shape: P ≈ 120k, so headers and vocabulary are noise.
        let c = makeCheckpoint(layers: 2, embed: 16, hidden: 96, graphemes: (0..<60).map { String(UnicodeScalar(0x41 + $0)!) }, batch: 4)
        let full = try CheckpointFile.encode(c)
        let slim = try CheckpointFile.encode(c, weightsOnly: true)
        let ratio = Double(full.count) / Double(slim.count)
        XCTAssertGreaterThan(ratio, 2.9)
        XCTAssertLessThan(ratio, 3.2)
        let back = try decodeBytes(slim)
        XCTAssertNil(back.training)
        XCTAssertEqual(bits(back.parameters), bits(c.parameters))
        XCTAssertEqual(back.metadata, c.metadata, "metadata survives a weights-only export")
    }

    func testHalfStoresTwoBytesPerWeightWithinFloat16Rounding() throws {
        let c = makeCheckpoint(layers: 2, embed: 16, hidden: 96, optimizer: nil)
        let P = c.parameters.count
        let single = try decodeWithInfo(try CheckpointFile.encode(c))
        let half = try decodeWithInfo(try CheckpointFile.encode(c, half: true))
        XCTAssertTrue(half.file.halfWeights)
        XCTAssertEqual(single.file.sections.first { $0.kind == "WGHT" }?.length, 4 * P)
        XCTAssertEqual(half.file.sections.first { $0.kind == "WGHT" }?.length, 2 * P)
        var worst: Float = 0
        for (x, y) in zip(c.parameters, half.checkpoint.parameters) {
            XCTAssertEqual(y, Float(Float16(x)), "widening is exact; rounding happens once, on write")
            worst = max(worst, abs(x - y) / max(abs(x), 6.1e-5))
        }
        XCTAssertLessThanOrEqual(worst, 1.0 / 2048, "round to nearest: relative error ≤ 2^-11 for normal values")
        // Float16 of Float16 is lossless: exporting a half file again changes nothing.
        XCTAssertEqual(try CheckpointFile.encode(half.checkpoint, half: true), try CheckpointFile.encode(c, half: true))
    }

    func testHalfRefusesWeightsBeyondFloat16RangeAndWritesNothing() throws {
        var c = makeCheckpoint(optimizer: nil)
        c.parameters[5] = 70000
        let path = try makeTemporaryDirectory(self) + "/big.ckpt"
        XCTAssertThrowsError(try CheckpointFile.write(c, to: path, half: true)) { error in
            XCTAssertEqual(error as? CheckpointError, .halfPrecisionOverflow(path: path, index: 5, value: 70000))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertNoThrow(try CheckpointFile.write(c, to: path), "Float32 holds it")
    }

    func testWriteRefusesInconsistentValuesBeforeTouchingTheDisk() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/x.ckpt"
        let good = makeCheckpoint()
        try CheckpointFile.write(good, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var cases: [(String, Checkpoint)] = []
        var c = good; c.parameters.removeLast(); cases.append(("parameters", c))
        c = good; c.config.vocab += 1; cases.append(("vocabulary", c))
        c = good; c.config.layers = 0; cases.append(("layers", c))
        c = good; c.training!.moment2 = []; cases.append(("second moment", c))
        c = good; c.training!.options.optimizer = .sgd; cases.append(("second moment", c))
        c = good; c.training!.moment1.append(0); cases.append(("first moment", c))
        c = good; c.training!.carriedState.append(0); cases.append(("carried", c))
        c = good; c.training!.options.batch = 0; cases.append(("batch", c))
        c = good; c.metadata.step = -1; cases.append(("negative", c))
        for (word, bad) in cases {
            XCTAssertThrowsError(try CheckpointFile.write(bad, to: path)) { error in
                guard case .invalidCheckpoint(_, let what)? = error as? CheckpointError else { return XCTFail("\(error)") }
                XCTAssertTrue(what.contains(word), "\(word): \(what)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        // A weights-only write ignores an inconsistent training state it would drop anyway.
        c = good; c.training!.moment1 = []
        XCTAssertNoThrow(try CheckpointFile.write(c, to: path, weightsOnly: true))
    }

    func testBidirectionalModelIsFormat11AndRoundTrips() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/fill.ckpt"
        let c = makeCheckpoint(direction: .bidirectional)
        XCTAssertEqual(c.parameters.count, ParameterLayout(c.config).count)
        try CheckpointFile.write(c, to: path)
        let (back, info) = try CheckpointFile.readWithInfo(path)
        assertIdentical(c, back)
        XCTAssertEqual(back.config.direction, .bidirectional)
        XCTAssertEqual(info.version, CheckpointVersion(major: 1, minor: 1))
        // CONF byte 2 carries the direction; an unknown code is refused with one line.
        let bytes = try CheckpointFile.encode(c)
        XCTAssertEqual(bytes[ChecksumPatcher.sectionOffset(bytes, kind: "CONF") + 2], 1)
        let patched = ChecksumPatcher.patch(bytes, kind: "CONF", at: 2, value: 9, width: 1)
        XCTAssertEqual(decodeError(patched)?.description, "test.ckpt: inconsistent checkpoint: unknown model direction code 9")
    }

    func testUnknownOptionalSectionIsSkippedInANewerMinorVersion() throws {
        let c = makeCheckpoint()
        for minor: UInt16 in [0, 1, 2, 3, 7] {
            let file = try CheckpointEncoder.encode(c, path: "x", weightsOnly: false, half: false,
                                                   extraSections: [(Format.kind("XTRA"), Format.sectionOptional, Array("future stuff".utf8))],
                                                   minor: minor)
            let (back, info) = try decodeWithInfo(file.bytes())
            assertIdentical(c, back)
            XCTAssertEqual(info.version, CheckpointVersion(major: 1, minor: minor))
            XCTAssertEqual(info.sections.last?.kind, "XTRA")
        }
    }

    func testNewerMinorMayExtendKnownSections() throws {
        // A 1.4 writer appends a field to CONF; this 1.3 reader ignores it. A 1.0 to 1.3 file may not.
        let c = makeCheckpoint()
        for (minor, loads) in [(UInt16(4), true), (UInt16(3), false), (UInt16(2), false), (UInt16(1), false), (UInt16(0), false)] {
            var bytes = try CheckpointEncoder.encode(c, path: "x", weightsOnly: false, half: false, minor: minor).bytes()
            bytes = try ChecksumPatcher.appendToSection(bytes, kind: "CONF", extra: [1, 2, 3, 4, 5, 6, 7, 8])
            if loads {
                assertIdentical(c, try decodeBytes(bytes))
            } else {
                guard case .inconsistent? = decodeError(bytes) else { return XCTFail("1.0 file with a longer CONF must be refused") }
            }
        }
    }

    func testUnknownRequiredSectionIsRefused() throws {
        let file = try CheckpointEncoder.encode(makeCheckpoint(), path: "x", weightsOnly: false, half: false,
                                               extraSections: [(Format.kind("ZSTD"), 0, [1, 2, 3])], minor: 3)
        let error = decodeError(file.bytes())
        XCTAssertEqual(error, .unknownRequiredSection(path: "test.ckpt", kind: "ZSTD"))
        XCTAssertEqual(error?.description, "test.ckpt: needs section ZSTD, unknown to this build (format 1.3): upgrade charlstm")
    }

    func testFutureMajorVersionIsRefusedNamingBothVersions() throws {
        var bytes = try CheckpointFile.encode(makeCheckpoint())
        bytes[8] = 3; bytes[9] = 0; bytes[10] = 2; bytes[11] = 0   // 3.2; the rest of a 3.x header may mean anything
        let error = decodeError(bytes)
        XCTAssertEqual(error, .newerVersion(path: "test.ckpt", file: CheckpointVersion(major: 3, minor: 2),
                                            supported: CheckpointVersion(major: 1, minor: 3)))
        XCTAssertEqual(error?.description, "test.ckpt: written by charlstm format 3.2; this build reads up to 1.x: upgrade charlstm")
        // Even a 3.x file shorter than a 1.x header is recognised as newer.
        XCTAssertEqual(decodeError(Array(bytes[0..<12])), error)
    }

    func testGoldenFilesStillDecodeAndEncodeIdentically() throws {
        // Set CHARLSTM_REGENERATE_FIXTURES=1 to rewrite them after a deliberate format change (bump the version!).
        let regenerate = ProcessInfo.processInfo.environment["CHARLSTM_REGENERATE_FIXTURES"] == "1"
        for fixture in goldenFixtures {
            let url = fixturesDirectory.appendingPathComponent(fixture.name)
            let expected = try CheckpointFile.encode(fixture.make(), weightsOnly: fixture.weightsOnly, half: fixture.half)
            if regenerate { try Data(expected).write(to: url) }
            let committed = try [UInt8](Data(contentsOf: url))
            XCTAssertEqual(committed, expected, "\(fixture.name): the encoder's bytes changed; a format change needs a version bump")
            var want = fixture.make()
            if fixture.weightsOnly { want.training = nil }
            if fixture.half { want.parameters = want.parameters.map { Float(Float16($0)) } }
            assertIdentical(want, try CheckpointFile.read(url.path))
        }
    }

    func testLoadTimeForA3_3MParameterModel() throws {
        // 2 × LSTM, E 64, H 512, V 300: P ≈ 3.3M (13 MB of Float32). Debug builds are far slower
        // than release; this prints the figure and only guards against gross regressions.
        let vocab = (0..<299).map { String(UnicodeScalar(0x100 + $0)!) }
        let config = ModelConfig(cell: .lstm, layers: 2, embed: 64, hidden: 512, vocab: 300)
        let P = ParameterLayout(config).count
        XCTAssertGreaterThan(P, 3_200_000)
        let c = Checkpoint(config: config, metadata: CheckpointMetadata(), vocabulary: try Vocabulary(graphemes: vocab),
                           parameters: (0..<P).map { Float($0 % 1000) * 1e-3 }, training: nil)
        let path = try makeTemporaryDirectory(self) + "/big.ckpt"
        try CheckpointFile.write(c, to: path)
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let back = try CheckpointFile.read(path)
            let t1 = DispatchTime.now().uptimeNanoseconds
            XCTAssertEqual(back.parameters.count, P)
            best = min(best, Double(t1 - t0) / 1e6)
        }
        print("checkpoint load: P = \(P), best of 5 = \(best) ms")
        #if DEBUG
        XCTAssertLessThan(best, 5000, "gross regression (debug build; swift test -c release for the real figure)")
        #else
        XCTAssertLessThan(best, 100)
        #endif
    }
}

/// Edits encoded files and recomputes every checksum, to build files that pass
/// the CRC checks but carry absurd or contradictory values.
enum ChecksumPatcher {
    static func tableEntry(_ bytes: [UInt8], kind: String) -> Int? {
        let count = Int(read32(bytes, 20))
        for i in 0..<count where read32(bytes, 64 + 32 * i) == Format.kind(kindStatic(kind)) { return 64 + 32 * i }
        return nil
    }
    static func kindStatic(_ s: String) -> StaticString {
        switch s { case "CONF": "CONF"; case "VOCB": "VOCB"; case "WGHT": "WGHT"; case "TRAN": "TRAN"; case "AVRG": "AVRG"; default: "????" }
    }
    static func read32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * $1) } }
    static func read64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * $1) } }
    static func write(_ b: inout [UInt8], _ o: Int, _ v: UInt64, width: Int) {
        for i in 0..<width { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }
    /// Offset of `kind`'s section in the file.
    static func sectionOffset(_ b: [UInt8], kind: String) -> Int { Int(read64(b, tableEntry(b, kind: kind)! + 8)) }

    /// Recomputes every section CRC, the table CRC and the header CRC.
    static func refresh(_ b: inout [UInt8]) {
        let count = min(Int(read32(b, 20)), (b.count - 64) / 32)
        for i in 0..<count {
            let e = 64 + 32 * i
            let off = read64(b, e + 8), len = read64(b, e + 16)
            if off <= UInt64(b.count) && len <= UInt64(b.count) - off {
                write(&b, e + 24, UInt64(CRC32.checksum(Array(b[Int(off)..<Int(off + len)]))), width: 4)
            }
        }
        write(&b, 28, UInt64(CRC32.checksum(Array(b[64..<(64 + 32 * count)]))), width: 4)
        write(&b, 60, UInt64(CRC32.checksum(Array(b[0..<60]))), width: 4)
    }

    /// Sets a `width`-byte field at `at` within section `kind` (or in the header/table for kind "FILE") and refreshes CRCs.
    static func patch(_ bytes: [UInt8], kind: String, at: Int, value: UInt64, width: Int) -> [UInt8] {
        var b = bytes
        let base = kind == "FILE" ? 0 : sectionOffset(b, kind: kind)
        write(&b, base + at, value, width: width)
        refresh(&b)
        return b
    }

    /// Appends bytes to the last section (which must be `kind`) and fixes lengths and CRCs.
    static func appendToSection(_ bytes: [UInt8], kind: String, extra: [UInt8]) throws -> [UInt8] {
        var b = bytes
        let e = tableEntry(b, kind: kind)!
        let off = Int(read64(b, e + 8)), len = Int(read64(b, e + 16))
        b.insert(contentsOf: extra, at: off + len)
        write(&b, e + 16, UInt64(len + extra.count), width: 8)
        // Later sections move; keep them 64-byte aligned by shifting with padding.
        let count = Int(read32(b, 20))
        let shift = (extra.count + 63) / 64 * 64
        b.insert(contentsOf: [UInt8](repeating: 0, count: shift - extra.count), at: off + len + extra.count)
        for i in 0..<count {
            let f = 64 + 32 * i
            let o = Int(read64(b, f + 8))
            if o > off { write(&b, f + 8, UInt64(o + shift), width: 8) }
        }
        // Trailing zero padding if CONF was last is not allowed by size; trim to the real end.
        var end = 0
        for i in 0..<count { let f = 64 + 32 * i; end = max(end, Int(read64(b, f + 8) + read64(b, f + 16))) }
        b.removeSubrange(end...)
        write(&b, 32, UInt64(b.count), width: 8)
        refresh(&b)
        return b
    }
}

/// docs/checkpoint-format.md is checked by an independent Python reader/writer
/// (Fixtures/ckpt_reference.py, written from the document alone).
final class CheckpointReferenceImplementationTests: XCTestCase {
    func python(_ arguments: [String]) throws -> (status: Int32, stdout: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", fixturesDirectory.appendingPathComponent("ckpt_reference.py").path] + arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }

    func testPythonReaderAgreesWithSwiftOnEveryGoldenFile() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        for fixture in goldenFixtures {
            let url = fixturesDirectory.appendingPathComponent(fixture.name)
            let r = try python(["dump", url.path])
            XCTAssertEqual(r.status, 0, fixture.name)
            let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
            let c = try CheckpointFile.read(url.path)
            XCTAssertEqual(summary["params"] as? Int, c.parameters.count)
            XCTAssertEqual(summary["tokens"] as? [String], c.vocabulary.tokens)
            XCTAssertEqual(summary["cell"] as? String, c.config.cell.rawValue)
            XCTAssertEqual(summary["half"] as? Bool, fixture.half)
            XCTAssertEqual(summary["step"] as? Int, c.metadata.step)
            let weightSum = c.parameters.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(try XCTUnwrap(summary["weight_sum"] as? Double), weightSum, accuracy: 0.002)
            if let t = c.training {
                let training = try XCTUnwrap(summary["training"] as? [String: Any])
                XCTAssertEqual(training["optimizer"] as? String, t.options.optimizer.rawValue)
                XCTAssertEqual((training["rng"] as? [NSNumber])?.map(\.uint64Value), t.rngState)
                XCTAssertEqual(training["history_steps"] as? [Int], t.history.map(\.step))
            }
        }
    }

    func testPythonReaderAgreesOnABidirectionalFile() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        let path = try makeTemporaryDirectory(self) + "/fill.ckpt"
        let c = makeCheckpoint(cell: .gru, direction: .bidirectional)
        try CheckpointFile.write(c, to: path)
        let r = try python(["dump", path])
        XCTAssertEqual(r.status, 0)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        XCTAssertEqual(summary["version"] as? String, "1.1")
        XCTAssertEqual(summary["direction"] as? String, "bidirectional")
        XCTAssertEqual(summary["params"] as? Int, c.parameters.count)
        XCTAssertEqual(summary["cell"] as? String, "gru")
    }

    /// The independent reader, written from the format page, finds the weight drop at TRAN 160 of a 1.2 file.
    /// Mutation caught: the encoder writing it elsewhere (or not at all) while the decoder agrees with it.
    func testPythonReaderAgreesOnTheWeightDrop() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        let path = try makeTemporaryDirectory(self) + "/wd.ckpt"
        var c = makeCheckpoint()
        c.training?.options.weightDrop = 0.375
        try CheckpointFile.write(c, to: path)
        let r = try python(["dump", path])
        XCTAssertEqual(r.status, 0)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        XCTAssertEqual(summary["version"] as? String, "1.2")
        XCTAssertEqual((summary["training"] as? [String: Any])?["weight_drop"] as? Double, 0.375)
    }

    /// The independent reader finds the dropout mask at TRAN 168 of a 1.3 file, and refuses an
    /// unknown code. Mutation caught: the encoder writing it elsewhere (or not at all) while the
    /// decoder agrees with it.
    func testPythonReaderAgreesOnTheDropoutMask() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        let dir = try makeTemporaryDirectory(self)
        for mask in DropoutMask.allCases {
            var c = makeCheckpoint()
            c.training?.options.dropoutMask = mask
            try CheckpointFile.write(c, to: dir + "/m.ckpt")
            let r = try python(["dump", dir + "/m.ckpt"])
            XCTAssertEqual(r.status, 0)
            let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
            XCTAssertEqual(summary["version"] as? String, mask == .window ? "1.3" : "1.0")
            XCTAssertEqual((summary["training"] as? [String: Any])?["dropout_mask"] as? String, mask.rawValue)
        }
        var c = makeCheckpoint()
        c.training?.options.dropoutMask = .window
        let patched = ChecksumPatcher.patch(try CheckpointFile.encode(c), kind: "TRAN", at: 168, value: 2, width: 1)
        try Data(patched).write(to: URL(fileURLWithPath: dir + "/bad.ckpt"))
        XCTAssertNotEqual(try python(["dump", dir + "/bad.ckpt"]).status, 0)
    }

    func testSwiftReadsAFileWrittenByThePythonWriter() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 not installed")
        let path = try makeTemporaryDirectory(self) + "/py.ckpt"
        XCTAssertEqual(try python(["write", path, "2", "3", "5", "7"]).status, 0)
        let c = try CheckpointFile.read(path)
        XCTAssertEqual(c.config, ModelConfig(cell: .lstm, layers: 2, embed: 3, hidden: 5, vocab: 7, dropout: 0, normalization: .nfc))
        XCTAssertEqual(c.parameters, (0..<c.parameters.count).map { Float(Double($0 % 1000) * 1e-3) })
        XCTAssertEqual(c.metadata, CheckpointMetadata(step: 7, epoch: 1, bestValBPC: 1.5, corpusName: "reference", createdAt: 0))
        XCTAssertNil(c.training)
    }
}
