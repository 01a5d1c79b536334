// The separate executables exchange checkpoint files: charlstm-train writes one,
// charlstm-sample and the front end's predict/score/tokenize/info read it.
import XCTest
import Foundation

final class RoundTripTests: XCTestCase {
    func testTrainThenSampleThroughAFile() throws {
        let dir = try temporaryDirectory(self)
        _ = try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 30_000)
        let t = try runTool("charlstm-train", ["corpus.txt", "--steps", "30", "--quiet", "--out", "ck", "--name", "rt"] + tinyModel,
                            directory: dir)
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(t.stdout, "")
        let ckpt = dir.appendingPathComponent("ck/rt-best.ckpt").path

        let s1 = try runTool("charlstm-sample", ["-m", ckpt, "--length", "80", "--seed", "5"], directory: dir)
        let s2 = try runTool("charlstm", ["sample", "-m", ckpt, "--length", "80", "--seed", "5"], directory: dir)
        XCTAssertEqual(s1.status, 0, s1.stderr)
        XCTAssertEqual(s1.stderr, "")
        XCTAssertEqual(s1.stdout, s2.stdout, "the standalone sampler and the front end agree")
        // 80 graphemes of a corpus of ASCII words: 80 characters.
        XCTAssertEqual(s1.stdout.count, 80)

        // tokenize --ids against the checkpoint's vocabulary: ids are the vocabulary's.
        let info = try runTool("charlstm", ["info", ckpt, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let tok = try runTool("charlstm", ["tokenize", "--ids", "-m", ckpt], stdin: Data("the fox😀".utf8))
        XCTAssertEqual(tok.status, 0, tok.stderr)
        let ids = tok.stdout.split(separator: "\n").map { Int($0)! }
        XCTAssertEqual(ids.count, 8)
        XCTAssertEqual(ids.last, 0, "😀 is not in the vocabulary: <unk>")
        XCTAssertTrue(ids.dropLast().allSatisfy { $0 > 0 })
        XCTAssertEqual(tok.stderr, "charlstm: warning: 1 of 8 tokens are not in the checkpoint's vocabulary; they map to <unk>\n")
        // The same grapheme always gets the same id ("t" at 0, "h" at 1; " " at 3).
        let again = try runTool("charlstm", ["tokenize", "--ids", "-m", ckpt], stdin: Data("th".utf8))
        XCTAssertEqual(again.stdout.split(separator: "\n").map { Int($0)! }, Array(ids[0..<2]))
    }

    func testTokenizeCheckpointNeedsIdsOrStats() throws {
        let r = try runTool("charlstm", ["tokenize", "-m", "whatever.ckpt"], stdin: Data("x".utf8))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: --checkpoint only applies with --ids or --stats\n")
    }
}
