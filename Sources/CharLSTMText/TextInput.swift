// TextInput: reading text files and stdin as bytes, with checks that turn
// every user mistake into a one-line TextError.

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads whole inputs as bytes, refusing what cannot be text.
///
/// Checks: a missing path, a directory, an unreadable file, an empty file, a
/// file of only a UTF-8 BOM, and a binary file (one with a NUL byte). UTF-8
/// validity is checked later, by `GraphemeTokenizer`, which knows `--lossy`.
package enum TextInput {
    /// The bytes of the file at `path` (a leading BOM is kept; the tokenizer drops it).
    package static func readFile(_ path: String) throws(TextError) -> [UInt8] {
        let bytes = try InputFile(path: path).readAll()
        try checkNotEmpty(bytes, source: path)
        try checkNotBinary(bytes, source: path)
        return bytes
    }

    /// All of standard input as bytes. Empty input is allowed here (callers
    /// decide, e.g. with `checkNotEmpty`); a NUL byte is refused as binary.
    package static func readStandardInput() throws(TextError) -> [UInt8] {
        let bytes = try InputFile(standardInput: ()).readAll()
        try checkNotBinary(bytes, source: standardInputName)
        return bytes
    }

    /// The name standard input has in messages.
    package static let standardInputName = "<stdin>"

    /// Throws `.empty` for no bytes and `.onlyByteOrderMark` for a lone BOM.
    package static func checkNotEmpty(_ bytes: [UInt8], source: String) throws(TextError) {
        if bytes.isEmpty { throw .empty(source: source) }
        if bytes == UTF8Scanner.byteOrderMark { throw .onlyByteOrderMark(source: source) }
    }

    /// Throws `.binary` if `bytes` holds a NUL byte.
    static func checkNotBinary(_ bytes: [UInt8], source: String) throws(TextError) {
        let at: Int? = bytes.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress, let hit = memchr(base, 0, buf.count) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        if let at { throw .binary(source: source, offset: at) }
    }
}

/// An open input (a file or stdin) read in chunks. Closes itself.
final class InputFile {
    let source: String
    private let fd: Int32
    private let owned: Bool
    /// The size fstat reports for a regular file (0 for pipes and others).
    let sizeHint: Int

    /// Opens `path` for reading, refusing missing paths, directories and unreadable files.
    init(path: String) throws(TextError) {
        source = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            switch e {
            case ENOENT, ENOTDIR: throw .missingFile(path: path)
            case EISDIR: throw .isDirectory(path: path)
            default: throw .unreadable(source: path, reason: systemMessage(e))
            }
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            close(fd)
            throw .unreadable(source: path, reason: systemMessage(e))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .isDirectory(path: path)
        }
        self.fd = fd
        owned = true
        sizeHint = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0
    }

    /// Standard input (not closed).
    init(standardInput: ()) {
        source = TextInput.standardInputName
        fd = 0
        owned = false
        var st = stat()
        sizeHint = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : 0
    }

    deinit {
        if owned { close(fd) }
        buffer.deallocate()
    }

    /// The reusable chunk buffer.
    private var buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// Reads up to `count` bytes into `p`; returns how many (0 at the end).
    private func read(into p: UnsafeMutableRawPointer, count: Int) throws(TextError) -> Int {
        while true {
            let n = Glibc.read(fd, p, count)
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            if e == EISDIR { throw .isDirectory(path: source) }
            throw .unreadable(source: source, reason: systemMessage(e))
        }
    }

    /// Moves the read position to byte `offset` of a regular file.
    func seek(to offset: Int) throws(TextError) {
        if lseek(fd, off_t(offset), SEEK_SET) < 0 { throw .unreadable(source: source, reason: systemMessage(errno)) }
    }

    /// The next chunk of at most `count` bytes (empty at the end of input).
    /// Valid until the next call.
    func readChunk(count: Int) throws(TextError) -> UnsafeBufferPointer<UInt8> {
        let want = max(1, count)
        if buffer.count < want {
            buffer.deallocate()
            buffer = .allocate(byteCount: want, alignment: 16)
        }
        let n = try read(into: buffer.baseAddress!, count: want)
        return UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
    }

    /// Everything left, as one array (one read for a regular file).
    func readAll() throws(TextError) -> [UInt8] {
        var bytes: [UInt8] = []
        if sizeHint > 0 {
            var failure: TextError? = nil
            bytes = [UInt8](unsafeUninitializedCapacity: sizeHint) { buf, initialized in
                initialized = 0
                while initialized < sizeHint {
                    do {
                        let n = try read(into: buf.baseAddress! + initialized, count: sizeHint - initialized)
                        if n == 0 { break }
                        initialized += n
                    } catch let e as TextError { failure = e; break } catch {
                        failure = .unreadable(source: source, reason: "\(error)"); break
                    }
                }
            }
            if let failure { throw failure }
        }
        while true {       // pipes, and files that grew
            let chunk = try readChunk(count: 1 << 20)
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}
