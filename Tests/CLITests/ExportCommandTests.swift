// `charlstm export`: weights-only and Float16 copies, written atomically.
import XCTest
import Foundation
import CharLSTM

final class ExportCommandTests: XCTestCase {
    func testWeightsOnlyAndHalfExports() throws {
        let dir = try temporaryDirectory(self)
        let c = cliCheckpoint(graphemes: (0..<40).map { String(UnicodeScalar(0x30 + $0)!) }, hidden: 64, embed: 16)
        let full = dir.path + "/full.ckpt"
        try CheckpointFile.write(c, to: full)
        for (flags, name) in [([String](), "copy"), (["--weights-only"], "slim"), (["--half"], "half"), (["--weights-only", "--half"], "tiny")] {
            let r = try runTool("charlstm", ["export", full, dir.path + "/\(name).ckpt"] + flags)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr, "")
        }
        let sizes = try ["full", "copy", "slim", "half", "tiny"].map { try fileSize(dir.path + "/\($0).ckpt") }
        XCTAssertEqual(sizes[0], sizes[1])
        let ratio = Double(sizes[0]) / Double(sizes[2])
        XCTAssertTrue(ratio > 2.9 && ratio < 3.3, "full / weights-only = \(ratio)")
        XCTAssertEqual(Double(sizes[2]) / Double(sizes[4]), 2, accuracy: 0.1, "Float16 halves a weights-only file")

        let copy = try CheckpointFile.read(dir.path + "/copy.ckpt")
        XCTAssertEqual(copy.parameters.map(\.bitPattern), c.parameters.map(\.bitPattern))
        XCTAssertNotNil(copy.training)
        let slim = try CheckpointFile.read(dir.path + "/slim.ckpt")
        XCTAssertNil(slim.training)
        XCTAssertEqual(slim.metadata, c.metadata)
        XCTAssertEqual(slim.vocabulary, c.vocabulary)
        let half = try CheckpointFile.readWithInfo(dir.path + "/half.ckpt")
        XCTAssertTrue(half.file.halfWeights)
        XCTAssertNotNil(half.checkpoint.training, "--half alone keeps the training state")
        for (x, y) in zip(c.parameters, half.checkpoint.parameters) { XCTAssertEqual(x, y, accuracy: abs(x) / 2048 + 1e-7) }
    }

    func testExportOverItselfAndErrors() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.path + "/m.ckpt"
        try CheckpointFile.write(cliCheckpoint(), to: path)
        var r = try runTool("charlstm", ["export", path, path, "--weights-only"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNil(try CheckpointFile.read(path).training)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.ckpt"])

        r = try runTool("charlstm", ["export", dir.path + "/missing.ckpt", dir.path + "/out.ckpt"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: \(dir.path)/missing.ckpt: no such file\n")
        r = try runTool("charlstm", ["export", path, dir.path + "/no/such/dir/out.ckpt"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: cannot write \(dir.path)/no/such/dir/out.ckpt: directory \(dir.path)/no/such/dir does not exist; any previous file there is unchanged\n")
        r = try runTool("charlstm", ["export", path])
        XCTAssertEqual(r.status, 1, "missing OUT argument")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)
    }

    /// A weight binary16 cannot hold: the library says so in its own words
    /// (CheckpointError.halfPrecisionOverflow), the CLI names --half, and
    /// nothing is written. Mutations caught: the CLI printing the library's
    /// description (no flag), or the encoder rounding the weight to infinity.
    func testHalfRefusesWeightsOutsideTheFloat16Range() throws {
        let dir = try temporaryDirectory(self)
        var c = cliCheckpoint()
        c.parameters[3] = 1e6
        let path = dir.path + "/big.ckpt"
        try CheckpointFile.write(c, to: path)
        let r = try runTool("charlstm", ["export", path, dir.path + "/half.ckpt", "--half"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: cannot write \(dir.path)/half.ckpt: weight 3 (1000000.0) is outside "
                       + "the Float16 range ±65504; export without --half\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["big.ckpt"])
        XCTAssertThrowsError(try CheckpointFile.write(c, to: dir.path + "/lib.ckpt", half: true)) {
            XCTAssertFalse(String(describing: $0).contains("--"), "the library names no flag: \($0)")
        }
    }
}
