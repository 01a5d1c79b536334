// CheckpointOption: `--checkpoint/-m` and `--verbose`, shared by sample,
// predict and score, and how a checkpoint is found without `-m`.
//
// Resolution order (first that exists wins):
//   1. --checkpoint/-m PATH
//   (fill only) checkpoints/latest-fill.ckpt (what `charlstm train --bidirectional` last wrote)
//   2. checkpoints/latest.ckpt in the current directory (what `charlstm train` last wrote)
//   3. the bundled model:
//      a. $CHARLSTM_MODEL (a path; set but missing is an error)
//      b. checkpoints/shakespeare.ckpt in the executable's directory or any
//         directory above it (a build in .build/… of a checkout)
//      c. ../share/charlstm/shakespeare.ckpt next to the executable's directory
//         (`make install PREFIX=…` puts it in PREFIX/share/charlstm)

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which checkpoint to use, and whether to say so.
struct CheckpointOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .customLong("checkpoint")],
            help: ArgumentHelp("The checkpoint to use (default: checkpoints/latest.ckpt, else the bundled model).",
                               valueName: "path"))
    var checkpoint: String?

    @Flag(help: "Say on stderr which checkpoint and seed are used.")
    var verbose = false

    init() {}

    /// The same settings as a plain value.
    var locator: CheckpointLocator { CheckpointLocator(checkpoint: checkpoint, verbose: verbose) }

    /// Resolves, reads and validates the checkpoint.
    func load() throws -> SamplingModel { try locator.load() }
}

/// Finds and loads the checkpoint (without ArgumentParser, for the fast path too).
struct CheckpointLocator {
    var checkpoint: String?
    var verbose = false
    /// Look for checkpoints/latest-fill.ckpt first (`charlstm fill`).
    var preferFill = false

    /// The path to use and where it came from, by the order at the top of this file.
    func resolve() throws -> (path: String, origin: String) {
        if let checkpoint { return (checkpoint, "--checkpoint") }
        let latestFill = "checkpoints/latest-fill.ckpt"
        if preferFill && fileExists(latestFill) { return (latestFill, "the latest bidirectional training checkpoint") }
        let latest = "checkpoints/latest.ckpt"
        if fileExists(latest) { return (latest, "the latest training checkpoint") }
        if let env = getenv("CHARLSTM_MODEL").map({ String(cString: $0) }), !env.isEmpty {
            guard fileExists(env) else {
                throw CheckpointNotFound(message: "CHARLSTM_MODEL is set to \(oneLine(env)), which does not exist; "
                                         + "unset it or point it at a checkpoint")
            }
            return (env, "$CHARLSTM_MODEL")
        }
        if let exeDir = executableDirectory() {
            var dir = exeDir
            while true {
                let candidate = (dir == "/" ? "" : dir) + "/checkpoints/shakespeare.ckpt"
                if fileExists(candidate) { return (candidate, "the bundled model") }
                if dir == "/" { break }
                dir = parent(of: dir)
            }
            let installed = parent(of: exeDir) + "/share/charlstm/shakespeare.ckpt"
            if fileExists(installed) { return (installed, "the installed model") }
        }
        throw CheckpointNotFound(message: "no checkpoint found: train one with `charlstm train FILE` "
                                 + "(writes checkpoints/latest.ckpt) or pass one with -m PATH")
    }

    /// Resolves, reads and validates the checkpoint.
    func load() throws -> SamplingModel {
        let (path, origin) = try resolve()
        if verbose { note("checkpoint \(oneLine(path)) (\(origin))") }
        return try SamplingModel(path: path)
    }
}

/// No checkpoint could be found.
struct CheckpointNotFound: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
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

/// The directory of the running executable (from /proc/self/exe), nil if unknown.
private func executableDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: 4097)
    let n = readlink("/proc/self/exe", &buffer, 4096)
    guard n > 0 else { return nil }
    let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return parent(of: path)
}

/// The parent directory of an absolute path ("/" for "/x").
private func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let p = String(path[..<slash])
    return p.isEmpty ? "/" : p
}
