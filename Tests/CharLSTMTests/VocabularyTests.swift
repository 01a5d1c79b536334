// Vocabulary order, caps, <unk>, encode/decode, warnings, and TokenIDs widths.
import Foundation
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class VocabularyTests: XCTestCase {
    func build(_ text: String, form: NormalizationForm = .nfc, maxVocab: Int? = nil, minCount: Int = 1,
               chunkSize: Int = 1 << 22) throws -> EncodedCorpus {
        let path = try temporaryFile(Array(text.utf8))
        return try EncodedCorpus.build(file: path, normalization: form, lossy: false, maxVocab: maxVocab,
                                       minCount: minCount, chunkSize: chunkSize)
    }

    func testOrderIsByDescendingCountThenBytes() throws {
        let c = try build("cbbaaa")
        XCTAssertEqual(c.vocabulary.tokens, ["<unk>", "a", "b", "c"])
        XCTAssertEqual(c.ids.array, [3, 2, 2, 1, 1, 1])
        // Ties by UTF-8 bytes: "Z" (5A) < "a" (61) < "é" (C3 A9) < "😀" (F0 ...).
        let t = try build("😀éaZ")
        XCTAssertEqual(t.vocabulary.tokens, ["<unk>", "Z", "a", "é", "😀"])
        XCTAssertEqual(t.distinctGraphemes, 4)
        XCTAssertEqual(t.unknownCount, 0)
    }

    func testBuildIsDeterministicAndIndependentOfChunkSize() throws {
        var text = ""
        var rng = TestRandom(seed: 11)
        let pool = ["a", "b", "c", " ", "\n", "\r\n", "é", "e\u{301}", "👨‍👩‍👧", "🇫🇷", "日", "本", "क्षि"]
        for _ in 0 ..< 2000 { text += pool[rng.below(pool.count)] }
        let reference = try build(text)
        for size in [1, 3, 64, 4096] {
            let c = try build(text, chunkSize: size)
            XCTAssertEqual(c.vocabulary, reference.vocabulary, "chunk \(size)")
            XCTAssertEqual(c.ids, reference.ids, "chunk \(size)")
            XCTAssertEqual(c.codePointCount, reference.codePointCount)
        }
        XCTAssertEqual(try build(text).vocabulary, reference.vocabulary)
        // NFC merged "é" and "e" + U+0301 (and nothing else: "\n" and "\r\n" stay distinct).
        XCTAssertEqual(reference.distinctGraphemes, pool.count - 1)
        XCTAssertEqual(reference.vocabulary.decode(reference.ids.array),
                       String(decoding: try GraphemeTokenizer().boundaries(utf8: Array(text.utf8), source: "x", lossy: false).normalized, as: UTF8.self))
    }

    func testMaxVocabCountsUnknownAndMapsTheRestToUnk() throws {
        let c = try build("aaaabbbccd", maxVocab: 3)
        XCTAssertEqual(c.vocabulary.tokens, ["<unk>", "a", "b"])
        XCTAssertEqual(c.ids.array, [1, 1, 1, 1, 2, 2, 2, 0, 0, 0])
        XCTAssertEqual(c.unknownCount, 3)
        XCTAssertEqual(c.distinctGraphemes, 4)
        let only = try build("ab", maxVocab: 1)
        XCTAssertEqual(only.vocabulary.tokens, ["<unk>"])
        XCTAssertEqual(only.ids.array, [0, 0])
        XCTAssertEqual(only.unknownCount, 2)
        XCTAssertThrowsError(try build("ab", maxVocab: 0))
        XCTAssertThrowsError(try build("ab", minCount: 0))
    }

    func testMinCountDropsRareGraphemes() throws {
        let c = try build("aaaabbbccd", minCount: 2)
        XCTAssertEqual(c.vocabulary.tokens, ["<unk>", "a", "b", "c"])
        XCTAssertEqual(c.unknownCount, 1)
        XCTAssertEqual(c.ids[9], 0)
        let both = try build("aaaabbbccd", maxVocab: 2, minCount: 2)
        XCTAssertEqual(both.vocabulary.tokens, ["<unk>", "a"])
        XCTAssertEqual(both.unknownCount, 6)
    }

    func testEncodeAgainstAnOutsideVocabulary() throws {
        let v = try Vocabulary(graphemes: ["a", "b", "\u{E9}"])
        let path = try temporaryFile(Array("abxe\u{301}y\u{E9}".utf8))
        let c = try EncodedCorpus.encode(file: path, vocabulary: v, normalization: .nfc, lossy: false)
        XCTAssertEqual(c.vocabulary, v)
        XCTAssertEqual(c.ids.array, [1, 2, 0, 3, 0, 3])
        XCTAssertEqual(c.unknownCount, 2)
        XCTAssertEqual(c.distinctGraphemes, 5)
        // Without normalization "e" + U+0301 is not "é".
        let none = try EncodedCorpus.encode(file: path, vocabulary: v, normalization: .none, lossy: false)
        XCTAssertEqual(none.ids.array, [1, 2, 0, 0, 0, 3])
        XCTAssertEqual(none.unknownCount, 3)
    }

    func testVocabularyEncodeDecode() throws {
        let v = try Vocabulary(graphemes: ["a", "b", "👨‍👩‍👧"])
        let (ids, unknown) = v.encode(["a", "👨‍👩‍👧", "z", "b", "q"])
        XCTAssertEqual(ids, [1, 3, 0, 2, 0])
        XCTAssertEqual(unknown, 2)
        XCTAssertEqual(v.decode([1, 3, 2]), "a👨‍👩‍👧b")
        XCTAssertEqual(v.decode([0]), "<unk>")
        XCTAssertEqual(v.decode([99, -1]), "\u{FFFD}\u{FFFD}")
    }

    func testCanonicallyEquivalentGraphemesStayDistinctWithoutNormalization() throws {
        // Swift's String == says "é" == "e\u{301}"; the vocabulary must not.
        let c = try build("\u{E9}\u{E9}e\u{301}", form: .none)
        XCTAssertEqual(c.vocabulary.count, 3)
        XCTAssertEqual(c.ids.array, [1, 1, 2])
        XCTAssertEqual(Array(c.vocabulary.decode(c.ids.array).utf8), Array("\u{E9}\u{E9}e\u{301}".utf8))
        XCTAssertEqual(c.vocabulary.id(of: "e\u{301}"), 2)
        XCTAssertEqual(c.vocabulary.id(of: "\u{E9}"), 1)
        XCTAssertNotEqual(try Vocabulary(graphemes: ["\u{E9}"]), try Vocabulary(graphemes: ["e\u{301}"]))
    }

    /// The warning's text (naming --max-vocab and --min-count) is the CLI's; TokenizeCommandTests
    /// pins it. Mutation caught: a threshold of 10,000 counted as large, or 10,001 not.
    func testSizeWarning() {
        XCTAssertFalse(Vocabulary.isLarge(count: 66))
        XCTAssertFalse(Vocabulary.isLarge(count: 10_000))
        XCTAssertTrue(Vocabulary.isLarge(count: 10_001))
        XCTAssertTrue(Vocabulary.isLarge(count: 180_000))
    }

    // MARK: TokenIDs

    func testTokenIDsWidth() {
        XCTAssertEqual(TokenIDs([], vocabularySize: 2).bytesPerID, 1)
        XCTAssertEqual(TokenIDs([255], vocabularySize: 256).bytesPerID, 1)
        XCTAssertEqual(TokenIDs([256], vocabularySize: 257).bytesPerID, 2)
        XCTAssertEqual(TokenIDs([65_535], vocabularySize: 65_536).bytesPerID, 2)
        XCTAssertEqual(TokenIDs([65_536], vocabularySize: 65_537).bytesPerID, 4)
        let ids = TokenIDs([0, 255, 7, 3], vocabularySize: 256)
        XCTAssertEqual(ids.array, [0, 255, 7, 3])
        XCTAssertEqual(TokenIDs([65_536, 1], vocabularySize: 70_000).array, [65_536, 1])
        XCTAssertEqual(TokenIDs([300, 5], vocabularySize: 301).array, [300, 5])
        // Out of range ids cannot be stored and become <unk>.
        XCTAssertEqual(TokenIDs([256, -1, 1], vocabularySize: 256).array, [0, 0, 1])
        let s = ids.slice(1 ..< 3)
        XCTAssertEqual(s.count, 2)
        XCTAssertEqual(s[0], 255)
        XCTAssertEqual(s.slice(1 ..< 2).array, [7])
    }

    func testCorpusWidensIDsAsTheVocabularyGrows() throws {
        // 300 distinct CJK graphemes: two bytes per id.
        let cjk = (0 ..< 300).map { String(Unicode.Scalar(0x4E00 + $0)!) }
        let c = try build(cjk.joined() + cjk.prefix(10).joined(), chunkSize: 97)
        XCTAssertEqual(c.ids.bytesPerID, 2)
        XCTAssertEqual(c.vocabulary.count, 301)
        XCTAssertEqual(c.vocabulary.decode(c.ids.array), cjk.joined() + cjk.prefix(10).joined())
        // 255 distinct + <unk> = 256 entries: still one byte.
        let small = try build((0 ..< 255).map { String(Unicode.Scalar(0x4E00 + $0)!) }.joined())
        XCTAssertEqual(small.vocabulary.count, 256)
        XCTAssertEqual(small.ids.bytesPerID, 1)
        // 70,000 distinct graphemes (planes 2 and 3; no normalization, as NFC
        // maps CJK compatibility ideographs onto others): four bytes per id.
        let many = (0 ..< 70_000).map { String(Unicode.Scalar(0x20000 + $0)!) }.joined()
        let big = try build("a" + many + "a", form: .none)
        XCTAssertEqual(big.ids.bytesPerID, 4)
        XCTAssertEqual(big.vocabulary.count, 70_002)
        XCTAssertEqual(big.ids[0], 1)              // "a" is the most frequent
        XCTAssertEqual(big.vocabulary.decode(big.ids.array), "a" + many + "a")
        XCTAssertTrue(Vocabulary.isLarge(count: big.vocabulary.count))
        // Capped back under 256: one byte again.
        let capped = try build("a" + many + "a", form: .none, maxVocab: 100)
        XCTAssertEqual(capped.ids.bytesPerID, 1)
        // Kept: "a" (twice) and the 98 smallest ideographs (once each) of 70,002 tokens.
        XCTAssertEqual(capped.unknownCount, 70_002 - 100)
        XCTAssertEqual(capped.vocabulary.tokens[2], String(Unicode.Scalar(0x20000)!))
    }
}
