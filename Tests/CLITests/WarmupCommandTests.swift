// `charlstm train --warmup N`: the learning rate ramps up linearly over the first N steps.
import XCTest
import Foundation
import CharLSTM

final class WarmupCommandTests: XCTestCase {
    func testWarmupTakesTheFirstStepAtAFractionOfTheRate() throws {
        let dir = try temporaryDirectory(self)
        try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 20_000)
        func train(_ out: String, _ extra: [String]) throws -> [Float] {
            let r = try runTool("charlstm", ["train", "corpus.txt", "--steps", "1", "--quiet", "--optimizer", "sgd",
                                             "--out", out] + tinyModel + extra, directory: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try CheckpointFile.read(dir.appendingPathComponent("\(out)/corpus-latest.ckpt").path).parameters
        }
        // SGD's first update is lr·g: --lr 0.4 --warmup 4 steps as --lr 0.1 does.
        let warm = try train("warm", ["--lr", "0.4", "--warmup", "4"])
        XCTAssertEqual(warm, try train("plain", ["--lr", "0.1"]))
        XCTAssertNotEqual(warm, try train("full", ["--lr", "0.4"]))
    }

    func testANegativeWarmupIsOneLine() throws {
        let r = try runTool("charlstm", ["train", "corpus.txt", "--warmup=-1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: --warmup must be between 0 (none) and 1000000000 (got -1)\n")
    }
}
