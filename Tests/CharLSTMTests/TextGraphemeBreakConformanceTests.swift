// Unicode's own grapheme break conformance test, through the real tokenizer.
import Foundation
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TextGraphemeBreakConformanceTests: XCTestCase {
    static let path = "/usr/share/unicode/auxiliary/GraphemeBreakTest.txt"

    struct Case {
        var line: Int
        var clusters: [[Unicode.Scalar]]
        var text: String { String(String.UnicodeScalarView(clusters.joined())) }
    }

    /// Parses "÷ 0020 × 0308 ÷ 0020 ÷  # comment" lines.
    func parseCases() throws -> [Case] {
        guard let data = FileManager.default.contents(atPath: Self.path) else {
            XCTFail("""
                \(Self.path) is missing: install Debian's unicode-data package \
                (make setup, or apt-get install unicode-data) to run the conformance test
                """)
            return []
        }
        var cases: [Case] = []
        for (n, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let body = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            XCTAssertEqual(fields.first, "÷", "line \(n + 1) does not start with ÷")
            XCTAssertEqual(fields.last, "÷", "line \(n + 1) does not end with ÷")
            var clusters: [[Unicode.Scalar]] = []
            var current: [Unicode.Scalar] = []
            for f in fields.dropFirst() {
                switch f {
                case "÷": clusters.append(current); current = []
                case "×": break
                default:
                    guard let v = UInt32(f, radix: 16), let s = Unicode.Scalar(v) else {
                        XCTFail("line \(n + 1): bad code point \(f)"); return []
                    }
                    current.append(s)
                }
            }
            XCTAssertTrue(current.isEmpty, "line \(n + 1)")
            cases.append(Case(line: n + 1, clusters: clusters))
        }
        return cases
    }

    func check(_ tokenizer: GraphemeTokenizer, label: String) throws {
        let cases = try parseCases()
        XCTAssertEqual(cases.count, 602, "GraphemeBreakTest.txt (Unicode 15.0) has 602 cases; ICU implements Unicode \(GraphemeTokenizer.unicodeVersion)")
        var failures = 0
        for c in cases {
            let got = tokenizer.graphemes(in: c.text).map { Array($0.unicodeScalars) }
            if got != c.clusters {
                failures += 1
                if failures <= 10 {
                    XCTFail("\(label): line \(c.line): expected \(c.clusters.map { $0.map { String($0.value, radix: 16) } }), got \(got.map { $0.map { String($0.value, radix: 16) } })")
                }
            }
            // The byte path (validation, boundaries) must agree too.
            let bytes = Array(c.text.utf8)
            let b = try tokenizer.boundaries(utf8: bytes, source: "test", lossy: false)
            var expected = [0]
            for cluster in c.clusters { expected.append(expected.last! + String(String.UnicodeScalarView(cluster)).utf8.count) }
            XCTAssertEqual(b.offsets, expected, "\(label): boundaries, line \(c.line)")
            XCTAssertEqual(b.normalized, bytes, "\(label): line \(c.line)")
        }
        XCTAssertEqual(failures, 0, "\(label): \(failures) of \(cases.count) cases failed")
    }

    func testAllCasesPassWithFastPath() throws {
        try check(GraphemeTokenizer(normalization: .none), label: "fast path")
    }

    func testAllCasesPassWithPureICU() throws {
        try check(GraphemeTokenizer(normalization: .none, chunkSize: 1 << 22, fastASCII: false), label: "pure ICU")
    }

    func testAllCasesPassInTinyChunks() throws {
        try check(GraphemeTokenizer(normalization: .none, chunkSize: 1), label: "chunk size 1")
    }
}
