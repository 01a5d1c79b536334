// EncodedCorpus: counts, lossy, stdin-style bytes, and agreement with the tokenizer.
import Foundation
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class CorpusTests: XCTestCase {
    func testCountsOnTheSample() throws {
        let sample = try unicodeSampleBytes()
        let path = repositoryRoot.appendingPathComponent("corpora/unicode-sample.txt").path
        for form in NormalizationForm.allCases {
            let c = try EncodedCorpus.build(file: path, normalization: form, lossy: false, maxVocab: nil, minCount: 1)
            let b = try GraphemeTokenizer(normalization: form).boundaries(utf8: sample, source: path, lossy: false)
            XCTAssertEqual(c.byteCount, sample.count)
            XCTAssertEqual(c.normalizedByteCount, b.normalized.count)
            XCTAssertEqual(c.graphemeCount, b.offsets.count - 1)
            XCTAssertEqual(c.codePointCount, String(decoding: b.normalized, as: UTF8.self).unicodeScalars.count)
            XCTAssertEqual(Array(c.vocabulary.decode(c.ids.array).utf8), b.normalized, "\(form)")
            XCTAssertEqual(c.vocabulary.count, c.distinctGraphemes + 1)
            XCTAssertEqual(c.unknownCount, 0)
            XCTAssertEqual(c.replacedSequences, 0)
            XCTAssertEqual(c.ids.bytesPerID, 1)
            // The same as the in-memory build.
            let m = try EncodedCorpus.build(utf8: sample, source: "<stdin>", normalization: form, lossy: false, maxVocab: nil, minCount: 1)
            XCTAssertEqual(m.vocabulary, c.vocabulary)
            XCTAssertEqual(m.ids, c.ids)
        }
    }

    func testLossyCorpusCountsReplacements() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("ab".utf8) + [0xFF, 0xFE] + Array("a".utf8) + [0xE2, 0x82]
        let path = try temporaryFile(bytes)
        XCTAssertThrowsError(try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)) {
            XCTAssertEqual($0 as? TextError, .invalidUTF8(source: path, offset: 5))
        }
        let c = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: true, maxVocab: nil, minCount: 1)
        XCTAssertEqual(c.replacedSequences, 3)
        XCTAssertEqual(c.byteCount, bytes.count)
        XCTAssertEqual(c.vocabulary.decode(c.ids.array), "ab\u{FFFD}\u{FFFD}a\u{FFFD}")
        XCTAssertEqual(c.vocabulary.tokens, ["<unk>", "\u{FFFD}", "a", "b"])
    }

    func testInMemoryInputRefusesEmptyAndBOMOnly() {
        XCTAssertThrowsError(try EncodedCorpus.build(utf8: [], source: "<stdin>", normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)) {
            XCTAssertEqual($0 as? TextError, .empty(source: "<stdin>"))
        }
        XCTAssertThrowsError(try EncodedCorpus.build(utf8: [0xEF, 0xBB, 0xBF], source: "<stdin>", normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)) {
            XCTAssertEqual($0 as? TextError, .onlyByteOrderMark(source: "<stdin>"))
        }
        XCTAssertThrowsError(try TextInput.checkNotEmpty([], source: "<stdin>"))
        XCTAssertNoThrow(try TextInput.checkNotEmpty([0x61], source: "<stdin>"))
    }

    func testLargerCorpusAcrossManyChunks() throws {
        // ~200 KB of mixed text in 4 KiB chunks equals one chunk.
        let sample = try unicodeSampleBytes()
        var bytes: [UInt8] = []
        for _ in 0 ..< 240 { bytes += sample }
        let path = try temporaryFile(bytes)
        let small = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1, chunkSize: 4096)
        let whole = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1, chunkSize: 1 << 24)
        XCTAssertEqual(small.vocabulary, whole.vocabulary)
        XCTAssertEqual(small.ids, whole.ids)
        XCTAssertEqual(small.codePointCount, whole.codePointCount)
        let encoded = try EncodedCorpus.encode(file: path, vocabulary: whole.vocabulary, normalization: .nfc, lossy: false, chunkSize: 4096)
        XCTAssertEqual(encoded.ids, whole.ids)
        XCTAssertEqual(encoded.unknownCount, 0)
    }
}
