// CheckpointFile.copy: how a run makes latest.ckpt from its best checkpoint —
// the file's bytes, validated, written by the checkpoints' atomic replace.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class CheckpointCopyTests: XCTestCase {
    /// A copy keeps every byte, even those this build does not understand: a 1.3 file
    /// with an unknown optional section (which reading and re-encoding would drop).
    func testCopyKeepsEveryByteOfTheSource() throws {
        let dir = try makeTemporaryDirectory(self)
        let bytes = try CheckpointEncoder.encode(makeCheckpoint(), path: "x", weightsOnly: false, half: false,
                                                 extraSections: [(Format.kind("XTRA"), Format.sectionOptional, Array("future stuff".utf8))],
                                                 minor: 3).bytes()
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/best.ckpt"))
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/latest.ckpt"))
        try CheckpointFile.copy(dir + "/best.ckpt", to: dir + "/latest.ckpt")
        let copied = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/latest.ckpt")))
        XCTAssertEqual(copied.count, bytes.count)
        XCTAssertTrue(copied == bytes, "the copy differs from its source")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["best.ckpt", "latest.ckpt"],
                       "no temporary file remains")
    }

    /// A source that is not a valid checkpoint is refused with the error `read` gives,
    /// and the target keeps its old contents.
    func testCopyRefusesACorruptSourceAndLeavesTheTargetAlone() throws {
        let dir = try makeTemporaryDirectory(self)
        var bytes = try CheckpointFile.encode(makeCheckpoint())
        bytes[bytes.count - 1] ^= 0x01   // the last byte of TRAN
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/best.ckpt"))
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/latest.ckpt"))
        XCTAssertThrowsError(try CheckpointFile.copy(dir + "/best.ckpt", to: dir + "/latest.ckpt")) { error in
            XCTAssertEqual(error as? CheckpointError, .sectionCorrupt(path: dir + "/best.ckpt", section: "TRAN (training state)"))
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/latest.ckpt", encoding: .utf8), "old")
        XCTAssertThrowsError(try CheckpointFile.copy(dir + "/missing.ckpt", to: dir + "/latest.ckpt")) { error in
            XCTAssertEqual(error as? CheckpointError, .notFound(path: dir + "/missing.ckpt"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["best.ckpt", "latest.ckpt"])
    }
}
