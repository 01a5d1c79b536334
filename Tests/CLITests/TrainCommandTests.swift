// `charlstm train` / `charlstm-train` through the real executables: outputs,
// exact resume, Ctrl-C, NaN recovery, tiny corpora and bad input.
import XCTest
import Foundation
import CharLSTM
#if canImport(Glibc)
import Glibc
#endif

/// Flags for a model small enough to train in well under a second in a debug build.
let tinyModel = ["--layers", "1", "--hidden", "16", "--embed", "8", "--batch", "4", "--seq", "16", "--threads", "1"]

/// Writes `count` bytes of generated English-like text (never committed corpus text).
@discardableResult
func writeCorpus(_ url: URL, bytes count: Int, seed: UInt64 = 3) throws -> URL {
    let words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "and", "then", "runs", "far",
                 "away", "from", "home", "while", "birds", "sing", "in", "trees", "é", "naïve", "café"]
    var rng = RandomGenerator(seed: seed)
    var text = ""
    text.reserveCapacity(count + 16)
    var inLine = 0
    while text.utf8.count < count {
        let w = words[rng.nextInt(below: words.count)]
        text += w
        inLine += 1
        if inLine >= 8 + rng.nextInt(below: 5) { text += ".\n"; inLine = 0 } else { text += " " }
    }
    try Data(text.utf8.prefix(count)).write(to: url)
    return url
}

final class TrainCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
        try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 30_000)
    }

    func train(_ args: [String], tool: String = "charlstm", environment extra: [String: String] = [:]) throws -> ProcessResult {
        try runTool(tool, (tool == "charlstm" ? ["train"] : []) + args, directory: dir,
                    environment: extra.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(extra) { $1 })
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: dir.appendingPathComponent(path).path) }

    func lines(_ s: String) -> [Substring] { s.split(separator: "\n") }

    // MARK: - Outputs

    func testTrainWritesCheckpointsPlotLogAndJSONSummary() throws {
        let r = try train(["corpus.txt", "--steps", "20", "--eval-every", "5", "--log", "run.jsonl", "--json", "--out", "out"] + tinyModel)
        XCTAssertEqual(r.status, 0, r.stderr)
        let err = lines(r.stderr)
        XCTAssertTrue(err[0].hasPrefix("training lstm 1×16 (embed 8, "), String(err[0]))
        XCTAssertTrue(err[0].contains("vocabulary ") && err[0].contains("parameters") && err[0].contains("1 thread"), String(err[0]))
        // Not a terminal: one plain line per evaluation, no carriage returns or colour.
        XCTAssertEqual(err.filter { $0.hasPrefix("step ") }.count, 4, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r") || r.stderr.contains("\u{1B}"))
        XCTAssertTrue(err.last!.hasPrefix("done: step 20"), r.stderr)

        // stdout: exactly one JSON object.
        let summary = try JSONSerialization.jsonObject(with: r.stdoutData) as! [String: Any]
        XCTAssertEqual(summary["status"] as? String, "completed")
        XCTAssertEqual(summary["step"] as? Int, 20)
        XCTAssertNotNil(summary["best_val_bpc"] as? Double)
        XCTAssertEqual(summary["checkpoint"] as? String, "out/latest.ckpt")

        for f in ["out/corpus-latest.ckpt", "out/corpus-best.ckpt", "out/latest.ckpt", "out/corpus-loss.svg", "run.jsonl"] {
            XCTAssertTrue(exists(f), f)
        }
        // latest.ckpt is a regular file (a copy), equal to the best checkpoint.
        let latestURL = dir.appendingPathComponent("out/latest.ckpt")
        let attrs = try FileManager.default.attributesOfItem(atPath: latestURL.path)
        XCTAssertEqual(attrs[.type] as? FileAttributeType, .typeRegular)
        XCTAssertEqual(try Data(contentsOf: latestURL), try Data(contentsOf: dir.appendingPathComponent("out/corpus-best.ckpt")))
        let best = try CheckpointFile.read(dir.appendingPathComponent("out/corpus-best.ckpt").path)
        XCTAssertEqual(best.metadata.bestValBPC, summary["best_val_bpc"] as? Double)

        let svg = try String(contentsOf: dir.appendingPathComponent("out/corpus-loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<polyline id=\"train\"") && svg.contains("<polyline id=\"validation\""))

        let log = try String(contentsOf: dir.appendingPathComponent("run.jsonl"), encoding: .utf8)
        let objects = try lines(log).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects.map { $0["step"] as? Int }, [5, 10, 15, 20])
        for key in ["epoch", "train_bpc", "val_bpc", "lr", "chars_per_s", "elapsed_s"] {
            XCTAssertNotNil(objects[0][key] as? Double, key)
        }
    }

    func testStandaloneExecutableAndQuiet() throws {
        let r = try train(["corpus.txt", "--steps", "4", "--quiet", "--name", "solo", "--out", "o"] + tinyModel, tool: "charlstm-train")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(exists("o/solo-latest.ckpt"))
    }

    func testHelpListsEveryFlagWithItsDefault() throws {
        let r = try train(["--help"])
        XCTAssertEqual(r.status, 0)
        for flag in ["--cell", "--layers", "--hidden", "--embed", "--dropout", "--dropout-mask", "--weight-drop", "--batch", "--seq", "--lr ", "--optimizer",
                     "--lr-decay ", "--lr-decay-every", "--grad-clip", "--steps", "--epochs", "--eval-every",
                     "--checkpoint-every", "--seed", "--threads", "--max-vocab", "--min-count", "--normalize", "--out",
                     "--name", "--resume", "--init-from", "--patience", "--log", "--quiet", "--json", "--val-frac", "--test-frac"] {
            XCTAssertTrue(r.stdout.contains(flag), flag)
        }
        XCTAssertFalse(r.stdout.contains("debug"))
        let options = r.stdout.components(separatedBy: "OPTIONS:")[1]
        // Every option's help (up to the next option) states a default.
        for block in options.components(separatedBy: "\n  --").dropFirst() where !block.hasPrefix("version") {
            XCTAssertTrue(block.contains("default"), "no default in: --\(block)")
        }
    }

    /// The loss plot is replaced with the checkpoints' atomic write (AtomicFile): the old
    /// file's mode is kept, a dead writer's temporary is removed, nothing is left behind,
    /// and a directory in the plot's place is one clear error.
    func testPlotIsWrittenWithTheCheckpointsAtomicWrite() throws {
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let plot = out.appendingPathComponent("corpus-loss.svg").path
        let stale = out.appendingPathComponent(".corpus-loss.svg.tmp-4194305").path   // above pid_max: no such process
        try Data("half a plot".utf8).write(to: URL(fileURLWithPath: stale))
        try Data("an old plot".utf8).write(to: URL(fileURLWithPath: plot))
        XCTAssertEqual(chmod(plot, 0o600), 0)
        let r = try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "out"] + tinyModel)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: plot, encoding: .utf8).hasPrefix("<svg "))
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: plot)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600, "the replaced plot keeps its mode")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "a dead writer's temporary is removed")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertFalse(files.contains { $0.contains("tmp") }, "\(files)")

        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("o2/corpus-loss.svg").path,
                                                withIntermediateDirectories: true)
        let blocked = try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "o2"] + tinyModel)
        XCTAssertEqual(blocked.status, 1)
        XCTAssertEqual(blocked.stderr, "charlstm: error: cannot write o2/corpus-loss.svg: it is a directory; remove it or pick another --out\n")
    }

    /// After renaming the plot into place, its directory is opened and fsync'ed, as for
    /// checkpoints, so the rename survives a power cut (seen with strace).
    func testPlotRenameIsMadeDurableByAnFsyncOfItsDirectory() throws {
        let strace = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: strace) else { throw XCTSkip("needs strace (apt-get install strace)") }
        let tool = productsDirectory().appendingPathComponent("charlstm").path
        let r = try runPath(strace, ["-f", "-e", "trace=openat,fsync,rename", "-o", "trace.txt", tool, "train", "corpus.txt",
                                     "--steps", "2", "--quiet", "--out", "out"] + tinyModel, directory: dir)
        if r.status != 0 && r.stderr.lowercased().contains("ptrace") { throw XCTSkip("strace cannot trace here: \(r.stderr)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        // Each traced call without its "PID " prefix, runs of blanks folded: `fsync(3) = 0`.
        let calls = try String(contentsOf: dir.appendingPathComponent("trace.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ").dropFirst().joined(separator: " ") }
        let renamed = try XCTUnwrap(calls.firstIndex { $0.hasPrefix("rename(") && $0.contains(", \"out/corpus-loss.svg\")") },
                                    calls.joined(separator: "\n"))
        XCTAssertTrue(calls[renamed].hasPrefix("rename(\"out/.corpus-loss.svg.tmp-"), calls[renamed])
        guard calls.count > renamed + 2 else { return XCTFail("nothing after the rename:\n" + calls.joined(separator: "\n")) }
        let opened = calls[renamed + 1]
        XCTAssertTrue(opened.hasPrefix("openat(AT_FDCWD, \"out\", ") && opened.contains("O_DIRECTORY"), opened)
        let fd = try XCTUnwrap(opened.split(separator: "=").last?.trimmingCharacters(in: .whitespaces))
        XCTAssertEqual(calls[renamed + 2], "fsync(\(fd)) = 0")
    }

    /// The training defaults come from the library (TrainingOptions): without flags a run
    /// records seed 1, batch 50 (before a tiny corpus shrinks it: not here), lr 0.002, and
    /// --help states the same numbers.
    func testDefaultsAreTheLibrarysAndHelpSaysSo() throws {
        XCTAssertEqual(try train(["corpus.txt", "--steps", "1", "--quiet", "--out", "d", "--layers", "1", "--hidden", "8",
                                  "--embed", "4", "--seq", "16", "--threads", "1"]).status, 0)
        let o = try XCTUnwrap(try CheckpointFile.read(dir.appendingPathComponent("d/corpus-latest.ckpt").path).training).options
        let library = TrainingOptions()
        XCTAssertEqual(library.seed, 1)
        XCTAssertEqual(o.seed, library.seed)
        XCTAssertEqual(o.batch, library.batch)
        XCTAssertEqual(o.learningRate, library.learningRate)
        XCTAssertEqual(o.gradClip, library.gradClip)
        XCTAssertEqual(o.optimizer, library.optimizer)
        let help = try train(["--help"]).stdout.split(separator: "\n").joined(separator: " ").split(separator: " ").joined(separator: " ")
        for text in ["initialisation and dropout (default: 1).", "Learning rate (default: 0.002).", "Parallel streams per batch, B (default: 50;",
                     "(default: 5; 0 = off)", "Optimizer (default: adam).", "(default: 0.05)."] {
            XCTAssertTrue(help.contains(text), text)
        }
    }

    // MARK: - Exact resume

    func testResumeIsBitwiseIdenticalToAnUninterruptedRun() throws {
        let model = tinyModel + ["--dropout", "0.1", "--eval-every", "5", "--quiet"]
        XCTAssertEqual(try train(["corpus.txt", "--steps", "24", "--out", "straight"] + model).status, 0)
        XCTAssertEqual(try train(["corpus.txt", "--steps", "11", "--out", "split", "--name", "run"] + model).status, 0)
        // Without --out and --name, the resumed run writes where the checkpoint is, under its name.
        let r = try train(["corpus.txt", "--resume", "split/run-latest.ckpt", "--steps", "24",
                           "--eval-every", "5", "--quiet", "--log", "resumed.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // It continued from step 11 rather than starting over: it evaluated only after step 11.
        let logged = try String(contentsOf: dir.appendingPathComponent("resumed.jsonl"), encoding: .utf8)
        XCTAssertEqual(lines(logged).map { $0.split(separator: ",")[0] }, [#"{"step":15"#, #"{"step":20"#, #"{"step":24"#], logged)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoints").path))
        let a = try CheckpointFile.read(dir.appendingPathComponent("straight/corpus-latest.ckpt").path)
        let b = try CheckpointFile.read(dir.appendingPathComponent("split/run-latest.ckpt").path)
        XCTAssertEqual(a.metadata.step, 24)
        XCTAssertEqual(b.metadata.step, 24)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern))
        let ta = try XCTUnwrap(a.training), tb = try XCTUnwrap(b.training)
        XCTAssertEqual(ta.moment1.map(\.bitPattern), tb.moment1.map(\.bitPattern))
        XCTAssertEqual(ta.moment2.map(\.bitPattern), tb.moment2.map(\.bitPattern))
        XCTAssertEqual(ta.rngState, tb.rngState)
        XCTAssertEqual(ta.carriedState.map(\.bitPattern), tb.carriedState.map(\.bitPattern))
        XCTAssertEqual(ta.dataPosition, tb.dataPosition)
    }

    func testInitFromMapsUnknownGraphemesToUnk() throws {
        XCTAssertEqual(try train(["corpus.txt", "--steps", "3", "--quiet", "--out", "base"] + tinyModel).status, 0)
        var text = try String(contentsOfFile: corpus, encoding: .utf8)
        text += " ZZZ ☃☃"
        try text.write(toFile: dir.appendingPathComponent("other.txt").path, atomically: true, encoding: .utf8)
        let r = try train(["other.txt", "--init-from", "base/corpus-latest.ckpt", "--steps", "3", "--quiet", "--out", "tuned",
                           "--batch", "4", "--seq", "16", "--dropout", "0.2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("note: 5 graphemes of other.txt are not in base/corpus-latest.ckpt's vocabulary"), r.stderr)
        let c = try CheckpointFile.read(dir.appendingPathComponent("tuned/other-latest.ckpt").path)
        XCTAssertEqual(c.training?.step, 3)
        XCTAssertEqual(c.config.dropout, 0.2)
    }

    // MARK: - Resume with the command the user typed

    /// The first run's command with --resume added (and a larger --steps) continues the run:
    /// every model, data and optimizer flag equals the checkpoint's, so none is refused, and the
    /// result is bitwise the uninterrupted run's.
    func testResumeAcceptsTheFirstRunsFlags() throws {
        let command = ["corpus.txt", "--seed", "7", "--dropout", "0.1", "--weight-drop", "0.3", "--lr", "0.003", "--optimizer", "rmsprop",
                       "--lr-decay", "0.5", "--lr-decay-every", "4", "--grad-clip", "2", "--val-frac", "0.1", "--test-frac", "0.05",
                       "--normalize", "nfc", "--cell", "lstm", "--max-vocab", "40", "--min-count", "1", "--forget-bias", "drawn",
                       "--recurrent-init", "orthogonal", "--bias-init", "uniform", "--eval-every", "3", "--quiet"] + tinyModel
        XCTAssertEqual(try train(command + ["--steps", "12", "--out", "straight"]).status, 0)
        XCTAssertEqual(try train(command + ["--steps", "6", "--out", "b", "--name", "b"]).status, 0)
        let r = try train(command + ["--steps", "12", "--out", "b", "--name", "b", "--resume", "b/b-latest.ckpt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "note: --forget-bias only sets a new run's initialisation; the resumed run continues from the checkpoint's weights\n"
                       + "note: --recurrent-init only sets a new run's initialisation; the resumed run continues from the checkpoint's weights\n"
                       + "note: --bias-init only sets a new run's initialisation; the resumed run continues from the checkpoint's weights\n")
        let a = try CheckpointFile.read(dir.appendingPathComponent("straight/corpus-latest.ckpt").path)
        let b = try CheckpointFile.read(dir.appendingPathComponent("b/b-latest.ckpt").path)
        XCTAssertEqual(b.metadata.step, 12)
        XCTAssertEqual(a.parameters.map(\.bitPattern), b.parameters.map(\.bitPattern))
        // Without --quiet the header says where the run continues from.
        let more = try train(Array(command.dropLast(tinyModel.count + 1)) + tinyModel
                             + ["--steps", "15", "--out", "b", "--name", "b", "--resume", "b/b-latest.ckpt"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertTrue(more.stderr.contains(", from step 12 to 15, 1 thread\n"), more.stderr)
        XCTAssertTrue(more.stderr.contains("\ndone: step 15 (epoch "), more.stderr)
    }

    /// --weight-drop is stated in the header, kept by the checkpoint (format 1.2) and by a run
    /// resumed without the flag. Mutation caught: the trainer or the checkpoint dropping the setting.
    func testWeightDropIsStatedStoredAndKeptOnResume() throws {
        let r = try train(["corpus.txt", "--steps", "3", "--out", "wd", "--weight-drop", "0.5"] + tinyModel)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("training lstm 1×16 (embed 8, weight drop 0.5, "), r.stderr)
        let path = dir.appendingPathComponent("wd/corpus-latest.ckpt").path
        XCTAssertEqual(try CheckpointFile.read(path).training?.options.weightDrop, 0.5)
        let resumed = try train(["corpus.txt", "--steps", "5", "--resume", "wd/corpus-latest.ckpt"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.hasPrefix("training lstm 1×16 (embed 8, weight drop 0.5, "), resumed.stderr)
        let info = try runTool("charlstm", ["info", "--json", path], directory: dir)
        XCTAssertTrue(info.stdout.contains(#""format_version":"1.2""#), info.stdout)
        // --weight-drop 0 is today's run: the same weights as no flag, a format 1.0 file.
        XCTAssertEqual(try train(["corpus.txt", "--steps", "3", "--quiet", "--out", "zero", "--weight-drop", "0"] + tinyModel).status, 0)
        XCTAssertEqual(try train(["corpus.txt", "--steps", "3", "--quiet", "--out", "none"] + tinyModel).status, 0)
        let zero = try CheckpointFile.read(dir.appendingPathComponent("zero/corpus-latest.ckpt").path)
        let none = try CheckpointFile.read(dir.appendingPathComponent("none/corpus-latest.ckpt").path)
        XCTAssertEqual(zero.parameters.map(\.bitPattern), none.parameters.map(\.bitPattern))
        let zeroInfo = try runTool("charlstm", ["info", "--json", "zero/corpus-latest.ckpt"], directory: dir)
        XCTAssertTrue(zeroInfo.stdout.contains(#""format_version":"1.0""#), zeroInfo.stdout)
    }

    /// --dropout-mask window is stated in the header, kept by the checkpoint (format 1.3) and by a
    /// run resumed without the flag; another value on resume is a conflict; step is the default.
    /// Mutations caught: the CLI not passing the flag on, the trainer or the checkpoint dropping it,
    /// step not being the default (its weights differ from no flag's).
    func testDropoutMaskIsStatedStoredAndKeptOnResume() throws {
        let r = try train(["corpus.txt", "--steps", "3", "--out", "dm", "--dropout", "0.3", "--dropout-mask", "window"] + tinyModel)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("training lstm 1×16 (embed 8, dropout 0.3 (window masks), "), r.stderr)
        let path = dir.appendingPathComponent("dm/corpus-latest.ckpt").path
        XCTAssertEqual(try CheckpointFile.read(path).training?.options.dropoutMask, .window)
        let info = try runTool("charlstm", ["info", "--json", path], directory: dir)
        XCTAssertTrue(info.stdout.contains(#""format_version":"1.3""#), info.stdout)
        let resumed = try train(["corpus.txt", "--steps", "5", "--resume", "dm/corpus-latest.ckpt"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.hasPrefix("training lstm 1×16 (embed 8, dropout 0.3 (window masks), "), resumed.stderr)
        let other = try train(["corpus.txt", "--steps", "7", "--resume", "dm/corpus-latest.ckpt", "--dropout-mask", "step"])
        XCTAssertEqual(other.status, 1)
        XCTAssertEqual(other.stderr, "charlstm: error: --dropout-mask step conflicts with the checkpoint's window "
                                     + "(a resumed run keeps the checkpoint's settings; use --init-from to start a new run from its weights)\n")
        // step is the default: the same weights as no flag, a format 1.0 file; window trains otherwise.
        for (out, flags) in [("step", ["--dropout-mask", "step"]), ("none", []), ("window", ["--dropout-mask", "window"])] {
            let run = try train(["corpus.txt", "--steps", "3", "--quiet", "--out", out, "--dropout", "0.3"] + flags + tinyModel)
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let step = try CheckpointFile.read(dir.appendingPathComponent("step/corpus-latest.ckpt").path)
        let none = try CheckpointFile.read(dir.appendingPathComponent("none/corpus-latest.ckpt").path)
        let window = try CheckpointFile.read(dir.appendingPathComponent("window/corpus-latest.ckpt").path)
        XCTAssertEqual(step.parameters.map(\.bitPattern), none.parameters.map(\.bitPattern))
        XCTAssertNotEqual(window.parameters, none.parameters)
        let stepInfo = try runTool("charlstm", ["info", "--json", "step/corpus-latest.ckpt"], directory: dir)
        XCTAssertTrue(stepInfo.stdout.contains(#""format_version":"1.0""#), stepInfo.stdout)
    }

    /// Window masks without dropout would change nothing: refused with one line, nothing written,
    /// whether the dropout of 0 is the default, given, or an --init-from checkpoint's.
    /// Mutation caught: the check removed (the run would start and say nothing).
    func testWindowMasksWithoutDropoutAreRefused() throws {
        let line = "charlstm: error: --dropout-mask window needs dropout above 0 (the model's dropout is 0, so there is no mask to keep); give --dropout P, e.g. 0.3, or leave out --dropout-mask\n"
        try assertRefused(["corpus.txt", "--dropout-mask", "window"], line)
        try assertRefused(["corpus.txt", "--dropout-mask", "window", "--dropout", "0"], line)
        XCTAssertEqual(try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "base"] + tinyModel).status, 0)
        try assertRefused(["corpus.txt", "--init-from", "base/corpus-latest.ckpt", "--dropout-mask", "window"], line)
        // With the checkpoint's dropout replaced by --dropout, fine-tuning with window masks runs.
        let tuned = try train(["corpus.txt", "--init-from", "base/corpus-latest.ckpt", "--steps", "2", "--quiet", "--out", "tuned",
                               "--dropout", "0.2", "--dropout-mask", "window", "--threads", "1", "--batch", "4", "--seq", "16"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertEqual(try CheckpointFile.read(dir.appendingPathComponent("tuned/corpus-latest.ckpt").path).training?.options.dropoutMask, .window)
    }

    /// A corpus too small for --batch 50 --seq 100 ran with less; the same flags resume it.
    func testResumeAcceptsTheBatchFlagsThatTheCorpusShrank() throws {
        try writeCorpus(dir.appendingPathComponent("tiny.txt"), bytes: 2_000)
        let command = ["tiny.txt", "--batch", "50", "--seq", "100", "--hidden", "8", "--embed", "4", "--layers", "1",
                       "--quiet", "--out", "o", "--threads", "1"]
        XCTAssertEqual(try train(command + ["--steps", "2"]).status, 0)
        let r = try train(command + ["--steps", "4", "--resume", "o/tiny-latest.ckpt"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try CheckpointFile.read(dir.appendingPathComponent("o/tiny-latest.ckpt").path).metadata.step, 4)
        let saved = try XCTUnwrap(CheckpointFile.read(dir.appendingPathComponent("o/tiny-latest.ckpt").path).training).options
        let other = try train(command + ["--steps", "6", "--resume", "o/tiny-latest.ckpt", "--batch", "2"])
        XCTAssertEqual(other.status, 1)
        XCTAssertEqual(other.stderr, "charlstm: error: --batch 2 conflicts with the checkpoint's \(saved.batch) "
                                     + "(a resumed run keeps the checkpoint's settings; use --init-from to start a new run from its weights)\n")
    }

    /// Every flag the checkpoint fixes, given another value: one line naming both values, exit 1, nothing written.
    func testResumeRefusesEachConflictNamingBothValues() throws {
        XCTAssertEqual(try train(["corpus.txt", "--steps", "3", "--seed", "7", "--quiet", "--out", "base"] + tinyModel).status, 0)
        let hint = " (a resumed run keeps the checkpoint's settings; use --init-from to start a new run from its weights)"
        let ckpt = dir.appendingPathComponent("base/corpus-latest.ckpt")
        let before = try Data(contentsOf: ckpt)
        let cases: [([String], String)] = [
            (["--hidden", "32"], "--hidden 32 conflicts with the checkpoint's 16"),
            (["--layers", "2"], "--layers 2 conflicts with the checkpoint's 1"),
            (["--embed", "4"], "--embed 4 conflicts with the checkpoint's 8"),
            (["--cell", "gru"], "--cell gru conflicts with the checkpoint's lstm"),
            (["--bidirectional"], "--bidirectional conflicts with the checkpoint's left-to-right model"),
            (["--normalize", "none"], "--normalize none conflicts with the checkpoint's nfc"),
            (["--dropout", "0.25"], "--dropout 0.25 conflicts with the checkpoint's 0"),
            (["--weight-drop", "0.25"], "--weight-drop 0.25 conflicts with the checkpoint's 0"),
            (["--dropout-mask", "window"], "--dropout-mask window conflicts with the checkpoint's step"),
            (["--lr", "0.0015"], "--lr 0.0015 conflicts with the checkpoint's 0.002"),
            (["--optimizer", "sgd"], "--optimizer sgd conflicts with the checkpoint's adam"),
            (["--lr-decay", "0.97"], "--lr-decay 0.97 conflicts with the checkpoint's 1"),
            (["--lr-decay-every", "100"], "--lr-decay-every 100 conflicts with the checkpoint's 0"),
            (["--grad-clip", "1"], "--grad-clip 1 conflicts with the checkpoint's 5"),
            (["--seed", "8"], "--seed 8 conflicts with the checkpoint's 7"),
            (["--val-frac", "0.1"], "--val-frac 0.1 conflicts with the checkpoint's 0.05"),
            (["--test-frac", "0"], "--test-frac 0 conflicts with the checkpoint's 0.05"),
            (["--batch", "8"], "--batch 8 conflicts with the checkpoint's 4"),
            (["--seq", "20"], "--seq 20 conflicts with the checkpoint's 16"),
            (["--max-vocab", "10"], "--max-vocab 10 conflicts with the checkpoint's vocabulary: on corpus.txt it gives 10 entries, not the checkpoint's 32"),
            (["--hidden", "16", "--layers", "3", "--seed", "1"],
             "--layers 3 conflicts with the checkpoint's 1; --seed 1 conflicts with the checkpoint's 7"),
        ]
        for (flags, message) in cases {
            let r = try train(["corpus.txt", "--resume", "base/corpus-latest.ckpt", "--steps", "6", "--out", "never", "--log", "never.jsonl"] + flags)
            XCTAssertEqual(r.status, 1, "\(flags)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr, "charlstm: error: " + message + hint + "\n")
            XCTAssertFalse(exists("never") || exists("never.jsonl"), "\(flags) wrote files")
        }
        XCTAssertEqual(try Data(contentsOf: ckpt), before)
    }

    /// --steps counts from the start of the run: a target not above the checkpoint's step is refused
    /// with a line that says so, before anything is written.
    func testResumeWithNothingToDoSaysWhy() throws {
        try writeCorpus(dir.appendingPathComponent("small.txt"), bytes: 2_500)
        let first = try train(["small.txt", "--steps", "40", "--eval-every", "20", "--out", "o"] + tinyModel)
        XCTAssertEqual(first.status, 0, first.stderr)
        let header = String(lines(first.stderr)[0])
        let perEpoch = try XCTUnwrap(Int(header.components(separatedBy: ", ").first { $0.hasSuffix(" steps/epoch") }!
                                            .dropLast(" steps/epoch".count)))
        XCTAssertLessThan(perEpoch, 40)
        let ckpt = dir.appendingPathComponent("o/small-latest.ckpt")
        let before = try Data(contentsOf: ckpt)
        let cases: [([String], String)] = [
            (["--steps", "30"], "nothing to do: --steps 30 is not above the checkpoint's step 40 "
                                + "(--steps counts from the start of the run: --steps 70 trains 30 more)"),
            (["--steps", "40"], "nothing to do: --steps 40 is not above the checkpoint's step 40 "
                                + "(--steps counts from the start of the run: --steps 80 trains 40 more)"),
            ([], "nothing to do: the checkpoint's run is complete at step 40 of 40; "
                 + "give --steps above 40 to train further (--steps counts from the start of the run)"),
            (["--epochs", "1"], "nothing to do: --epochs 1 ends at step \(perEpoch), not above the checkpoint's step 40 "
                                + "(--epochs counts from the start of the run)"),
        ]
        for (flags, message) in cases {
            let r = try train(["small.txt", "--resume", "o/small-latest.ckpt", "--log", "never.jsonl", "--json"] + flags)
            XCTAssertEqual(r.status, 1, "\(flags)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertEqual(r.stderr, "charlstm: error: " + message + "\n")
            XCTAssertFalse(exists("never.jsonl"), "\(flags) wrote the log")
        }
        XCTAssertEqual(try Data(contentsOf: ckpt), before)
        // One step above is work to do.
        let r = try train(["small.txt", "--resume", "o/small-latest.ckpt", "--steps", "41", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try CheckpointFile.read(ckpt.path).metadata.step, 41)
    }

    /// --init-from keeps the checkpoint's shape: equal shape flags are accepted, others refused naming both values.
    func testInitFromAcceptsTheCheckpointsShapeAndRefusesAnother() throws {
        XCTAssertEqual(try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "base"] + tinyModel).status, 0)
        let ok = try train(["corpus.txt", "--init-from", "base/corpus-latest.ckpt", "--steps", "2", "--quiet", "--out", "tuned",
                            "--cell", "lstm", "--normalize", "nfc", "--lr", "0.01"] + tinyModel)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try CheckpointFile.read(dir.appendingPathComponent("tuned/corpus-latest.ckpt").path).training?.options.learningRate, 0.01)
        let r = try train(["corpus.txt", "--init-from", "base/corpus-latest.ckpt", "--hidden", "32", "--cell", "gru", "--out", "never"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: --cell gru conflicts with the checkpoint's lstm; --hidden 32 conflicts with the checkpoint's 16 "
                                 + "(--init-from keeps the checkpoint's model shape and vocabulary)\n")
        XCTAssertFalse(exists("never"))
    }

    // MARK: - Ctrl-C and SIGTERM

    func interrupt(with signal: Int32, expecting status: Int32, name: String) throws {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("charlstm")
        process.arguments = ["train", "corpus.txt", "--steps", "100000", "--eval-every", "3", "--checkpoint-every", "0",
                             "--out", "out"] + tinyModel
        process.currentDirectoryURL = dir
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var text = ""
            func append(_ d: Data) { lock.lock(); text += String(decoding: d, as: UTF8.self); lock.unlock() }
            var value: String { lock.lock(); defer { lock.unlock() }; return text }
        }
        let box = Box()
        err.fileHandleForReading.readabilityHandler = { h in box.append(h.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !box.value.contains("\nstep ") && Date() < deadline && process.isRunning { usleep(20_000) }
        XCTAssertTrue(box.value.contains("\nstep "), "no progress line: \(box.value)")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        let rest = err.fileHandleForReading.readDataToEndOfFile()
        box.append(rest)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, status, box.value)
        let last = box.value.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("interrupted by \(name) at step "), last)
        XCTAssertTrue(last.contains("saved out/corpus-latest.ckpt"), last)
        XCTAssertTrue(last.contains("--resume out/corpus-latest.ckpt"), last)
        let c = try CheckpointFile.read(dir.appendingPathComponent("out/corpus-latest.ckpt").path)
        XCTAssertGreaterThan(c.metadata.step, 0)
        XCTAssertNotNil(c.training)
        // No temporary file left behind.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        XCTAssertFalse(files.contains { $0.contains("tmp") }, "\(files)")
    }

    func testSIGINTSavesAndExits130() throws {
        try interrupt(with: SIGINT, expecting: 130, name: "SIGINT")
    }

    func testSIGTERMSavesAndExits143() throws {
        try interrupt(with: SIGTERM, expecting: 143, name: "SIGTERM")
    }

    // MARK: - Divergence

    func testNaNIsRolledBackAndTrainingContinues() throws {
        let r = try train(["corpus.txt", "--steps", "12", "--eval-every", "4", "--out", "out"] + tinyModel,
                          environment: ["CHARLSTM_DEBUG_INJECT_NAN_AT": "6"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let warnings = lines(r.stderr).filter { $0.hasPrefix("warning:") }
        XCTAssertEqual(warnings.count, 1, r.stderr)
        XCTAssertTrue(warnings[0].hasPrefix("warning: step 6: the gradient norm is NaN; rolled back to step 4 and halved the learning rate to 0.001"),
                      String(warnings[0]))
        let c = try CheckpointFile.read(dir.appendingPathComponent("out/corpus-latest.ckpt").path)
        XCTAssertEqual(c.metadata.step, 12)
        XCTAssertTrue(c.parameters.allSatisfy(\.isFinite))
        XCTAssertEqual(c.training?.learningRate, 0.001)
    }

    func testGivesUpAfterThreeFailuresWithoutSavingPoison() throws {
        let r = try train(["corpus.txt", "--steps", "12", "--eval-every", "4", "--checkpoint-every", "1", "--quiet", "--out", "out"]
                          + tinyModel, environment: ["CHARLSTM_DEBUG_INJECT_NAN_AT": "6,6,6"])
        XCTAssertEqual(r.status, 1)
        let err = lines(r.stderr)
        XCTAssertEqual(err.filter { $0.hasPrefix("warning:") }.count, 2, r.stderr)
        XCTAssertTrue(err.last!.hasPrefix("charlstm: error: training diverged 3 times in a row"), r.stderr)
        XCTAssertTrue(err.last!.hasSuffix("; restart with a lower --lr, a lower --grad-clip or a smaller model"), r.stderr)
        // The last checkpoint on disk is the last good one (step 5).
        let c = try CheckpointFile.read(dir.appendingPathComponent("out/corpus-latest.ckpt").path)
        XCTAssertEqual(c.metadata.step, 5)
        XCTAssertTrue(c.parameters.allSatisfy(\.isFinite))
    }

    // MARK: - Tiny corpora

    func testTinyCorpusShrinksBatchAndSaysSo() throws {
        try writeCorpus(dir.appendingPathComponent("tiny.txt"), bytes: 2_000)
        let r = try train(["tiny.txt", "--steps", "2", "--hidden", "8", "--embed", "4", "--layers", "1", "--quiet", "--out", "o"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("note: the corpus is too small for --batch 50 --seq 100 ("), r.stderr)
        XCTAssertTrue(r.stderr.contains("using --batch "), r.stderr)
        let c = try CheckpointFile.read(dir.appendingPathComponent("o/tiny-latest.ckpt").path)
        XCTAssertLessThan(c.training!.options.batch * c.training!.options.seqLength, 50 * 100)
    }

    // MARK: - Bad input: exit 1, one line on stderr, nothing on stdout, nothing written

    func assertRefused(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try train(args + ["--out", "never"])
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        XCTAssertEqual(lines(r.stderr).count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: "), r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected), "expected '\(expected)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(exists("never"), "--out was created", file: file, line: line)
    }

    /// The library's training errors are typed values; the CLI words them with the flag that fixes
    /// them. Mutation caught: TrainingError+CLI.swift falling back to the library's description
    /// (no flag) for any of these cases, or TrainCommand not mapping setup errors.
    func testRefusalsNameTheFlagsThatFixThem() throws {
        let first = try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "o"] + tinyModel)
        XCTAssertEqual(first.status, 0, first.stderr)
        let export = try runTool("charlstm", ["export", "o/corpus-latest.ckpt", "slim.ckpt", "--weights-only"], directory: dir)
        XCTAssertEqual(export.status, 0, export.stderr)
        var r = try train(["corpus.txt", "--resume", "slim.ckpt", "--out", "never"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "charlstm: error: cannot resume from slim.ckpt: it holds no training state "
                       + "(a weights-only export); use --init-from to fine-tune from it\n")
        try writeCorpus(dir.appendingPathComponent("crumb.txt"), bytes: 40)
        try assertRefused(["crumb.txt"], "; use a larger corpus or a larger --val-frac\n")
        r = try train(["corpus.txt", "--hidden", "4096", "--layers", "8", "--batch", "4096", "--seq", "10000", "--out", "never"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: model too large: training it needs about "), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix(" GB; lower --hidden, --layers, --batch or --seq\n"), r.stderr)
        XCTAssertFalse(exists("never"))
    }

    func testBadCorpusFiles() throws {
        try assertRefused(["missing.txt"], "missing.txt: no such file")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: true)
        try assertRefused(["folder"], "is a directory")
        try Data().write(to: dir.appendingPathComponent("empty.txt"))
        try assertRefused(["empty.txt"], "input is empty")
        try Data([0x68, 0x69, 0xFF, 0xFE, 0x20] + Array(repeating: 0x61, count: 100)).write(to: dir.appendingPathComponent("latin1.txt"))
        try assertRefused(["latin1.txt"], "invalid UTF-8 at byte offset 2")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00] + Array(repeating: 0, count: 200)).write(to: dir.appendingPathComponent("prog.bin"))
        try assertRefused(["prog.bin"], "binary file")
        try writeCorpus(dir.appendingPathComponent("small.txt"), bytes: 150)
        try assertRefused(["small.txt"], "need at least 340 graphemes (2 validation windows of 8 steps)")
        // Failures root gets too: a path under a regular file, and a symbolic-link loop.
        try assertRefused(["corpus.txt/inner.txt"], "corpus.txt/inner.txt: no such file")
        XCTAssertEqual(symlink("loop.txt", dir.appendingPathComponent("loop.txt").path), 0)
        try assertRefused(["loop.txt"], "loop.txt: cannot be read (Too many levels of symbolic links)")
        if getuid() != 0 {
            let url = try writeCorpus(dir.appendingPathComponent("secret.txt"), bytes: 5000)
            chmod(url.path, 0)
            try assertRefused(["secret.txt"], "cannot be read")
        }
    }

    func testBadFlags() throws {
        try assertRefused(["corpus.txt", "--hidden", "0"], "--hidden must be between 1 and 8192 (got 0)")
        try assertRefused(["corpus.txt", "--layers=-2"], "--layers must be between 1")
        try assertRefused(["corpus.txt", "--hidden", "100000000"], "--hidden must be between 1 and 8192")
        try assertRefused(["corpus.txt", "--batch", "0"], "--batch must be between 1")
        try assertRefused(["corpus.txt", "--seq", "999999"], "--seq must be between 1")
        try assertRefused(["corpus.txt", "--lr=-1"], "--lr must be above 0")
        try assertRefused(["corpus.txt", "--lr", "nan"], "--lr must be above 0")
        try assertRefused(["corpus.txt", "--dropout", "1"], "--dropout must be at least 0 and below 1")
        try assertRefused(["corpus.txt", "--weight-drop", "1"],
                          "charlstm: error: --weight-drop must be at least 0 and below 1 (got 1.0); try 0.25-0.5, or 0 for off\n")
        try assertRefused(["corpus.txt", "--weight-drop=-0.1"],
                          "charlstm: error: --weight-drop must be at least 0 and below 1 (got -0.1); try 0.25-0.5, or 0 for off\n")
        try assertRefused(["corpus.txt", "--weight-drop", "x"], "charlstm: error: The value 'x' is invalid for '--weight-drop <p>'\n")
        try assertRefused(["corpus.txt", "--dropout", "0.3", "--dropout-mask", "time"], "charlstm: error: The value 'time' is invalid for '--dropout-mask <step|window>'")
        try assertRefused(["corpus.txt", "--val-frac", "0.7"], "--val-frac must be above 0 and at most 0.5")
        try assertRefused(["corpus.txt", "--val-frac", "0.5", "--test-frac", "0.45"], "must leave at least 10%")
        try assertRefused(["corpus.txt", "--steps", "10", "--epochs", "2"], "--steps and --epochs conflict")
        try assertRefused(["corpus.txt", "--steps", "0"], "--steps must be between 1")
        try assertRefused(["corpus.txt", "--threads", "0"], "--threads must be between 1")
        try assertRefused(["corpus.txt", "--cell", "transformer"], "--cell")
        try assertRefused(["corpus.txt", "--name", "a/b"], "--name must be a non-empty file name")
        try assertRefused(["corpus.txt", "--resume", "x.ckpt", "--init-from", "y.ckpt"], "--resume and --init-from conflict")
        try assertRefused(["corpus.txt", "--init-from", "x.ckpt", "--max-vocab", "30"], "--max-vocab cannot be combined with --init-from: the checkpoint fixes the vocabulary")
        try assertRefused(["corpus.txt", "--hidden", "8192", "--layers", "64", "--batch", "4096"], "model too large")
        try assertRefused(["corpus.txt", "--forget-bias", "one"], "--forget-bias must be a number or 'drawn' (got 'one')")
        try assertRefused(["corpus.txt", "--forget-bias", "0", "--init-from", "x.ckpt"], "--forget-bias sets the initialisation of a new run; it cannot be combined with --init-from")
        try assertRefused(["corpus.txt", "--forget-bias", "0", "--cell", "gru"], "--forget-bias applies to LSTM cells only (got --cell gru)")
        try assertRefused(["corpus.txt", "--recurrent-init", "identity"], "--recurrent-init")
        try assertRefused(["corpus.txt", "--recurrent-init", "orthogonal", "--init-from", "x.ckpt"], "--recurrent-init sets the initialisation of a new run; it cannot be combined with --init-from")
        try assertRefused(["corpus.txt", "--bias-init", "zero"], "--bias-init")
        try assertRefused(["corpus.txt", "--bias-init", "uniform", "--init-from", "x.ckpt"], "--bias-init sets the initialisation of a new run; it cannot be combined with --init-from")
        // The tests' NaN injection is no flag (a debug build's environment variable instead).
        try assertRefused(["corpus.txt", "--debug-inject-nan-at", "6"], "Unknown option '--debug-inject-nan-at'")
    }

    /// The forget-gate biases start drawn like the other biases by default (docs/training.md,
    /// "Choosing the initialisation"): |b| ≤ 2/√H with the default `--bias-init pytorch`,
    /// |b| ≤ 1/√H with `uniform`; or at the given value. One Adam step moves each by at
    /// most about lr.
    func testForgetBiasSetsTheInitialForgetGateBiases() throws {
        func forgetBiases(_ extra: [String], out: String) throws -> [Float] {
            let r = try train(["corpus.txt", "--steps", "1", "--quiet", "--out", out] + tinyModel + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let c = try CheckpointFile.read(dir.appendingPathComponent("\(out)/corpus-latest.ckpt").path)
            let bias = ParameterLayout(c.config).layers[0].bias
            let H = c.config.hidden
            return (H..<(2 * H)).map { c.parameters[bias.offset + $0] }
        }
        for b in try forgetBiases(["--forget-bias", "1"], out: "one") { XCTAssertEqual(b, 1, accuracy: 0.01) }
        for b in try forgetBiases(["--forget-bias=-0.5"], out: "half") { XCTAssertEqual(b, -0.5, accuracy: 0.01) }
        let drawnUniform = try forgetBiases(["--forget-bias", "drawn", "--bias-init", "uniform"], out: "drawn-uniform")
        for b in drawnUniform { XCTAssertLessThanOrEqual(abs(b), 0.25 + 0.01) }   // 1/√16
        XCTAssertGreaterThan(Set(drawnUniform).count, drawnUniform.count / 2, "drawn biases should differ")
        let drawn = try forgetBiases(["--forget-bias", "drawn"], out: "drawn")
        for b in drawn { XCTAssertLessThanOrEqual(abs(b), 0.5 + 0.01) }   // 2/√16
        XCTAssertGreaterThan(Set(drawn).count, drawn.count / 2, "drawn biases should differ")
        XCTAssertEqual(try forgetBiases([], out: "default"), drawn, "the default is drawn")
    }

    /// `--bias-init` reaches the model: with `uniform` every recurrent-layer bias starts
    /// within ±1/√H = ±0.25, with `pytorch` (the default, bit for bit) within ±2/√H and some
    /// beyond ±1/√H; one Adam step moves each by about lr = 0.002. Mutations caught: the
    /// flag dropped by TrainCommand, TrainingSetup or the Trainer; the default not pytorch.
    func testBiasInitSetsTheInitialBiases() throws {
        func run(_ extra: [String], out: String) throws -> (biases: [Float], parameters: [Float]) {
            let r = try train(["corpus.txt", "--steps", "1", "--quiet", "--out", out] + tinyModel + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let c = try CheckpointFile.read(dir.appendingPathComponent("\(out)/corpus-latest.ckpt").path)
            let bias = ParameterLayout(c.config).layers[0].bias
            return (bias.range.map { c.parameters[$0] }, c.parameters)
        }
        let uniform = try run(["--bias-init", "uniform"], out: "uniform")
        let pytorch = try run(["--bias-init", "pytorch"], out: "pytorch")
        for b in uniform.biases { XCTAssertLessThanOrEqual(abs(b), 0.25 + 0.01) }
        for b in pytorch.biases { XCTAssertLessThanOrEqual(abs(b), 0.5 + 0.01) }
        XCTAssertGreaterThan(pytorch.biases.map(abs).max()!, 0.3)
        XCTAssertEqual(try run([], out: "default").parameters, pytorch.parameters, "the default is pytorch")
    }

    /// `--recurrent-init orthogonal` starts every gate block of W_h orthogonal; after one Adam
    /// step (each weight moves by about lr = 0.002) WᵀW is still I within 0.03, which the
    /// default's uniform weights (|w| ≤ 1/√H, columns of norm² about 1/3) are far from.
    /// Mutations caught: the flag not reaching the Trainer (TrainCommand or TrainingSetup
    /// dropping it), the orthogonal blocks not orthogonal.
    func testRecurrentInitOrthogonalStartsOrthogonal() throws {
        func worstError(_ extra: [String], out: String) throws -> Double {
            let r = try train(["corpus.txt", "--steps", "1", "--quiet", "--out", out] + tinyModel + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let c = try CheckpointFile.read(dir.appendingPathComponent("\(out)/corpus-latest.ckpt").path)
            let wh = ParameterLayout(c.config).layers[0].wh
            let (H, G) = (c.config.hidden, c.config.cell.gateCount)
            var worst = 0.0
            for g in 0..<G {
                for i in 0..<H {
                    for j in 0..<H {
                        var dot = 0.0
                        for k in 0..<H {
                            dot += Double(c.parameters[wh.offset + k * G * H + g * H + i] * c.parameters[wh.offset + k * G * H + g * H + j])
                        }
                        worst = max(worst, abs(dot - (i == j ? 1 : 0)))
                    }
                }
            }
            return worst
        }
        XCTAssertLessThan(try worstError(["--recurrent-init", "orthogonal"], out: "orthogonal"), 0.03)
        XCTAssertGreaterThan(try worstError(["--recurrent-init", "uniform"], out: "uniform"), 0.3)
    }

    func testBadCheckpoints() throws {
        try assertRefused(["corpus.txt", "--resume", "nope.ckpt"], "nope.ckpt: no such file")
        try Data("not a checkpoint at all, just some text".utf8).write(to: dir.appendingPathComponent("junk.ckpt"))
        try assertRefused(["corpus.txt", "--resume", "junk.ckpt"], "junk.ckpt: not a charlstm checkpoint")
        try assertRefused(["corpus.txt", "--init-from", "junk.ckpt"], "junk.ckpt: not a charlstm checkpoint")
        // A real checkpoint, truncated, and one trained on another corpus.
        XCTAssertEqual(try train(["corpus.txt", "--steps", "2", "--quiet", "--out", "base"] + tinyModel).status, 0)
        let good = try Data(contentsOf: dir.appendingPathComponent("base/corpus-latest.ckpt"))
        try good.prefix(good.count / 2).write(to: dir.appendingPathComponent("cut.ckpt"))
        try assertRefused(["corpus.txt", "--resume", "cut.ckpt"], "cut.ckpt: truncated")
        try writeCorpus(dir.appendingPathComponent("short.txt"), bytes: 400)
        try assertRefused(["short.txt", "--resume", "base/corpus-latest.ckpt"], "cannot resume from base/corpus-latest.ckpt")
    }

    func testOutputNotWritable() throws {
        try Data("x".utf8).write(to: dir.appendingPathComponent("plainfile"))
        let r = try train(["corpus.txt", "--steps", "2", "--out", "plainfile/sub"] + tinyModel)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: cannot write plainfile/sub: plainfile is not a directory"), r.stderr)
        // Worded with the flag by the CLI (TrainingError+CLI.swift), not by the library.
        XCTAssertEqual(r.stderr, "charlstm: error: cannot write plainfile/sub: plainfile is not a directory; pick another --out\n")
        let log = try train(["corpus.txt", "--steps", "2", "--out", "o2", "--log", "nodir/run.jsonl"] + tinyModel)
        XCTAssertEqual(log.status, 1)
        XCTAssertEqual(lines(log.stderr).count, 1, log.stderr)
        XCTAssertTrue(log.stderr.contains("cannot write nodir/run.jsonl"), log.stderr)
        XCTAssertTrue(log.stderr.hasSuffix("; pick another --log path\n"), log.stderr)
        XCTAssertFalse(exists("o2"))
    }

    /// A write failure (here a 512-byte file-size limit) is one clear error, and the
    /// checkpoints written before stay intact and loadable.
    func testWriteFailureKeepsThePreviousCheckpoint() throws {
        XCTAssertEqual(try train(["corpus.txt", "--steps", "4", "--quiet", "--out", "out"] + tinyModel).status, 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("out/corpus-latest.ckpt"))
        let tool = productsDirectory().appendingPathComponent("charlstm").path
        let r = try runPath("/bin/sh", ["-c", "ulimit -f 1; exec \"$0\" \"$@\"", tool, "train", "corpus.txt",
                                           "--resume", "out/corpus-latest.ckpt", "--steps", "8", "--eval-every", "2",
                                           "--quiet", "--out", "out"], directory: dir)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: cannot write out/corpus-best.ckpt: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("unchanged"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out/corpus-latest.ckpt")), before)
        XCTAssertEqual(try CheckpointFile.read(dir.appendingPathComponent("out/corpus-best.ckpt").path).metadata.step, 4)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path)
        XCTAssertFalse(files.contains { $0.contains("tmp") }, "\(files)")
    }
}
