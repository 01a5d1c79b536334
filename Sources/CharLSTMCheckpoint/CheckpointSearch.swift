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

    /// The path to use and where it came from, relative paths against the current directory.
    package func resolve() throws(CheckpointNotFound) -> (path: String, origin: CheckpointOrigin) {
        if let checkpoint { return (checkpoint, .given) }
        let latestFill = "checkpoints/latest-fill.ckpt"
        if preferFill && fileExists(latestFill) { return (latestFill, .latestFill) }
        let latest = "checkpoints/latest.ckpt"
        if fileExists(latest) { return (latest, .latest) }
        if let env = modelVariable, !env.isEmpty {
            guard fileExists(env) else {
                throw .modelVariableMissing(path: env)
            }
            return (env, .modelVariable)
        }
        if let exeDir = executableDirectory {
            var dir = exeDir
            while true {
                let candidate = (dir == "/" ? "" : dir) + "/checkpoints/shakespeare.ckpt"
                if fileExists(candidate) { return (candidate, .bundled) }
                if dir == "/" { break }
                dir = CheckpointSearch.parent(of: dir)
            }
            let installed = CheckpointSearch.parent(of: exeDir) + "/share/charlstm/shakespeare.ckpt"
            if fileExists(installed) { return (installed, .installed) }
        }
        throw .noneFound
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
package enum CheckpointNotFound: Error, CustomStringConvertible, Equatable {
    /// No path given and none of the places above holds a checkpoint.
    case noneFound
    /// $CHARLSTM_MODEL names `path`, which does not exist.
    case modelVariableMissing(path: String)

    package var description: String {
        switch self {
        case .noneFound:
            "no checkpoint found: none was given, and there is no checkpoints/latest.ckpt and no bundled model"
        case .modelVariableMissing(let path):
            "CHARLSTM_MODEL is set to \(oneLine(path)), which does not exist; unset it or point it at a checkpoint"
        }
    }
}

/// Where the checkpoint CheckpointSearch found came from.
package enum CheckpointOrigin: Equatable, Sendable, CustomStringConvertible {
    case given, latestFill, latest, modelVariable, bundled, installed

    package var description: String {
        switch self {
        case .given: "the path given"
        case .latestFill: "the latest bidirectional training checkpoint"
        case .latest: "the latest training checkpoint"
        case .modelVariable: "$CHARLSTM_MODEL"
        case .bundled: "the bundled model"
        case .installed: "the installed model"
        }
    }
}
