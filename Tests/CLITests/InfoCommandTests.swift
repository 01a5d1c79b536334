// `charlstm info`: exact output (text and JSON) and one-line errors.
import XCTest
import Foundation
import CharLSTM

final class InfoCommandTests: XCTestCase {
    func testHumanOutputIsExact() throws {
        let dir = try temporaryDirectory(self)
        let c = cliCheckpoint(graphemes: ["a", "\n", "\t", "\u{1}", "\u{A0}", "é", "👨‍👩‍👧", "\"", "\\"], hidden: 5)
        try CheckpointFile.write(c, to: dir.path + "/model.ckpt")
        let size = try fileSize(dir.path + "/model.ckpt")
        let r = try runTool("charlstm", ["info", "model.ckpt"], directory: dir)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout, """
        file            model.ckpt
        format          charlstm checkpoint 1.0, \(size) bytes
        cell            lstm
        direction       forward (left to right: sample, predict, score)
        layers          2
        embedding       3
        hidden          5
        vocabulary      10 (<unk> + 9 graphemes): "a" "\\n" "\\t" "U+0001" "U+00A0" "é" "👨‍👩‍👧" "\"" "\\\\"
        parameters      \(c.parameters.count)
        weights         Float32
        dropout         0.1
        normalization   nfc
        corpus          war and peace
        created         2024-02-29 12:00:00 UTC
        step            500
        epoch           2
        best val bpc    1.4142
        training state  yes (adam, 2 history points)

        """)
    }

    /// The vocabulary is escaped exactly as `tokenize` prints graphemes (a space is `\s`,
    /// a quote stays a quote, a lone variation selector is `U+FE0F`), and the file and
    /// corpus names only lose what would break the line (ESC is `U+001B`).
    func testEscapingIsTokenizesAndPathsStayOnOneLine() throws {
        let dir = try temporaryDirectory(self)
        let graphemes = [" ", "\"", "\u{FE0F}", "\r\n", "\\"]
        var c = cliCheckpoint(graphemes: graphemes)
        c.metadata.corpusName = "war\u{1B}and \"peace\"\n"
        let name = "m\u{1B}\\.ckpt"
        try CheckpointFile.write(c, to: dir.path + "/" + name)
        let r = try runTool("charlstm", ["info", name], directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], #"file            mU+001B\.ckpt"#)
        XCTAssertEqual(lines[7], #"vocabulary      6 (<unk> + 5 graphemes): "\s" """ "U+FE0F" "\r\n" "\\""#)
        XCTAssertEqual(lines[12], #"corpus          warU+001Band "peace"\n"#)
        // The same spelling as tokenize's, grapheme for grapheme (a line feed between them).
        let t = try runTool("charlstm", ["tokenize"], stdin: Data(graphemes.joined(separator: "\n").utf8))
        XCTAssertEqual(t.status, 0, t.stderr)
        let tokenized = t.stdout.split(separator: "\n").enumerated().filter { $0.offset % 2 == 0 }.map { "\"\($0.element)\"" }
        XCTAssertEqual(tokenized.count, graphemes.count, t.stdout)
        XCTAssertEqual(lines[7], "vocabulary      6 (<unk> + 5 graphemes): " + tokenized.joined(separator: " "))
    }

    func testHumanOutputOfAWeightsOnlyHalfExportWithoutValidation() throws {
        let dir = try temporaryDirectory(self)
        var c = cliCheckpoint(graphemes: (0..<30).map { String(UnicodeScalar(0x61 + $0)!) })
        c.metadata.bestValBPC = nil
        c.metadata.corpusName = ""
        c.metadata.createdAt = 0
        try CheckpointFile.write(c, to: dir.path + "/m.ckpt", weightsOnly: true, half: true)
        let r = try runTool("charlstm", ["info", "m.ckpt"], directory: dir)
        XCTAssertEqual(r.status, 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 18)
        XCTAssertEqual(lines[7], "vocabulary      31 (<unk> + 30 graphemes): " + (0..<20).map { "\"\(UnicodeScalar(0x61 + $0)!)\"" }.joined(separator: " ") + " ... (+10 more)")
        XCTAssertEqual(lines[9], "weights         Float16 (sampled from as stored; widened to Float32 to train)")
        XCTAssertEqual(lines[12], "corpus          unknown")
        XCTAssertEqual(lines[13], "created         unknown")
        XCTAssertEqual(lines[16], "best val bpc    unknown")
        XCTAssertEqual(lines[17], "training state  no (weights only: can sample, cannot resume)")
    }

    func testJSONOutputIsExact() throws {
        let dir = try temporaryDirectory(self)
        let c = cliCheckpoint(hidden: 5)
        try CheckpointFile.write(c, to: dir.path + "/model.ckpt")
        let size = try fileSize(dir.path + "/model.ckpt")
        let r = try runTool("charlstm", ["info", "--json", "model.ckpt"], directory: dir)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout, #"{"format_version":"1.0","cell":"lstm","direction":"forward","layers":2,"embed":3,"hidden":5,"vocab":4,"#
                       + #""params":\#(c.parameters.count),"dropout":0.10000000149011612,"normalization":"nfc","step":500,"epoch":2,"#
                       + #""best_val_bpc":1.4142,"has_training_state":true,"optimizer":"adam","weights_float16":false,"#
                       + #""corpus":"war and peace","created_at":1709208000,"file_bytes":\#(size)}"# + "\n")
        // It parses, and the required keys are there.
        let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        for key in ["format_version", "cell", "direction", "layers", "embed", "hidden", "vocab", "params", "step", "best_val_bpc",
                    "has_training_state", "file_bytes"] {
            XCTAssertNotNil(object?[key], key)
        }
    }

    func testJSONUsesNullForUnknownBestValidationAndAbsentTrainingState() throws {
        let dir = try temporaryDirectory(self)
        var c = cliCheckpoint()
        c.metadata.bestValBPC = nil
        c.metadata.corpusName = "quote \" and newline \n"
        try CheckpointFile.write(c, to: dir.path + "/m.ckpt", weightsOnly: true)
        let r = try runTool("charlstm", ["info", "--json", dir.path + "/m.ckpt"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        XCTAssertTrue(object["best_val_bpc"] is NSNull)
        XCTAssertTrue(object["optimizer"] is NSNull)
        XCTAssertEqual(object["has_training_state"] as? Bool, false)
        XCTAssertEqual(object["corpus"] as? String, "quote \" and newline \n")
        XCTAssertEqual(r.stdout.filter { $0 == "\n" }.count, 1, "one line")
    }

    func testErrorsAreOneLineOnStderrWithExitOne() throws {
        let dir = try temporaryDirectory(self)
        try CheckpointFile.write(cliCheckpoint(), to: dir.path + "/good.ckpt")
        var bytes = try Data(contentsOf: dir.appendingPathComponent("good.ckpt"))
        let size = bytes.count
        try bytes.prefix(1000).write(to: dir.appendingPathComponent("short.ckpt"))
        bytes[bytes.count - 1] ^= 0xFF   // the last byte belongs to the last section (TRAN)
        try bytes.write(to: dir.appendingPathComponent("flipped.ckpt"))
        try Data("not a checkpoint\n".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let cases: [([String], String)] = [
            (["info", "missing.ckpt"], "charlstm: error: missing.ckpt: no such file"),
            (["info", "."], "charlstm: error: .: is a directory, not a checkpoint file"),
            (["info", "notes.txt"], "charlstm: error: notes.txt: not a charlstm checkpoint (wrong magic bytes); pass a file written by charlstm train or export"),
            (["info", "short.ckpt"], "charlstm: error: short.ckpt: truncated (expected \(size) bytes, found 1000); copy the file again or use an earlier checkpoint"),
            (["info", "--json", "flipped.ckpt"], "charlstm: error: flipped.ckpt: section TRAN (training state) is corrupt (CRC mismatch); copy the file again or use an earlier checkpoint"),
        ]
        for (arguments, expected) in cases {
            let r = try runTool("charlstm", arguments, directory: dir)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertEqual(r.stdout, "", "\(arguments)")
            XCTAssertEqual(r.stderr, expected + "\n", "\(arguments)")
        }
    }
}

func fileSize(_ path: String) throws -> Int {
    try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
}
