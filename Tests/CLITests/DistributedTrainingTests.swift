// Data-parallel `charlstm train` under a real `mpirun` on this machine (Open MPI,
// shared memory: --mca btl self,vader; --oversubscribe for 8 processes on 2 cores).
// Skipped, with the reason printed, only when mpirun is not installed (`make setup`
// installs openmpi-bin). Each test runs the real executable.
import XCTest
import Foundation
import CharLSTM
#if canImport(Glibc)
import Glibc
#endif

/// A tiny model with 8 streams, so 8 processes get one each.
let parallelModel = ["--layers", "1", "--hidden", "16", "--embed", "8", "--batch", "8", "--seq", "16", "--threads", "1"]

final class DistributedTrainingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 30_000)
    }

    /// mpirun on PATH, or skip.
    func mpirun() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for d in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(d)/mpirun") {
            return "\(d)/mpirun"
        }
        throw XCTSkip("mpirun is not installed (apt-get install openmpi-bin, or make setup): multi-process tests skipped")
    }

    var charlstm: String { productsDirectory().appendingPathComponent("charlstm").path }
    let mpiFlags = ["--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader", "--bind-to", "none"]

    /// `charlstm train ARGS` in `processes` processes under mpirun (1: without mpirun).
    func train(_ processes: Int, _ args: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        if processes == 1 { return try runTool("charlstm", ["train"] + args, directory: dir, environment: environment) }
        return try runPath(try mpirun(), mpiFlags + ["-np", String(processes), charlstm, "train"] + args,
                           directory: dir, environment: environment)
    }

    func checkpoint(_ path: String) throws -> Checkpoint {
        try CheckpointFile.read(dir.appendingPathComponent(path).path)
    }

    /// max |a − b| / max |a|.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        XCTAssertEqual(a.count, b.count)
        var diff = 0.0, scale = 0.0
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(Double(x) - Double(y)))
            scale = max(scale, abs(Double(x)))
        }
        return diff / scale
    }

    /// The (train, val) bpc of every line of a --log file.
    func loggedLosses(_ path: String) throws -> [(Double, Double)] {
        let text = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return ((o["train_bpc"] as? Double) ?? .nan, (o["val_bpc"] as? Double) ?? .nan)
        }
    }

    func run(_ processes: Int, steps: Int, out: String, extra: [String] = []) throws -> ProcessResult {
        let r = try train(processes, ["corpus.txt", "--steps", String(steps), "--eval-every", "4", "--out", out,
                                      "--log", "\(out).jsonl"] + parallelModel + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r
    }

    /// N processes train the model one process trains: parameters within 1e-5 relative, losses to 4 decimals.
    func assertMatchesOneProcess(_ n: Int, extra: [String] = []) throws {
        _ = try mpirun()
        let one = try run(1, steps: 12, out: "one", extra: extra)
        let many = try run(n, steps: 12, out: "many", extra: extra)
        let a = try checkpoint("one/corpus-latest.ckpt"), b = try checkpoint("many/corpus-latest.ckpt")
        XCTAssertEqual(b.metadata.step, 12)
        XCTAssertLessThanOrEqual(relativeDifference(a.parameters, b.parameters), 1e-5)
        XCTAssertNotEqual(a.parameters, b.parameters, "the summation order differs; identical weights would suggest one process did all the work")
        let la = try loggedLosses("one.jsonl"), lb = try loggedLosses("many.jsonl")
        XCTAssertEqual(la.count, 3)
        XCTAssertEqual(lb.count, la.count)
        for (x, y) in zip(la, lb) {
            XCTAssertEqual(x.0, y.0, accuracy: 5e-5)
            XCTAssertEqual(x.1, y.1, accuracy: 5e-5)
        }
        // Only rank 0 reports: one header naming the processes, one evaluation line each, one summary.
        let lines = many.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("training ") }.count, 1, many.stderr)
        XCTAssertTrue(many.stderr.contains(", \(n) processes × 1 thread\n"), many.stderr)
        XCTAssertEqual(lines.filter { $0.hasPrefix("step ") }.count, 3, many.stderr)
        XCTAssertEqual(lines.filter { $0.hasPrefix("done: ") }.count, 1, many.stderr)
        XCTAssertFalse(one.stderr.contains("processes"), one.stderr)
        // The checkpoint holds the carried state of all 8 streams (L × [h, c] × B × H).
        XCTAssertEqual(b.training?.carriedState.count, 1 * 2 * 8 * 16)
        XCTAssertLessThanOrEqual(relativeDifference(a.training!.carriedState, b.training!.carriedState), 1e-4)
    }

    func testTwoProcessesTrainWhatOneProcessTrains() throws { try assertMatchesOneProcess(2) }

    /// Window dropout masks: every process draws the masks of all B streams (B·H numbers per
    /// layer, as one process does) and uses its share's rows, so N processes train what one does.
    /// Mutations caught: a process drawing only its own B_r·H numbers (the generators drift
    /// apart and the masks differ from one process's), or using rows 0..<B_r of the global mask.
    func testWindowDropoutAcrossProcessesTrainsWhatOneProcessTrains() throws {
        try assertMatchesOneProcess(3, extra: ["--dropout", "0.3", "--dropout-mask", "window"])
        XCTAssertEqual(try checkpoint("many/corpus-latest.ckpt").training?.options.dropoutMask, .window)
    }

    func testEightProcessesTrainWhatOneProcessTrains() throws { try assertMatchesOneProcess(8) }

    /// Weight drop's masks are one per weight, drawn by every process from the same generator:
    /// N processes still train what one process trains. Mutation caught: a process drawing
    /// other masks (e.g. from a generator that depends on its rank) than one process does.
    func testTwoProcessesWithWeightDropTrainWhatOneProcessTrains() throws {
        try assertMatchesOneProcess(2, extra: ["--weight-drop", "0.5"])
        XCTAssertEqual(try checkpoint("many/corpus-latest.ckpt").training?.options.weightDrop, 0.5)
    }

    func testTheSameProcessCountTwiceIsBitIdentical() throws {
        _ = try mpirun()
        _ = try run(2, steps: 8, out: "first")
        _ = try run(2, steps: 8, out: "second")
        let a = try checkpoint("first/corpus-latest.ckpt"), b = try checkpoint("second/corpus-latest.ckpt")
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertEqual(a.training?.moment1, b.training?.moment1)
        XCTAssertEqual(a.training?.carriedState, b.training?.carriedState)
        let la = try loggedLosses("first.jsonl"), lb = try loggedLosses("second.jsonl")
        XCTAssertEqual(la.map(\.0), lb.map(\.0))
        XCTAssertEqual(la.map(\.1), lb.map(\.1))
    }

    /// A run checkpointed with 2 processes resumes in 1, and one from 1 in 2, as the uninterrupted run continues.
    func testResumeAcrossProcessCounts() throws {
        _ = try mpirun()
        _ = try run(1, steps: 16, out: "whole")
        _ = try run(2, steps: 8, out: "two")
        _ = try run(1, steps: 16, out: "two", extra: ["--resume", "two/corpus-latest.ckpt"])
        _ = try run(1, steps: 8, out: "one")
        _ = try run(2, steps: 16, out: "one", extra: ["--resume", "one/corpus-latest.ckpt"])
        let whole = try checkpoint("whole/corpus-latest.ckpt")
        for path in ["two/corpus-latest.ckpt", "one/corpus-latest.ckpt"] {
            let c = try checkpoint(path)
            XCTAssertEqual(c.metadata.step, 16, path)
            XCTAssertLessThanOrEqual(relativeDifference(whole.parameters, c.parameters), 1e-5, path)
        }
    }

    // MARK: - Stops and faults

    /// A NaN in rank 1's gradients alone (debug builds' injection, set for rank 1 only) makes the
    /// reduced gradient NaN on both: they roll back together, as one process does.
    func testNaNOnOneRankRollsBackEveryRank() throws {
        let args = ["train", "corpus.txt", "--steps", "12", "--eval-every", "4", "--out", "two"] + parallelModel
        let r = try runPath(try mpirun(), mpiFlags + ["-np", "1", charlstm] + args
                            + [":", "-np", "1", "/usr/bin/env", "CHARLSTM_DEBUG_INJECT_NAN_AT=6", charlstm] + args,
                            directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = r.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 1, r.stderr)
        XCTAssertTrue(warnings.first?.hasPrefix("warning: step 6: the gradient norm is NaN; rolled back to step 4 and halved the learning rate to 0.001") ?? false, r.stderr)
        let one = try runTool("charlstm", ["train", "corpus.txt", "--steps", "12", "--eval-every", "4", "--out", "one"] + parallelModel,
                              directory: dir, environment: ProcessInfo.processInfo.environment.merging(["CHARLSTM_DEBUG_INJECT_NAN_AT": "6"]) { $1 })
        XCTAssertEqual(one.status, 0, one.stderr)
        let a = try checkpoint("one/corpus-latest.ckpt"), b = try checkpoint("two/corpus-latest.ckpt")
        XCTAssertEqual(b.metadata.step, 12)
        XCTAssertLessThanOrEqual(relativeDifference(a.parameters, b.parameters), 1e-5)
    }

    /// Starts mpirun in the background; returns it once rank 0 has printed an evaluation line.
    func startLongRun(_ box: TextBox, extra: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try mpirun())
        process.arguments = mpiFlags + ["-np", "2", charlstm, "train", "corpus.txt", "--steps", "100000",
                                        "--eval-every", "3", "--out", "out"] + parallelModel + extra
        process.currentDirectoryURL = dir
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        err.fileHandleForReading.readabilityHandler = { h in box.append(h.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !box.value.contains("\nstep ") && Date() < deadline && process.isRunning { usleep(20_000) }
        XCTAssertTrue(box.value.contains("\nstep "), "no progress line: \(box.value)")
        return process
    }

    /// Waits at most `seconds` for `process`; false (and kills it) if it hangs.
    func waitEnds(_ process: Process, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL); return false }
        return true
    }

    func testSIGTERMStopsEveryProcessAtOneStepAndRankZeroSaves() throws {
        let box = TextBox()
        let process = try startLongRun(box, extra: ["--checkpoint-every", "0"])
        kill(process.processIdentifier, SIGTERM)   // mpirun sends SIGTERM to every rank
        XCTAssertTrue(waitEnds(process), "the job hangs after SIGTERM: \(box.value)")
        XCTAssertNotEqual(process.terminationStatus, 0)
        let lines = box.value.split(separator: "\n")
        let stops = lines.filter { $0.hasPrefix("interrupted by SIGTERM at step ") }
        XCTAssertEqual(stops.count, 1, box.value)
        XCTAssertTrue(stops.first?.contains("saved out/corpus-latest.ckpt") ?? false, box.value)
        let c = try checkpoint("out/corpus-latest.ckpt")
        XCTAssertTrue(stops.first?.hasPrefix("interrupted by SIGTERM at step \(c.metadata.step):") ?? false, box.value)
        // It continues in one process.
        let r = try train(1, ["corpus.txt", "--resume", "out/corpus-latest.ckpt", "--steps", String(c.metadata.step + 2),
                              "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        XCTAssertFalse(files.contains { $0.contains("tmp") }, "\(files)")
    }

    /// The ranks of the job started by `process` (mpirun's children on this host).
    func ranks(of process: Process) -> [Int32] {
        let pid = process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { Int32($0) }
    }

    /// A signal to rank 1 alone still stops both processes after the same step: the stop flag
    /// travels in the step's reduction, so rank 0 saves a checkpoint and no process waits.
    func testSIGTERMToOneRankStopsEveryProcess() throws {
        let box = TextBox()
        let process = try startLongRun(box, extra: ["--checkpoint-every", "0"])
        let ranks = ranks(of: process)
        XCTAssertEqual(ranks.count, 2)
        if let rank1 = ranks.last { kill(rank1, SIGTERM) }
        XCTAssertTrue(waitEnds(process), "the job hangs after SIGTERM to one rank: \(box.value)")
        XCTAssertNotEqual(process.terminationStatus, 0)
        let stops = box.value.split(separator: "\n").filter { $0.hasPrefix("interrupted by SIGTERM to another process at step ") }
        XCTAssertEqual(stops.count, 1, box.value)
        let c = try checkpoint("out/corpus-latest.ckpt")
        XCTAssertTrue(stops.first?.hasPrefix("interrupted by SIGTERM to another process at step \(c.metadata.step):") ?? false, box.value)
    }

    func testAKilledProcessEndsTheJobAndTheLastCheckpointResumes() throws {
        let box = TextBox()
        let process = try startLongRun(box, extra: ["--checkpoint-every", "2"])
        let ranks = ranks(of: process)
        XCTAssertEqual(ranks.count, 2, "ranks of mpirun")
        if let victim = ranks.last { kill(victim, SIGKILL) }
        XCTAssertTrue(waitEnds(process), "the job hangs after a rank was killed: \(box.value)")
        XCTAssertNotEqual(process.terminationStatus, 0)
        let c = try checkpoint("out/corpus-latest.ckpt")
        XCTAssertGreaterThan(c.metadata.step, 0)
        let r = try train(1, ["corpus.txt", "--resume", "out/corpus-latest.ckpt", "--steps", String(c.metadata.step + 2),
                              "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    // MARK: - Bad input

    /// The run fails with one charlstm line (`expected`, from rank 0) and writes nothing.
    func assertRefused(_ r: ProcessResult, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        let ours = r.stderr.split(separator: "\n").filter { $0.hasPrefix("charlstm") }
        XCTAssertEqual(ours, [Substring(expected)], r.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path), file: file, line: line)
    }

    func testProcessesStartedWithOtherArgumentsAreRefused() throws {
        let common = ["--steps", "4", "--out", "out"] + parallelModel
        let r = try runPath(try mpirun(), mpiFlags + ["-np", "1", charlstm, "train", "corpus.txt"] + common
                            + [":", "-np", "1", charlstm, "train", "corpus.txt", "--seed", "5"] + common, directory: dir)
        assertRefused(r, "charlstm: error: 1 of the 2 processes were started with other arguments than rank 0; start every process with the same command")
    }

    func testProcessesSeeingAnotherCorpusAreRefused() throws {
        for d in ["a", "b"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        try writeCorpus(dir.appendingPathComponent("a/corpus.txt"), bytes: 30_000, seed: 1)
        try writeCorpus(dir.appendingPathComponent("b/corpus.txt"), bytes: 30_000, seed: 2)
        let args = ["train", "corpus.txt", "--steps", "4", "--out", "../out"] + parallelModel
        let r = try runPath(try mpirun(), mpiFlags + ["-np", "1", "-wdir", dir.appendingPathComponent("a").path, charlstm] + args
                            + [":", "-np", "1", "-wdir", dir.appendingPathComponent("b").path, charlstm] + args, directory: dir)
        assertRefused(r, "charlstm: error: 1 of the 2 processes see a different corpus.txt than rank 0 (size or content); every process must read the same file (a shared file system)")
    }

    func testMissingLibMPIIsOneLine() throws {
        var env = ProcessInfo.processInfo.environment
        env["CHARLSTM_MPI"] = "/nonexistent/libmpi.so.40"
        let r = try runPath(try mpirun(), mpiFlags + ["-x", "CHARLSTM_MPI", "-np", "2", charlstm, "train", "corpus.txt",
                                                      "--steps", "4", "--out", "out"] + parallelModel,
                            directory: dir, environment: env)
        assertRefused(r, "charlstm: error: cannot load Open MPI's libmpi: /nonexistent/libmpi.so.40: cannot open shared object file: No such file or directory; install Open MPI (apt-get install openmpi-bin) or set CHARLSTM_MPI to its libmpi.so")
    }

    func testUnsupportedCombinationsAreOneLine() throws {
        assertRefused(try train(2, ["corpus.txt", "--steps", "4", "--out", "out", "--bidirectional"] + parallelModel),
                      "charlstm: error: --bidirectional is not supported across processes; train a fill model in one process (without mpirun)")
        assertRefused(try train(2, ["corpus.txt", "--steps", "4", "--out", "out", "--dropout", "0.2"] + parallelModel),
                      "charlstm: error: dropout (0.2) with step masks is not supported across processes: each would draw other masks than one process; add --dropout-mask window (drawn alike by every process), train with --dropout 0, or in one process")
        assertRefused(try train(4, ["corpus.txt", "--steps", "4", "--out", "out"] + parallelModel + ["--batch", "2"]),
                      "charlstm: error: --batch 2 gives fewer streams than the 4 processes; give --batch of at least 4 (or use fewer processes)")
        assertRefused(try train(2, ["corpus.txt", "--steps", "0", "--out", "out"]),
                      "charlstm: error: --steps must be between 1 and 1000000000 (got 0)")
    }

    // MARK: - Without mpirun

    /// predict, sample, score and a one-process train never load libmpi, even in an mpirun-like environment.
    func testOtherCommandsNeverLoadLibMPI() throws {
        var env = ProcessInfo.processInfo.environment
        env["CHARLSTM_MPI"] = "/nonexistent/libmpi.so.40"
        env["OMPI_COMM_WORLD_SIZE"] = "2"
        env["OMPI_COMM_WORLD_RANK"] = "0"
        let model = SampleFixture.trained
        let p = try runTool("charlstm", ["predict", "-m", model, "--text", "To be or not to b"], environment: env)
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout, "e\n")
        let s = try runTool("charlstm", ["sample", "-m", model, "--length", "30", "--seed", "1"], environment: env)
        XCTAssertEqual(s.status, 0, s.stderr)
        let c = try runTool("charlstm", ["score", "-m", model], stdin: Data("To be or not to be".utf8), environment: env)
        XCTAssertEqual(c.status, 0, c.stderr)
        // A plain run (no launcher in the environment) loads no libmpi: the dynamic loader lists what it opens.
        var plain = ProcessInfo.processInfo.environment
        plain["LD_DEBUG"] = "libs"
        let t = try runTool("charlstm", ["train", "corpus.txt", "--steps", "2", "--quiet", "--out", "solo"] + parallelModel,
                            directory: dir, environment: plain)
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stderr.contains("libopenblas"), "LD_DEBUG shows the libraries loaded")
        XCTAssertFalse(t.stderr.contains("libmpi"))
    }
}

/// Text appended from a pipe's handler thread.
final class TextBox: @unchecked Sendable {
    let lock = NSLock()
    var text = ""
    func append(_ d: Data) { lock.lock(); text += String(decoding: d, as: UTF8.self); lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}
