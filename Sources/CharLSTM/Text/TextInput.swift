// TextInput: reading text files and stdin as bytes, with checks that turn
// every user mistake into a one-line TextError.

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
public enum TextInput {
    /// The bytes of the file at `path` (a leading BOM is kept; the tokenizer drops it).
    public static func readFile(_ path: String) throws(TextError) -> [UInt8] {
        let file = try InputFile(path: path)
        var bytes: [UInt8] = []
        // One read for a regular file; the extra capacity lets the final
        // (empty) read happen without growing the array.
        bytes.reserveCapacity(file.sizeHint + (1 << 16) + 1)
        while try file.read(appendingTo: &bytes, count: max(1 << 16, file.sizeHint + 1 - bytes.count)) > 0 {}
        try checkNotEmpty(bytes, source: path)
        try checkNotBinary(bytes, source: path)
        return bytes
    }

    /// All of standard input as bytes. Empty input is allowed here (callers
    /// decide, e.g. with `checkNotEmpty`); a NUL byte is refused as binary.
    public static func readStandardInput() throws(TextError) -> [UInt8] {
        let input = InputFile(standardInput: ())
        var bytes: [UInt8] = []
        while try input.read(appendingTo: &bytes, count: 1 << 20) > 0 {}
        try checkNotBinary(bytes, source: standardInputName)
        return bytes
    }

    /// The name standard input has in messages.
    public static let standardInputName = "<stdin>"

    /// Throws `.empty` for no bytes and `.onlyByteOrderMark` for a lone BOM.
    public static func checkNotEmpty(_ bytes: [UInt8], source: String) throws(TextError) {
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
            default: throw .unreadable(source: path, reason: systemErrorMessage(e))
            }
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let e = errno
            close(fd)
            throw .unreadable(source: path, reason: systemErrorMessage(e))
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

    deinit { if owned { close(fd) } }

    /// Appends up to `count` bytes to `bytes`; returns how many (0 at the end).
    @discardableResult
    func read(appendingTo bytes: inout [UInt8], count: Int) throws(TextError) -> Int {
        let start = bytes.count
        let want = max(1, count)
        var got = 0
        var failure: Int32 = 0
        bytes.append(contentsOf: repeatElement(0, count: want))
        bytes.withUnsafeMutableBufferPointer { buf in
            while true {
                let n = Glibc.read(fd, buf.baseAddress! + start, want)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                got = n
                return
            }
        }
        bytes.removeLast(want - got)
        if failure != 0 {
            if failure == EISDIR { throw .isDirectory(path: source) }
            throw .unreadable(source: source, reason: systemErrorMessage(failure))
        }
        return got
    }
}
