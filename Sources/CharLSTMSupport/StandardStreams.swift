// StandardStreams: unbuffered-by-choice writers for stdout (the product) and stderr (everything else).
//
// stdout carries only the product (generated text, predictions, scores) and
// is flushed when the caller asks (per grapheme when streaming). A closed pipe
// (EPIPE, e.g. `charlstm sample | head -c 100`) ends the process quietly with
// status 0: the reader has what it wanted.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A byte writer for a file descriptor with its own buffer.
package final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Whether a closed pipe ends the process with status 0 (stdout) rather than being ignored.
    private let exitOnClosedPipe: Bool

    init(fd: Int32, exitOnClosedPipe: Bool) {
        self.fd = fd
        self.exitOnClosedPipe = exitOnClosedPipe
        buffer.reserveCapacity(1 << 16)
    }

    /// stdout: the product only.
    package static let standardOutput = OutputStream(fd: 1, exitOnClosedPipe: true)
    /// stderr: progress, warnings, errors.
    package static let standardError = OutputStream(fd: 2, exitOnClosedPipe: false)

    /// Whether the descriptor is a terminal.
    package var isTerminal: Bool { isatty(fd) == 1 }

    /// Appends text to the buffer (flushed at 64 KiB or on `flush()`).
    package func write(_ text: String) {
        var t = text
        t.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends raw bytes.
    package func write(bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out everything buffered.
    package func flush() {
        guard !buffer.isEmpty else { return }
        var failed = false
        buffer.withUnsafeBytes { raw in
            var p = raw.baseAddress!
            var left = raw.count
            while left > 0 {
                let n = Glibc.write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                p += n
                left -= n
            }
        }
        buffer.removeAll(keepingCapacity: true)
        if failed && exitOnClosedPipe && (errno == EPIPE) {
            // The reader went away (`| head`): a normal end for a pipe.
            exit(0)
        }
    }

    /// Writes a line (text + "\n") and flushes.
    package func line(_ text: String) {
        write(text)
        write("\n")
        flush()
    }
}
