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

    /// --calibrate fits the temperature on a text and folds it in: the line on
    /// stderr gives the bits before and after, which `score` reproduces on the
    /// original and on the copy. Mutations caught: the fold left out (the copy
    /// scores as the original), the report computed at β = 1 only.
    func testCalibrateFoldsTheFittedTemperature() throws {
        let dir = try temporaryDirectory(self)
        let text = dir.path + "/heldout.txt"
        try "To be or not, that is the question. ROMEO: O Juliet!\nEl país es grande.\n".write(toFile: text, atomically: true, encoding: .utf8)
        let out = dir.path + "/calibrated.ckpt"
        let r = try runTool("charlstm", ["export", SampleFixture.trained, out, "--weights-only", "--calibrate", text])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        let pattern = #/charlstm: calibrated on (.+): temperature ([0-9.]+) \(logits × ([0-9.]+)\); ([0-9.]+) → ([0-9.]+) bits/grapheme over its 71 graphemes\n/#
        let m = try XCTUnwrap(r.stderr.wholeMatch(of: pattern), r.stderr)
        XCTAssertEqual(String(m.1), text)
        XCTAssertEqual(try XCTUnwrap(Double(m.2)) * XCTUnwrap(Double(m.3)), 1, accuracy: 1e-3)
        XCTAssertNotEqual(m.2, "1.0000", "the fixture is not calibrated already")
        func score(_ model: String) throws -> Substring {
            let s = try runTool("charlstm", ["score", "-m", model, text])
            XCTAssertEqual(s.status, 0, s.stderr)
            return s.stdout.prefix { $0 != " " }
        }
        XCTAssertEqual(try score(SampleFixture.trained), m.4)
        XCTAssertEqual(try score(out), m.5)
        XCTAssertLessThan(try XCTUnwrap(Double(m.5)), try XCTUnwrap(Double(m.4)))
        XCTAssertNil(try CheckpointFile.read(out).training)
    }

    /// Each way to misuse --calibrate is one line on stderr, exit 1, and no file.
    func testCalibrateRefusals() throws {
        let dir = try temporaryDirectory(self)
        let out = dir.path + "/out.ckpt"
        func refused(_ args: [String], _ line: String, stdin: Data = Data()) throws {
            let r = try runTool("charlstm", ["export", SampleFixture.trained, out] + args, stdin: stdin)
            XCTAssertEqual(r.status, 1, args.description)
            XCTAssertEqual(r.stderr, "charlstm: error: " + line + "\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
        let one = dir.path + "/one.txt", empty = dir.path + "/empty.txt"
        try "a".write(toFile: one, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: empty, contents: Data())
        try refused(["--calibrate", one], "--calibrate changes the output layer, so the copy could not resume training: add --weights-only")
        try refused(["--weights-only", "--calibrate", one],
                    "\(one): nothing to calibrate on: the text needs at least 2 graphemes (the first has no context)")
        try refused(["--weights-only", "--calibrate", "-"],
                    "<stdin>: nothing to calibrate on: the text needs at least 2 graphemes (the first has no context)", stdin: Data("x".utf8))
        let fill = dir.path + "/fill.ckpt"
        let config = ModelConfig(layers: 1, embed: 3, hidden: 4, vocab: 4, direction: .bidirectional)
        try CheckpointFile.write(Checkpoint(config: config, metadata: CheckpointMetadata(corpusName: "fill"),
                                            vocabulary: try Vocabulary(graphemes: ["a", "b", "c"]),
                                            parameters: [Float](repeating: 0.1, count: ParameterLayout(config).count), training: nil),
                                 to: fill)
        let f = try runTool("charlstm", ["export", fill, out, "--weights-only", "--calibrate", one])
        XCTAssertEqual(f.status, 1)
        XCTAssertEqual(f.stderr, "charlstm: error: --calibrate needs a left-to-right model: \(fill) is bidirectional (a fill model), whose loss is not the next grapheme's\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let r = try runTool("charlstm", ["export", SampleFixture.trained, out, "--weights-only", "--calibrate", empty])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("empty"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
