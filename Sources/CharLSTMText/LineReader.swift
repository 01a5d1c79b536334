// LineReader: lines from a file descriptor as they arrive (`predict --lines`).

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads lines from a file descriptor as they arrive: a line is returned as
/// soon as its "\n" has been read, without waiting for more input.
package final class LineReader {
    private let fd: Int32
    /// The input's name in messages.
    private let source: String
    /// Bytes read but not returned yet: buffer[start...].
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// Reads `fd` (not closed here); `source` names it in errors.
    package init(fd: Int32, source: String = TextInput.standardInputName) {
        self.fd = fd
        self.source = source
    }

    /// The next line without its "\n" (a "\r" before it is kept); the last
    /// line may lack one; nil at the end.
    package func next() throws(TextError) -> [UInt8]? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<nl])
                start = nl + 1
                if start > 1 << 16 { buffer.removeFirst(start); start = 0 }
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw .readFailed(source: source, reason: systemMessage(e))
            }
            if n == 0 { atEnd = true } else { buffer.append(contentsOf: chunk[0..<n]) }
        }
    }
}
