// The corpus read in parts (CorpusShard, ShardedCorpus's merge, ShardedTokens) gives
// exactly what one process reads: the same graphemes, vocabulary and ids.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class ShardedCorpusTests: XCTestCase {
    /// Lines whose starts and ends stress every cut: a combining mark right after LF
    /// (NFC would compose it with a preceding "e" were the cut unsafe), CR LF, U+FEFF
    /// after LF, decomposed/compatibility text, ZWJ emoji, Hangul jamo; a BOM first.
    func trickyCorpus(lines: Int = 600) throws -> (path: String, bytes: [UInt8]) {
        let pieces = ["e", "\u{301}", "\u{301}x", "cafe\u{301}", "\r", "\r\n", "\u{FEFF}", "ﬁ", "①",
                      "👩\u{200D}💻", "\u{1100}\u{1161}\u{11A8}", "a", "the ", "Ω", "\u{0323}\u{0307}q", "  "]
        var random = TestRandom(seed: 15)
        var text = "\u{FEFF}"
        for _ in 0 ..< lines {
            for _ in 0 ..< 1 + random.below(6) { text += pieces[random.below(pieces.count)] }
            text += "\n"
        }
        let bytes = Array(text.utf8)
        return (try temporaryFile(bytes), bytes)
    }

    func graphemes(_ path: String, range: Range<Int>, _ form: NormalizationForm) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try CorpusShard.tokenize(file: path, range: range, normalization: form, lossy: false) { piece, ends in
            GraphemeTokenizer.forEach(piece, ends) { out.append(Array($0)) }
        }
        return out
    }

    func testPartsCutAfterLineFeedsAndTheirGraphemesAreTheWholeFiles() throws {
        let (path, bytes) = try trickyCorpus()
        for form in [NormalizationForm.nfc, .nfkc, .none] {
            var whole: [[UInt8]] = []
            _ = try GraphemeTokenizer(normalization: form).forEachGrapheme(inFile: path, lossy: false) { whole.append(Array($0)) }
            for n in [1, 2, 3, 4, 7, 16] {
                let parts = try CorpusShard.cuts(file: path, parts: n)
                XCTAssertEqual(parts.count, n)
                XCTAssertEqual(parts.first?.lowerBound, 0)
                XCTAssertEqual(parts.last?.upperBound, bytes.count)
                for k in 1 ..< n {
                    XCTAssertEqual(parts[k].lowerBound, parts[k - 1].upperBound)
                    XCTAssertEqual(bytes[parts[k].lowerBound - 1], 0x0A, "part \(k) of \(n) starts after a LF")
                    XCTAssertLessThan(abs(parts[k].lowerBound - k * bytes.count / n), 200, "near the nominal cut")
                }
                let joined = try parts.flatMap { try graphemes(path, range: $0, form) }
                XCTAssertEqual(joined, whole, "\(form), \(n) parts")
            }
        }
    }

    func testMergedCountsGiveTheOneProcessVocabularyAndTotals() throws {
        let (path, _) = try trickyCorpus()
        for (maxVocab, minCount) in [(Int?.none, 1), (12, 1), (nil, 40)] {
            let one = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: maxVocab, minCount: minCount)
            for n in [2, 5] {
                let counts = try CorpusShard.cuts(file: path, parts: n).map {
                    try CorpusShard.count(file: path, range: $0, normalization: .nfc, lossy: false)
                }
                let merged = ShardedCorpus.mergeCounts(counts.map { ShardedCorpus.encodeCounts(keys: $0.keys, counts: $0.counts) })
                let keys = Array(merged.keys)
                let ranked = try RankedVocabulary(keys: keys, counts: keys.map { merged[$0]! }, maxVocab: maxVocab, minCount: minCount)
                XCTAssertEqual(ranked.vocabulary, one.vocabulary, "\(n) parts, caps \(String(describing: maxVocab)) / \(minCount)")
                XCTAssertEqual(ranked.unknown, one.unknownCount)
                XCTAssertEqual(keys.count, one.distinctGraphemes)
                XCTAssertEqual(counts.reduce(0) { $0 + $1.graphemes }, one.graphemeCount)
                XCTAssertEqual(counts.reduce(0) { $0 + $1.codePoints }, one.codePointCount)
                XCTAssertEqual(counts.reduce(0) { $0 + $1.normalizedBytes }, one.normalizedByteCount)
                XCTAssertEqual(counts.reduce(0) { $0 + $1.inputBytes }, one.byteCount)
            }
        }
    }

    func testShardedTokensHoldOnlyTheirRangesWithTheOneProcessIDs() throws {
        let (path, _) = try trickyCorpus()
        let one = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: 12, minCount: 1)
        let parts = try CorpusShard.cuts(file: path, parts: 3)
        var starts = [0]
        for p in parts { starts.append(starts.last! + (try CorpusShard.count(file: path, range: p, normalization: .nfc, lossy: false)).graphemes) }
        XCTAssertEqual(starts.last, one.graphemeCount)
        let tokens = ShardedTokens(path: path, normalization: .nfc, lossy: false, vocabulary: one.vocabulary,
                                   parts: parts, partStarts: starts)
        let g = one.graphemeCount
        let ranges = [g / 3 - 50 ..< g / 2, 10 ..< 60, g - 40 ..< g, 40 ..< 70]
        try tokens.load(ranges)
        XCTAssertEqual(tokens.count, g)
        XCTAssertEqual(tokens.segments.map(\.range), [10 ..< 70, g / 3 - 50 ..< g / 2, g - 40 ..< g])
        XCTAssertEqual(tokens.heldCount, 60 + (g / 2 - g / 3 + 50) + 40)
        for r in ranges {
            var got = [Int32](repeating: -1, count: r.count)
            got.withUnsafeMutableBufferPointer { tokens.copyIDs(from: r.lowerBound, count: r.count, into: $0.baseAddress!, stride: 1) }
            XCTAssertEqual(got, r.map { Int32(one.ids[$0]) }, "\(r)")
        }
    }

    func testBadUTF8InALaterPartIsReportedAtItsFileOffset() throws {
        var (_, bytes) = try trickyCorpus()
        let bad = bytes.count * 3 / 4
        bytes.insert(0xFF, at: bad)
        let path = try temporaryFile(bytes)
        XCTAssertThrowsError(try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)) {
            XCTAssertEqual($0 as? TextError, .invalidUTF8(source: path, offset: bad))
        }
        let parts = try CorpusShard.cuts(file: path, parts: 2)
        XCTAssertNoThrow(try CorpusShard.count(file: path, range: parts[0], normalization: .nfc, lossy: false))
        XCTAssertThrowsError(try CorpusShard.count(file: path, range: parts[1], normalization: .nfc, lossy: false)) {
            XCTAssertEqual($0 as? TextError, .invalidUTF8(source: path, offset: bad))
        }
    }
}
