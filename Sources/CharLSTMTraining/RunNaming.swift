// RunNaming: the name and output directory of a training run when none is given.
//
//   name:      given, else NAME of a resumed NAME-latest.ckpt / NAME-best.ckpt,
//              else the corpus file name without its extension ("model" when that is empty)
//   directory: given, else a resumed checkpoint's directory, else "checkpoints"

/// Default names for a run's files (see the file header).
package enum RunNaming {
    /// The directory a new run writes to when none is given.
    package static let defaultDirectory = "checkpoints"

    /// The run's name: `given`, else the name of the checkpoint `resuming` continues, else the corpus stem.
    package static func name(given: String?, resuming: String?, corpus: String) -> String {
        given ?? resuming.flatMap(runName(ofCheckpoint:)) ?? stem(corpus)
    }

    /// The output directory: `given`, else the directory of the checkpoint `resuming` continues, else "checkpoints".
    package static func directory(given: String?, resuming: String?) -> String {
        given ?? resuming.map(directory(of:)) ?? defaultDirectory
    }

    /// NAME for a checkpoint file NAME-latest.ckpt or NAME-best.ckpt, else nil.
    package static func runName(ofCheckpoint path: String) -> String? {
        let file = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        for suffix in ["-latest.ckpt", "-best.ckpt"] where file.hasSuffix(suffix) && file.count > suffix.count {
            return String(file.dropLast(suffix.count))
        }
        return nil
    }

    /// The directory part of a path ("." when there is none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// "data/tiny.shakespeare.txt" → "tiny.shakespeare"; "model" when nothing is left.
    package static func stem(_ path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        var s = file
        if let dot = file.lastIndex(of: "."), dot != file.startIndex { s = String(file[..<dot]) }
        return s.isEmpty || s == "." || s == ".." ? "model" : s
    }
}
