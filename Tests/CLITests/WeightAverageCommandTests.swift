// `charlstm train --average-from STEP`, run as the real executable: refusals (exact lines,
// exit 1, nothing written), the progress and log lines of averaged evaluations, and an
// interrupted-and-resumed averaged run equal to the uninterrupted one.
import XCTest
import Foundation
@testable import CharLSTMCheckpoint

final class WeightAverageCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 30_000)
    }

    func train(_ args: [String]) throws -> ProcessResult {
        try runTool("charlstm", ["train", "corpus.txt"] + tinyModel + args, directory: dir)
    }

    func read(_ path: String) throws -> Checkpoint { try CheckpointFile.read(dir.appendingPathComponent(path).path) }

    /// Mutations caught: a negative step accepted; STEP ≥ --steps accepted (or refused after the
    /// output directory was created); the refusals worded without the flag.
    func testBadValuesAreOneLineExitOneAndWriteNothing() throws {
        let cases: [([String], String)] = [
            (["--average-from=-1"], "--average-from must be a step between 0 and 1000000000 (got -1)"),
            (["--average-from", "x"], "The value 'x' is invalid for '--average-from <step>'"),
            (["--average-from", "1.5"], "The value '1.5' is invalid for '--average-from <step>'"),
            (["--average-from", "12", "--steps", "12"],
             "--average-from 12 is not below the run's last step 12: nothing would be averaged; give a smaller --average-from or a larger --steps"),
        ]
        for (args, message) in cases {
            let r = try train(args + ["--out", "o"])
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stderr, "charlstm: error: \(message)\n", "\(args)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path), "\(args)")
        }
    }

    /// Mutations caught: evaluations after STEP not on the average (no "averaged over" in the
    /// line or the log), the count off by one, the average not kept or not restored by --resume.
    func testAveragedRunReportsItAndResumesExactly() throws {
        let straight = try train(["--steps", "12", "--eval-every", "4", "--average-from", "4", "--out", "a", "--log", "a.jsonl"])
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let evaluations = straight.stderr.split(separator: "\n").filter { $0.hasPrefix("step ") }
        XCTAssertEqual(evaluations.count, 3, straight.stderr)
        XCTAssertFalse(evaluations[0].contains("averaged"), String(evaluations[0]))
        XCTAssertTrue(evaluations[1].contains(" bpc (averaged over 4 steps)"), String(evaluations[1]))
        XCTAssertTrue(evaluations[2].contains(" bpc (averaged over 8 steps)"), String(evaluations[2]))
        let log = try String(contentsOf: dir.appendingPathComponent("a.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.map { $0.contains("\"averaged_steps\":") }, [false, true, true])
        XCTAssertTrue(log[2].contains(",\"averaged_steps\":8,"), String(log[2]))

        // Interrupted at step 6 (the average has 2 steps), resumed without repeating --average-from.
        XCTAssertEqual(try train(["--steps", "6", "--eval-every", "4", "--average-from", "4", "--out", "b"]).status, 0)
        let resumed = try train(["--steps", "12", "--eval-every", "4", "--out", "b", "--resume", "b/corpus-latest.ckpt"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        for file in ["corpus-latest.ckpt", "corpus-best.ckpt"] {
            let a = try read("a/" + file), b = try read("b/" + file)
            XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern), file)
            XCTAssertEqual(a.training?.average, b.training?.average, file)
            XCTAssertEqual(a.metadata.bestValBPC, b.metadata.bestValBPC, file)
        }
        XCTAssertEqual(try read("a/corpus-latest.ckpt").training?.average?.count, 8)
        // `info` says which weights a file holds.
        let info = try runTool("charlstm", ["info", "a/corpus-best.ckpt"], directory: dir)
        XCTAssertTrue(info.stdout.contains("\nweight average  8 steps after step 4; the weights above are the average\n"), info.stdout)
        let latestInfo = try runTool("charlstm", ["info", "a/corpus-latest.ckpt"], directory: dir)
        XCTAssertTrue(latestInfo.stdout.contains("\nweight average  8 steps after step 4; the weights above are the training weights\n"),
                      latestInfo.stdout)

        // Another first step on resume conflicts with the checkpoint's.
        let other = try train(["--steps", "14", "--out", "b", "--resume", "b/corpus-latest.ckpt", "--average-from", "5"])
        XCTAssertEqual(other.status, 1)
        XCTAssertEqual(other.stderr, "charlstm: error: --average-from 5 conflicts with the checkpoint's 4 (a resumed run keeps the "
                       + "checkpoint's settings; use --init-from to start a new run from its weights)\n")
    }

    /// A run without an average may start one when resumed, at or after its step, not before.
    /// Mutation caught: a start before the checkpoint's step accepted (it could not be exact).
    func testResumeMayStartAveragingAtOrAfterTheCheckpointsStep() throws {
        XCTAssertEqual(try train(["--steps", "6", "--out", "c", "--quiet"]).status, 0)
        let early = try train(["--steps", "10", "--out", "c", "--resume", "c/corpus-latest.ckpt", "--average-from", "5"])
        XCTAssertEqual(early.status, 1)
        XCTAssertEqual(early.stderr, "charlstm: error: --average-from 5 is before the checkpoint's step 6, which holds no weight "
                       + "average; give --average-from 6 or later\n")
        let ok = try train(["--steps", "10", "--out", "c", "--resume", "c/corpus-latest.ckpt", "--average-from", "6", "--quiet"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try read("c/corpus-latest.ckpt").training?.average?.count, 4)
        XCTAssertEqual(try read("c/latest.ckpt").training?.average?.weightsAreAverage, true)
    }

    /// Across processes every rank keeps the same average: 2 processes evaluate (each its share
    /// of the validation streams, on its own averaged weights) what one process evaluates, and
    /// rank 0 saves the same average. Mutation caught: the average updated on rank 0 only, or
    /// from a rank's weights before the reduced update.
    func testTwoProcessesKeepTheAverageOneProcessKeeps() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let mpirun = path.split(separator: ":").map({ "\($0)/mpirun" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("mpirun is not installed (apt-get install openmpi-bin, or make setup)")
        }
        let args = ["train", "corpus.txt", "--steps", "12", "--eval-every", "4", "--average-from", "3",
                    "--layers", "1", "--hidden", "16", "--embed", "8", "--batch", "8", "--seq", "16", "--threads", "1"]
        let one = try runTool("charlstm", args + ["--out", "one", "--log", "one.jsonl"], directory: dir)
        XCTAssertEqual(one.status, 0, one.stderr)
        let charlstm = productsDirectory().appendingPathComponent("charlstm").path
        let two = try runPath(mpirun, ["--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader", "--bind-to", "none",
                                       "-np", "2", charlstm] + args + ["--out", "two", "--log", "two.jsonl"], directory: dir)
        XCTAssertEqual(two.status, 0, two.stderr)
        func losses(_ file: String) throws -> [(Int, Double)] {
            try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map { line in
                let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return ((o["averaged_steps"] as? Int) ?? 0, try XCTUnwrap(o["val_bpc"] as? Double))
            }
        }
        let a = try losses("one.jsonl"), b = try losses("two.jsonl")
        XCTAssertEqual(a.map(\.0), [1, 5, 9])
        XCTAssertEqual(b.map(\.0), a.map(\.0))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.1, y.1, accuracy: 5e-5) }
        let averageOne = try XCTUnwrap(read("one/corpus-latest.ckpt").training?.average)
        let averageTwo = try XCTUnwrap(read("two/corpus-latest.ckpt").training?.average)
        XCTAssertEqual(averageTwo.count, 9)
        var diff = 0.0, scale = 0.0
        for (x, y) in zip(averageOne.weights, averageTwo.weights) {
            diff = max(diff, abs(Double(x) - Double(y)))
            scale = max(scale, abs(Double(x)))
        }
        XCTAssertLessThanOrEqual(diff / scale, 1e-5)
    }
}
