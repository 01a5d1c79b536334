// GraphemeTokenizer: round trip, normalization, chunking, the ASCII fast path, BOM.
import Foundation
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TokenizerTests: XCTestCase {
    /// A string where chunk boundaries can fall inside every kind of cluster.
    static let tricky: String =
        "e\u{301}👨‍👩‍👧‍👦🇫🇷🇩🇪🇺\r\n\r\r\n\na\u{308}\u{301}🏳️‍🌈 한국어 \u{1112}\u{1161}\u{11AB}"
        + "नमस्ते क्षि مرحبا \u{600}\u{661} 👩🏽‍💻❤️ x\u{200D}y \u{FB01}\u{212B}\u{FF21} Cafe\u{301}!"

    // MARK: Known clusters

    func testIssueExampleGivesFiveClusters() throws {
        let bytes: [UInt8] = Array("e\u{301}👨‍👩‍👧🇫🇷ab".utf8)
        let (g, replaced) = try GraphemeTokenizer().graphemes(utf8: bytes, source: "x", lossy: false)
        XCTAssertEqual(replaced, 0)
        XCTAssertEqual(byteArrays(g), byteArrays(["\u{E9}", "👨‍👩‍👧", "🇫🇷", "a", "b"]))
        let none = try GraphemeTokenizer(normalization: .none).graphemes(utf8: bytes, source: "x", lossy: false)
        XCTAssertEqual(byteArrays(none.graphemes), byteArrays(["e\u{301}", "👨‍👩‍👧", "🇫🇷", "a", "b"]))
    }

    func testKnownClusters() {
        let t = GraphemeTokenizer(normalization: .none)
        XCTAssertEqual(byteArrays(t.graphemes(in: "a\r\nb")), byteArrays(["a", "\r\n", "b"]))
        XCTAssertEqual(byteArrays(t.graphemes(in: "\r\r\n\n")), byteArrays(["\r", "\r\n", "\n"]))
        XCTAssertEqual(byteArrays(t.graphemes(in: "🇫🇷🇩🇪🇺")), byteArrays(["🇫🇷", "🇩🇪", "🇺"]))
        XCTAssertEqual(byteArrays(t.graphemes(in: "\u{1112}\u{1161}\u{11AB}a")), byteArrays(["\u{1112}\u{1161}\u{11AB}", "a"]))
        XCTAssertEqual(byteArrays(t.graphemes(in: "\u{600}a b")), byteArrays(["\u{600}a", " ", "b"]))   // Prepend joins
        XCTAssertEqual(byteArrays(t.graphemes(in: "\n\u{301}")), byteArrays(["\n", "\u{301}"]))       // break after LF
        XCTAssertEqual(t.graphemes(in: ""), [])
    }

    // MARK: Normalization

    func testNormalizationForms() throws {
        let nfc = GraphemeTokenizer(normalization: .nfc)
        let nfkc = GraphemeTokenizer(normalization: .nfkc)
        let none = GraphemeTokenizer(normalization: .none)
        XCTAssertEqual(byteArrays(nfc.graphemes(in: "e\u{301}")), [[0xC3, 0xA9]])
        XCTAssertEqual(byteArrays(nfc.graphemes(in: "\u{212B}")), byteArrays(["\u{C5}"]))       // Angstrom sign → Å
        XCTAssertEqual(byteArrays(nfc.graphemes(in: "\u{FB01}")), byteArrays(["\u{FB01}"]))     // ligature kept by NFC
        XCTAssertEqual(byteArrays(nfkc.graphemes(in: "\u{FB01}\u{FF21}")), byteArrays(["f", "i", "A"]))
        XCTAssertEqual(byteArrays(none.graphemes(in: "e\u{301}")), byteArrays(["e\u{301}"]))
        // Hangul jamo compose into a syllable under NFC.
        XCTAssertEqual(byteArrays(nfc.graphemes(in: "\u{1112}\u{1161}\u{11AB}")), byteArrays(["\u{D55C}"]))
        // Canonical reordering of combining marks (dot below before acute).
        XCTAssertEqual(byteArrays(nfc.graphemes(in: "q\u{301}\u{323}")), byteArrays(["q\u{323}\u{301}"]))
        // Already-normalized non-ASCII text is unchanged.
        let text = "日本語 é ñ 👍"
        let b = try nfc.boundaries(utf8: Array(text.utf8), source: "x", lossy: false)
        XCTAssertEqual(b.normalized, Array(text.utf8))
    }

    func testNormalizedBoundariesMatchNormalizedText() throws {
        for form in NormalizationForm.allCases {
            let t = GraphemeTokenizer(normalization: form)
            let bytes = Array(Self.tricky.utf8)
            let b = try t.boundaries(utf8: bytes, source: "x", lossy: false)
            let g = try t.graphemes(utf8: bytes, source: "x", lossy: false).graphemes
            XCTAssertEqual(b.offsets.count, g.count + 1, "\(form)")
            XCTAssertEqual(b.offsets.first, 0)
            XCTAssertEqual(b.offsets.last, b.normalized.count)
            for (k, grapheme) in g.enumerated() {
                XCTAssertEqual(Array(b.normalized[b.offsets[k] ..< b.offsets[k + 1]]), Array(grapheme.utf8), "\(form) #\(k)")
            }
            XCTAssertEqual(byteArrays(t.graphemes(in: Self.tricky)), byteArrays(g), "String and byte paths agree (\(form))")
        }
    }

    // MARK: Round trip

    func testRoundTripWithoutNormalizationIsByteIdentical() throws {
        let sample = try unicodeSampleBytes()
        // The sample really holds what the test is about.
        let text = String(decoding: sample, as: UTF8.self)
        for needle in ["\r\n", "\u{200D}", "🇫🇷", "e\u{301}", "\u{1112}\u{1161}", "नमस्ते", "مرحبا"] {
            XCTAssertTrue(sample.firstRange(of: Array(needle.utf8)) != nil, "sample lacks \(needle.debugDescription)")
        }
        let t = GraphemeTokenizer(normalization: .none)
        let (g, replaced) = try t.graphemes(utf8: sample, source: "sample", lossy: false)
        XCTAssertEqual(replaced, 0)
        XCTAssertEqual(Array(g.joined().utf8), sample)
        XCTAssertEqual(Array(t.graphemes(in: text).joined().utf8), sample)
        let b = try t.boundaries(utf8: sample, source: "sample", lossy: false)
        XCTAssertEqual(b.normalized, sample)
        // Through a vocabulary and back.
        let v = try Vocabulary(graphemes: Array(Set(g.map { GraphemeKey($0) })).map(\.text).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        let (ids, unknown) = v.encode(g)
        XCTAssertEqual(unknown, 0)
        XCTAssertEqual(Array(v.decode(ids).utf8), sample)
    }

    func testRoundTripOnRandomValidUTF8() throws {
        var rng = TestRandom(seed: 7)
        let pool: [Unicode.Scalar] = ["a", "Z", " ", "\r", "\n", "\t", "\u{301}", "\u{308}", "\u{200D}", "\u{FE0F}",
                                      "\u{1F468}", "\u{1F469}", "\u{1F1EB}", "\u{1F1F7}", "\u{1100}", "\u{1161}",
                                      "\u{11A8}", "\u{AC00}", "\u{915}", "\u{94D}", "\u{937}", "\u{600}", "\u{903}",
                                      "\u{E33}", "\u{644}", "\u{10FFFF}", "\u{E000}", "é", "\u{FEFF}"]
        let t = GraphemeTokenizer(normalization: .none, chunkSize: 5)
        for _ in 0 ..< 300 {
            var s = String.UnicodeScalarView()
            for _ in 0 ..< rng.below(40) { s.append(pool[rng.below(pool.count)]) }
            let bytes = Array("x".utf8) + Array(String(s).utf8)     // never starts with a BOM
            let g = try t.graphemes(utf8: bytes, source: "x", lossy: false).graphemes
            XCTAssertEqual(Array(g.joined().utf8), bytes)
        }
    }

    // MARK: Chunking and the fast path

    /// Whole-input reference: one feed, pure ICU.
    func reference(_ bytes: [UInt8], _ form: NormalizationForm) throws -> (text: [UInt8], offsets: [Int], replaced: Int) {
        try segmentInParts([bytes], normalization: form, fastASCII: false)
    }

    func testEverySplitPositionEqualsWholeInput() throws {
        let bytes = Array(Self.tricky.utf8)
        for form in NormalizationForm.allCases {
            let whole = try reference(bytes, form)
            XCTAssertGreaterThan(whole.offsets.count, 40)
            for p in 0 ... bytes.count {
                let split = try segmentInParts([Array(bytes[..<p]), Array(bytes[p...])], normalization: form)
                XCTAssertEqual(split.text, whole.text, "\(form), split at \(p)")
                XCTAssertEqual(split.offsets, whole.offsets, "\(form), split at \(p)")
            }
        }
    }

    func testSmallChunkSizesEqualWholeInput() throws {
        let bytes = Array(Self.tricky.utf8)
        for form in NormalizationForm.allCases {
            let whole = try reference(bytes, form)
            for size in 1 ... 9 {
                let parts = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0 ..< min($0 + size, bytes.count)]) }
                let chunked = try segmentInParts(parts, normalization: form)
                XCTAssertEqual(chunked.text, whole.text, "\(form), chunk size \(size)")
                XCTAssertEqual(chunked.offsets, whole.offsets, "\(form), chunk size \(size)")
                // The public API with an injected chunk size.
                let t = GraphemeTokenizer(normalization: form, chunkSize: size)
                let b = try t.boundaries(utf8: bytes, source: "x", lossy: false)
                XCTAssertEqual(b.normalized, whole.text)
                XCTAssertEqual(b.offsets, whole.offsets, "\(form), chunk size \(size)")
            }
        }
    }

    func testChunkBoundariesInsideZWJFlagsAndCRLF() throws {
        // Each case: text and the byte offsets where a chunk ends.
        let family = "👨‍👩‍👧"                    // 👨 ZWJ 👩 ZWJ 👧: 4+3+4+3+4 bytes
        let cases: [(String, [Int])] = [
            (family + "a", [4, 5, 7, 11, 14]),      // after 👨, inside ZWJ, after ZWJ, ...
            ("🇫🇷🇩🇪", [4, 8, 12]),                 // between the letters of a flag, between flags
            ("a\r\nb\r\r\n", [2, 5, 6]),            // between CR and LF
            ("e\u{301}\u{323}x", [1, 2, 3, 5]),     // between base and marks (NFC reorders and composes)
        ]
        for (text, cuts) in cases {
            let bytes = Array(text.utf8)
            var parts: [[UInt8]] = []
            var start = 0
            for c in cuts + [bytes.count] { parts.append(Array(bytes[start ..< c])); start = c }
            for form in NormalizationForm.allCases {
                let whole = try reference(bytes, form)
                let chunked = try segmentInParts(parts, normalization: form)
                XCTAssertEqual(chunked.text, whole.text, "\(text.debugDescription) \(form)")
                XCTAssertEqual(chunked.offsets, whole.offsets, "\(text.debugDescription) \(form)")
            }
        }
        // And the expected clusters themselves.
        let got = try segmentInParts([Array("🇫🇷".utf8.prefix(4)), Array("🇫🇷🇩🇪".utf8.dropFirst(4))], normalization: .none)
        XCTAssertEqual(got.offsets, [0, 8, 16])
        let crlf = try segmentInParts([Array("a\r".utf8), Array("\nb".utf8)], normalization: .none)
        XCTAssertEqual(crlf.offsets, [0, 1, 3, 4])
    }

    func testFastPathEqualsPureICUOnRandomMixedText() throws {
        var rng = TestRandom(seed: 42)
        // ASCII next to everything that can attach to it or join with it.
        let pool: [String] = ["a", "b", " ", "\r", "\n", "\r\n", ".", "\u{301}", "\u{308}", "\u{200D}", "\u{200C}",
                              "\u{FE0F}", "\u{1F3FD}", "\u{1F468}", "\u{2764}", "\u{1F1EB}", "\u{1F1F7}", "\u{1100}",
                              "\u{1161}", "\u{11A8}", "\u{AC00}", "\u{AC01}", "\u{915}", "\u{94D}", "\u{93F}", "\u{600}",
                              "\u{903}", "\u{E33}", "\u{E01}", "\u{7F}", "\u{1}", "\u{85}", "\u{AD}", "\u{2028}", "é"]
        var compared = 0
        for _ in 0 ..< 3000 {
            var s = ""
            for _ in 0 ..< 1 + rng.below(24) { s += pool[rng.below(pool.count)] }
            let bytes = Array(s.utf8)
            for form in [NormalizationForm.none, .nfc] {
                let pure = try segmentInParts([bytes], normalization: form, fastASCII: false)
                let fast = try segmentInParts([bytes], normalization: form, fastASCII: true)
                XCTAssertEqual(fast.offsets, pure.offsets, "\(s.unicodeScalars.map { String($0.value, radix: 16) }) \(form)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 6000)
        // The sample corpus too.
        let sample = try unicodeSampleBytes()
        XCTAssertEqual(try segmentInParts([sample], normalization: .none, fastASCII: true).offsets,
                       try segmentInParts([sample], normalization: .none, fastASCII: false).offsets)
    }

    // MARK: BOM

    func testLeadingBOMIsDropped() throws {
        let t = GraphemeTokenizer(normalization: .none)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        XCTAssertEqual(try t.graphemes(utf8: bom + Array("ab".utf8), source: "x", lossy: false).graphemes, ["a", "b"])
        // Only the first: a second BOM is a character (U+FEFF).
        XCTAssertEqual(byteArrays(try t.graphemes(utf8: bom + bom + Array("a".utf8), source: "x", lossy: false).graphemes),
                       byteArrays(["\u{FEFF}", "a"]))
        // Fed one byte at a time.
        let tiny = GraphemeTokenizer(normalization: .nfc, chunkSize: 1)
        XCTAssertEqual(try tiny.graphemes(utf8: bom + Array("ab".utf8), source: "x", lossy: false).graphemes, ["a", "b"])
        XCTAssertEqual(try tiny.boundaries(utf8: bom + Array("ab".utf8), source: "x", lossy: false).offsets, [0, 1, 2])
        // A BOM-only or empty byte array gives no graphemes (files refuse them; see TextInputTests).
        XCTAssertEqual(try t.graphemes(utf8: bom, source: "x", lossy: false).graphemes, [])
        XCTAssertEqual(try t.graphemes(utf8: [], source: "x", lossy: false).graphemes, [])
        XCTAssertEqual(try t.boundaries(utf8: [], source: "x", lossy: false).offsets, [0])
        // A prefix of a BOM is not a BOM.
        XCTAssertThrowsError(try t.graphemes(utf8: [0xEF, 0xBB], source: "x", lossy: false))
    }

    // MARK: Escaping

    func testEscapeGrapheme() {
        XCTAssertEqual(escapeGrapheme("a"), "a")
        XCTAssertEqual(escapeGrapheme("\n"), "\\n")
        XCTAssertEqual(escapeGrapheme("\r\n"), "\\r\\n")
        XCTAssertEqual(escapeGrapheme("\t"), "\\t")
        XCTAssertEqual(escapeGrapheme(" "), "\\s")
        XCTAssertEqual(escapeGrapheme("\\"), "\\\\")
        XCTAssertEqual(escapeGrapheme("\u{200D}"), "U+200D")
        XCTAssertEqual(escapeGrapheme("\u{1}"), "U+0001")
        XCTAssertEqual(escapeGrapheme("\u{A0}"), "U+00A0")
        XCTAssertEqual(escapeGrapheme("\u{3000}"), "U+3000")
        XCTAssertEqual(escapeGrapheme("\u{FEFF}"), "U+FEFF")
        XCTAssertEqual(escapeGrapheme("\u{E0001}"), "U+E0001")
        XCTAssertEqual(escapeGrapheme("👨‍👩‍👧"), "👨‍👩‍👧")      // visible: kept whole, ZWJs and all
        XCTAssertEqual(escapeGrapheme("❤️"), "❤️")
        XCTAssertEqual(escapeGrapheme("e\u{301}"), "e\u{301}")
        XCTAssertEqual(escapeGrapheme("\\\u{301}"), "\\\\\u{301}")     // a backslash with a mark: still doubled
    }
}
