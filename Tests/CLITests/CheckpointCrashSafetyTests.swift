// Crash safety of checkpoint writes, tested on the real executable:
// SIGKILL at random moments during `charlstm export`, and a file-size limit
// (RLIMIT_FSIZE, a stand-in for a full disk) hit in the middle of a write.
import XCTest
import Foundation
import CharLSTM
#if canImport(Glibc)
import Glibc
#endif

/// A deterministic checkpoint built from the public API (CLITests cannot see the library's internals).
func cliCheckpoint(graphemes: [String] = ["a", "b", "c"], hidden: Int = 4, embed: Int = 3, layers: Int = 2,
                   step: Int = 500, seed: UInt64 = 1) -> Checkpoint {
    var rng = RandomGenerator(seed: seed)
    let vocabulary = try! Vocabulary(graphemes: graphemes)
    let config = ModelConfig(cell: .lstm, layers: layers, embed: embed, hidden: hidden, vocab: vocabulary.count,
                             dropout: 0.1, normalization: .nfc)
    let P = ParameterLayout(config).count
    func floats(_ n: Int) -> [Float] { (0..<n).map { _ in rng.nextFloat() - 0.5 } }
    let options = CheckpointTrainingOptions(optimizer: .adam, batch: 2, seqLength: 100, learningRate: 2e-3, lrDecay: 1,
                                            lrDecayEvery: 0, gradClip: 5, valFraction: 0.05, testFraction: 0.05,
                                            totalSteps: 0, seed: 1)
    let training = CheckpointTrainingState(
        options: options, moment1: floats(P), moment2: floats(P).map(abs), step: step, epoch: 2, dataPosition: 3,
        rngState: rng.stateWords, learningRate: 1e-3, carriedState: floats(layers * 2 * 2 * hidden),
        history: [CheckpointHistoryPoint(step: 250, epoch: 1, trainBPC: 2, valBPC: 2.1, learningRate: 1e-3),
                  CheckpointHistoryPoint(step: 500, epoch: 2, trainBPC: 1.5, valBPC: 1.6, learningRate: 1e-3)])
    return Checkpoint(config: config,
                      metadata: CheckpointMetadata(step: step, epoch: 2, bestValBPC: 1.4142, corpusName: "war and peace",
                                                   createdAt: 1_709_208_000),
                      vocabulary: vocabulary, parameters: floats(P), training: training)
}

/// Bit-for-bit equality of two Float arrays (memcmp: fast even in debug builds).
func sameBytes(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
}

final class CheckpointCrashSafetyTests: XCTestCase {
    /// Temporary files writers leave for `name` in `dir` (".NAME.tmp-PID").
    func temporaries(_ dir: URL, _ name: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".\(name).tmp-") }
    }

    func testKillDuringSaveAlwaysLeavesALoadableFile() throws {
        let dir = try temporaryDirectory(self)
        // Two multi-MB sources that differ in every parameter and in step.
        let a = cliCheckpoint(graphemes: (0..<80).map { String(UnicodeScalar(0x21 + $0)!) }, hidden: 192, embed: 32, step: 1, seed: 1)
        let b = cliCheckpoint(graphemes: (0..<80).map { String(UnicodeScalar(0x21 + $0)!) }, hidden: 192, embed: 32, step: 2, seed: 2)
        try CheckpointFile.write(a, to: dir.path + "/a.ckpt")
        try CheckpointFile.write(b, to: dir.path + "/b.ckpt")
        try CheckpointFile.write(a, to: dir.path + "/target.ckpt")
        XCTAssertGreaterThan(try fileSize(dir.path + "/a.ckpt"), 4_000_000)

        func start(_ source: String) throws -> Process {
            let p = Process()
            p.executableURL = productsDirectory().appendingPathComponent("charlstm")
            p.arguments = ["export", dir.path + "/" + source, dir.path + "/target.ckpt"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        // How long does one complete export take here?
        let t0 = DispatchTime.now().uptimeNanoseconds
        let first = try start("b.ckpt")
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        let duration = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e3   // µs

        var rng = RandomGenerator(seed: 2024)
        var killed = 0, completed = 0
        for i in 0..<40 {
            let p = try start(i % 2 == 0 ? "a.ckpt" : "b.ckpt")
            usleep(UInt32(rng.nextDouble() * duration * 1.1))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal { killed += 1 } else { completed += 1 }
            let loaded = try CheckpointFile.read(dir.path + "/target.ckpt")   // old or new, never torn
            XCTAssertTrue(loaded.metadata.step == 1 || loaded.metadata.step == 2)
            let expected = loaded.metadata.step == 1 ? a : b
            XCTAssertTrue(sameBytes(loaded.parameters, expected.parameters))
            XCTAssertTrue(sameBytes(loaded.training?.moment2 ?? [], expected.training?.moment2 ?? []))
            // At most the one temporary file the killed writer left (earlier ones are cleaned by later writers).
            XCTAssertLessThanOrEqual(try temporaries(dir, "target.ckpt").count, 1 + killed)
        }
        print("kill-during-save: one export takes \(Int(duration / 1000)) ms; \(killed) killed, \(completed) completed")
        XCTAssertGreaterThanOrEqual(killed, 10, "most writers should have been killed mid-way")
        // A writer that completes removes the temporaries of dead writers.
        let last = try start("a.ckpt")
        last.waitUntilExit()
        XCTAssertEqual(last.terminationStatus, 0)
        XCTAssertEqual(try temporaries(dir, "target.ckpt"), [])
        XCTAssertEqual(try CheckpointFile.read(dir.path + "/target.ckpt").metadata.step, 1)
    }

    func testHittingTheFileSizeLimitMidWriteFailsCleanly() throws {
        // RLIMIT_FSIZE stands in for a full disk: write() fails with EFBIG part-way
        // through (SIGXFSZ ignored, as a shell's `trap '' XFSZ` passes across exec).
        let dir = try temporaryDirectory(self)
        let source = cliCheckpoint(hidden: 64, embed: 16, step: 7)
        try CheckpointFile.write(source, to: dir.path + "/src.ckpt")
        try CheckpointFile.write(cliCheckpoint(step: 3), to: dir.path + "/out.ckpt")
        let before = try Data(contentsOf: dir.appendingPathComponent("out.ckpt"))
        XCTAssertGreaterThan(try fileSize(dir.path + "/src.ckpt"), 64 * 1024)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 64 KiB limit (ulimit -f counts 512- or 1024-byte blocks; both are < the file).
        p.arguments = ["-c", "trap '' XFSZ; ulimit -f 64 && exec \"$0\" export src.ckpt out.ckpt",
                       productsDirectory().appendingPathComponent("charlstm").path]
        p.currentDirectoryURL = dir
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertEqual(stderr, "charlstm: error: cannot write out.ckpt: file too large (file size limit); any previous file there is unchanged\n")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out.ckpt")), before, "previous file untouched")
        XCTAssertEqual(try temporaries(dir, "out.ckpt"), [], "the failed writer removed its temporary file")
    }
}
