// CheckpointOption: `--checkpoint/-m` and `--verbose`, shared by sample,
// predict and score. Which checkpoint is used without `-m` is the library's
// CheckpointSearch (its file lists the order).

import ArgumentParser
import CharLSTM

/// Which checkpoint to use, and whether to say so.
struct CheckpointOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .customLong("checkpoint")],
            help: ArgumentHelp("The checkpoint to use (default: checkpoints/latest.ckpt, else the bundled model).",
                               valueName: "path"))
    var checkpoint: String?

    @Flag(help: "Say on stderr which checkpoint and seed are used.")
    var verbose = false

    init() {}

    /// The checkpoint's path (CheckpointSearch); with --verbose, says which on stderr.
    func resolve() throws -> String { try resolveCheckpoint(checkpoint, verbose: verbose) }

    /// Finds, reads and validates the checkpoint; its steppers work on `threads` compute threads.
    func load(threads: Int) throws -> SamplingModel { try SamplingModel(path: resolve(), threads: threads) }
}

/// The checkpoint's path (`checkpoint`, else CheckpointSearch's order); with
/// `verbose`, says which on stderr.
func resolveCheckpoint(_ checkpoint: String?, verbose: Bool) throws -> String {
    let (path, origin) = try CheckpointSearch(checkpoint: checkpoint).resolve()
    if verbose { noteCheckpoint(path, origin) }
    return path
}

/// --verbose's line on the checkpoint in use and where it came from.
func noteCheckpoint(_ path: String, _ origin: CheckpointOrigin) {
    note("checkpoint \(oneLine(path)) (\(origin == .given ? "--checkpoint" : origin.description))")
}

/// A diagnostic line on stderr: `charlstm: TEXT`.
func note(_ text: String) {
    OutputStream.standardError.line("\(programName): \(text)")
}

/// A warning line on stderr: `charlstm: warning: TEXT`.
func warn(_ text: String) {
    note("warning: " + text)
}

/// The name the program was started as (`charlstm`, `charlstm-sample`).
let programName: String = {
    let arg0 = CommandLine.arguments.first ?? "charlstm"
    return arg0.split(separator: "/").last.map(String.init) ?? "charlstm"
}()
