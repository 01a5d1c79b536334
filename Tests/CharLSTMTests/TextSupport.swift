// Helpers shared by the text-layer tests.
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

/// The repository root (found from this file's path).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The bytes of `corpora/unicode-sample.txt`.
func unicodeSampleBytes() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent("corpora/unicode-sample.txt")))
}

/// UTF-8 bytes of each grapheme (so comparisons are byte-exact, not by canonical equivalence).
func byteArrays(_ graphemes: [String]) -> [[UInt8]] { graphemes.map { Array($0.utf8) } }

/// A deterministic generator for randomized tests (SplitMix64).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Segments `bytes` through a GraphemeStream fed in the given parts; returns
/// the normalized text, the boundary offsets (from 0) and the replaced count.
func segmentInParts(_ parts: [[UInt8]], normalization: NormalizationForm, lossy: Bool = false,
                    fastASCII: Bool = true) throws -> (text: [UInt8], offsets: [Int], replaced: Int) {
    let stream = try GraphemeStream(normalization: normalization, lossy: lossy, source: "test", fastASCII: fastASCII)
    var text: [UInt8] = []
    var offsets = [0]
    for (i, part) in parts.enumerated() {
        try part.withUnsafeBufferPointer { (b) throws(TextError) in
            try stream.feed(b, isFinal: i == parts.count - 1) { piece, ends in
                let base = text.count
                text.append(contentsOf: piece)
                for e in ends { offsets.append(base + Int(e)) }
            }
        }
    }
    if parts.isEmpty {
        try [UInt8]().withUnsafeBufferPointer { (b) throws(TextError) in try stream.feed(b, isFinal: true) { _, _ in } }
    }
    return (text, offsets, stream.replaced)
}

/// This test process's directory for temporary files; removed when the process exits.
let testScratchPath: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-unit-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: testScratchPath) }
    return path
}()

/// Writes `bytes` to a fresh temporary file; returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "input.txt") throws -> String {
    let dir = URL(fileURLWithPath: testScratchPath).appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}
