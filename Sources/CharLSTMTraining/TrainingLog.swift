// TrainingLog: one JSON object per evaluation, one per line (JSONL).
//
//   {"step":100,"epoch":0.5,"train_bpc":2.41,"val_bpc":2.38,"lr":0.002,"chars_per_s":23400.5,"elapsed_s":41.2}

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#endif

/// An append-only JSONL file of evaluations (`--log FILE.jsonl`).
package final class TrainingLog {
    package let path: String
    private let fd: Int32
    /// The first write error, if any (later lines are dropped).
    package private(set) var writeError: String?

    /// Opens `path` for writing; `append` keeps existing lines (a resumed run).
    package init(path: String, append: Bool) throws(TrainingError) {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        fd = open(path, flags, 0o644)
        if fd < 0 { throw .logFile(path: path, reason: systemMessage(errno)) }
    }

    deinit { close(fd) }

    /// The line for one evaluation (without the newline).
    package static func line(_ r: EvaluationReport) -> String {
        let p = r.point
        var fields: [(String, String)] = [
            ("step", String(p.step)),
            ("epoch", JSON.number((p.epoch * 10_000).rounded() / 10_000)),
            ("train_bpc", JSON.number(p.trainBPC)),
            ("val_bpc", JSON.number(p.valBPC)),
            ("lr", JSON.number(p.learningRate)),
            ("chars_per_s", JSON.number((r.charsPerSecond * 10).rounded() / 10)),
            ("elapsed_s", JSON.number((r.elapsed * 1000).rounded() / 1000)),
        ]
        // From --average-from on: how many steps the evaluated weights average.
        if r.averagedSteps > 0 { fields.insert(("averaged_steps", String(r.averagedSteps)), at: 4) }
        return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// Appends one line; remembers the first failure instead of throwing.
    package func record(_ r: EvaluationReport) {
        guard writeError == nil else { return }
        let bytes = Array((Self.line(r) + "\n").utf8)
        bytes.withUnsafeBytes { raw in
            var p = raw.baseAddress!, left = raw.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = systemMessage(errno)
                    return
                }
                p += n
                left -= n
            }
        }
    }
}
