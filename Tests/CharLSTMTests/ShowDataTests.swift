// The pieces of `charlstm show`'s data: SHA-256 (the CSP hashes), base64 (the
// activations), the text features, the correlations and the script-safe JSON.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class ShowDataTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testSHA256KnownVectors() {
        XCTAssertEqual(hex(SHA256.digest(Array("".utf8))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(SHA256.digest(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the length no longer fits in the first block.
        XCTAssertEqual(hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex(SHA256.digest([UInt8](repeating: 0x61, count: 1000))),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    func testBase64RFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors { XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain) }
        XCTAssertEqual(Base64.encode([0xFF, 0xFE, 0x00]), "//4A")
    }

    /// Nothing in the data can end the <script> element or open markup, and the JSON means the same.
    func testScriptSafeJSON() {
        let text = "</script><script>alert(1)</script> <!-- & \u{2028}\u{2029} é"
        let json = "{\"t\":" + JSON.quote(text) + "}"
        let safe = ShowPage.scriptSafe(json)
        for c in ["<", ">", "&", "\u{2028}", "\u{2029}"] { XCTAssertFalse(safe.contains(c), c) }
        let decoded = try? JSONSerialization.jsonObject(with: Data(safe.utf8)) as? [String: String]
        XCTAssertEqual(decoded?["t"], text)
    }

    func testTextFeatures() {
        let f = TextFeatures(graphemes: ["a", "(", "\"", "b", "\"", ")", "\n", "1", " ", "X"])
        let K = TextFeatures.count
        func column(_ name: String) -> [Float] {
            let k = TextFeatures.names.firstIndex(of: name)!
            return (0..<f.positions).map { f.values[$0 * K + k] }
        }
        XCTAssertEqual(column("position in line"), [0, 1, 2, 3, 4, 5, 6, 0, 1, 2])
        XCTAssertEqual(column("start of a line"), [1, 0, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(column("inside double quotes"), [0, 0, 1, 1, 1, 0, 0, 0, 0, 0])
        XCTAssertEqual(column("bracket/parenthesis depth"), [0, 1, 1, 1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(column("whitespace"), [0, 0, 0, 0, 0, 0, 1, 0, 1, 0])
        XCTAssertEqual(column("digit"), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(column("upper-case letter"), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    /// The running sums give Pearson's r as computed directly, and the saturation fractions.
    func testCorrelationAndSaturation() {
        let xs: [[Float]] = [[0.05, 0.5], [0.95, 0.2], [0.5, 0.7], [0.92, 0.1]]   // (T, S = 2)
        let fs: [[Float]] = [[0], [3], [1], [2]]                                     // (T, K = 1)
        let stats = UnitStatistics(series: 2, features: 1, isGate: [true, false])
        for t in 0..<4 { stats.add(xs[t], features: fs[t]) }
        for j in 0..<2 {
            let x = xs.map { Double($0[j]) }, f = fs.map { Double($0[0]) }
            let mx = x.reduce(0, +) / 4, mf = f.reduce(0, +) / 4
            let cov = zip(x, f).map { ($0 - mx) * ($1 - mf) }.reduce(0, +)
            let r = cov / (x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) * f.map { ($0 - mf) * ($0 - mf) }.reduce(0, +)).squareRoot()
            XCTAssertEqual(stats.correlation(series: j, feature: 0), r, accuracy: 1e-9)
        }
        XCTAssertEqual(stats.saturation(series: 0).left, 0.25)
        XCTAssertEqual(stats.saturation(series: 0).right, 0.5)
    }
}
