// CheckpointSearch: which checkpoint sample, predict, score and fill use
// when none is given.
//
// Search order (first that exists wins):
//   1. the path given (-m/--checkpoint)
//   (fill only) checkpoints/latest-fill.ckpt (what `charlstm train --bidirectional` last wrote)
//   2. checkpoints/latest.ckpt in the current directory (what `charlstm train` last wrote)
//   3. the bundled model:
//      a. $CHARLSTM_MODEL (a path; set but missing is an error)
//      b. checkpoints/shakespeare.ckpt in the executable's directory or any
//         directory above it (a build in .build/… of a checkout)
//      c. ../share/charlstm/shakespeare.ckpt next to the executable's directory
//         (`make install PREFIX=…` puts it in PREFIX/share/charlstm)

import CharLSTMSupport
import CharLSTMText
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds the checkpoint to use by the order above.
package struct CheckpointSearch: Sendable {
    /// The path given explicitly (wins over everything).
    package var checkpoint: String?
    /// Look for checkpoints/latest-fill.ckpt first (`charlstm fill`).
    package var preferFill: Bool
    /// The value of $CHARLSTM_MODEL (nil or empty: unset).
    package var modelVariable: String?
    /// The directory of the running executable (nil: unknown; skips 3b and 3c).
    package var executableDirectory: String?

    /// By default, the environment's $CHARLSTM_MODEL and the running executable's directory.
    package init(checkpoint: String?, preferFill: Bool = false,
                modelVariable: String? = getenv("CHARLSTM_MODEL").map { String(cString: $0) },
                executableDirectory: String? = CheckpointSearch.runningExecutableDirectory()) {
        self.checkpoint = checkpoint
        self.preferFill = preferFill
        self.modelVariable = modelVariable
        self.executableDirectory = executableDirectory
    }

    /// The path to use and where it came from ("--checkpoint", "the bundled model", …),
    /// relative paths against the current directory.
    package func resolve() throws(CheckpointNotFound) -> (path: String, origin: String) {
        if let checkpoint { return (checkpoint, "--checkpoint") }
        let latestFill = "checkpoints/latest-fill.ckpt"
        if preferFill && fileExists(latestFill) { return (latestFill, "the latest bidirectional training checkpoint") }
        let latest = "checkpoints/latest.ckpt"
        if fileExists(latest) { return (latest, "the latest training checkpoint") }
        if let env = modelVariable, !env.isEmpty {
            guard fileExists(env) else {
                throw CheckpointNotFound(message: "CHARLSTM_MODEL is set to \(oneLine(env)), which does not exist; "
                                         + "unset it or point it at a checkpoint")
            }
            return (env, "$CHARLSTM_MODEL")
        }
        if let exeDir = executableDirectory {
            var dir = exeDir
            while true {
                let candidate = (dir == "/" ? "" : dir) + "/checkpoints/shakespeare.ckpt"
                if fileExists(candidate) { return (candidate, "the bundled model") }
                if dir == "/" { break }
                dir = CheckpointSearch.parent(of: dir)
            }
            let installed = CheckpointSearch.parent(of: exeDir) + "/share/charlstm/shakespeare.ckpt"
            if fileExists(installed) { return (installed, "the installed model") }
        }
        throw CheckpointNotFound(message: "no checkpoint found: train one with `charlstm train FILE` "
                                 + "(writes checkpoints/latest.ckpt) or pass one with -m PATH")
    }

    /// The directory of the running executable (from /proc/self/exe), nil if unknown.
    package static func runningExecutableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink("/proc/self/exe", &buffer, 4096)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return parent(of: path)
    }

    /// The parent directory of an absolute path ("/" for "/x").
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let p = String(path[..<slash])
        return p.isEmpty ? "/" : p
    }
}

/// No checkpoint could be found; `message` says what to do.
package struct CheckpointNotFound: Error, CustomStringConvertible, Equatable {
    package var message: String
    package var description: String { message }
}
