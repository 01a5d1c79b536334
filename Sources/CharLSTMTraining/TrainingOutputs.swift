// TrainingOutputs: the files a run writes in its output directory.
//
//   DIR/NAME-latest.ckpt   every --checkpoint-every steps, at the end and on Ctrl-C
//   DIR/NAME-best.ckpt     whenever the validation loss improves
//   DIR/latest.ckpt        after the run: a copy (not a symlink) of NAME-best.ckpt,
//                          the file `charlstm sample` uses by default
//                          (DIR/latest-fill.ckpt for a bidirectional model, the
//                          file `charlstm fill` uses by default)
//   DIR/NAME-loss.svg      train and validation loss against step
//
// Every checkpoint and plot write is atomic (AtomicFile: temporary file, fsync,
// rename, fsync of the directory, stale temporaries removed), so a crash or a
// second Ctrl-C leaves either the old file or the new one.

import CharLSTMSupport
import CharLSTMModel
#if canImport(Glibc)
import Glibc
#endif

/// Where a run writes its checkpoints and plot.
public struct TrainingOutputs: Equatable, Sendable {
    /// The output directory (created if missing).
    package var directory: String
    /// The run's name, the corpus file stem by default.
    package var name: String
    /// Which way the run's model reads: names the copy of the best checkpoint.
    package var direction: Direction

    public init(directory: String, name: String, direction: Direction = .forward) {
        self.directory = directory
        self.name = name
        self.direction = direction
    }

    func path(_ file: String) -> String {
        directory.isEmpty ? file : (directory.hasSuffix("/") ? directory + file : directory + "/" + file)
    }

    /// DIR/NAME-latest.ckpt
    package var latestPath: String { path(name + "-latest.ckpt") }
    /// DIR/NAME-best.ckpt
    package var bestPath: String { path(name + "-best.ckpt") }
    /// DIR/latest.ckpt, or DIR/latest-fill.ckpt for a bidirectional model
    package var currentPath: String { path(direction == .forward ? "latest.ckpt" : "latest-fill.ckpt") }
    /// DIR/NAME-loss.svg
    package var plotPath: String { path(name + "-loss.svg") }

    /// Creates the directory (and missing parents) and checks that files can be created in it.
    package func prepare() throws(TrainingError) {
        var prefix = ""
        for (i, part) in directory.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            prefix += (i == 0 ? "" : "/") + part
            if part.isEmpty || part == "." { continue }
            var st = stat()
            if stat(prefix, &st) == 0 {
                if (st.st_mode & S_IFMT) != S_IFDIR {
                    throw .outputDirectory(path: directory, reason: "\(prefix) is not a directory")
                }
                continue
            }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .outputDirectory(path: directory, reason: "cannot create directory \(prefix) (\(systemMessage(errno)))")
            }
        }
        if access(directory.isEmpty ? "." : directory, W_OK | X_OK) != 0 {
            throw .outputDirectory(path: directory, reason: "directory is not writable (\(systemMessage(errno)))")
        }
    }
}
