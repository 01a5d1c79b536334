// TextError: every way user-supplied text can be refused, each with a one-line message.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why some input text cannot be used. Every message is one line that names
/// the input (a path or `<stdin>`) and says what to do about it.
public enum TextError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case missingFile(path: String)
    /// The path is a directory.
    case isDirectory(path: String)
    /// The file exists but cannot be opened or read; `reason` is the system's (strerror).
    case unreadable(source: String, reason: String)
    /// A stream (stdin) failed while being read line by line; `reason` is the system's (strerror).
    case readFailed(source: String, reason: String)
    /// The input has no bytes at all.
    case empty(source: String)
    /// The input holds only a UTF-8 byte order mark.
    case onlyByteOrderMark(source: String)
    /// The first malformed UTF-8 sequence starts at byte `offset` of the input (counting any BOM).
    case invalidUTF8(source: String, offset: Int)
    /// The input contains a NUL byte at `offset`, a sign of a binary file.
    case binary(source: String, offset: Int)
    /// A single grapheme cluster (or unnormalizable run) longer than the 2 GiB the segmenter handles.
    case clusterTooLong(source: String)
    /// An argument outside its domain (e.g. a vocabulary cap below 1).
    case invalidArgument(String)
    /// ICU failed (missing or broken libicu data).
    case icu(String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(oneLine(path)): no such file; check the path"
        case .isDirectory(let path):
            return "\(oneLine(path)): is a directory; give a UTF-8 text file"
        case .unreadable(let source, let reason):
            return "\(oneLine(source)): cannot be read (\(reason)); check that it is a readable file"
        case .readFailed(let source, let reason):
            return "\(oneLine(source)): cannot be read (\(reason))"
        case .empty(let source):
            return "\(oneLine(source)): input is empty; give some UTF-8 text"
        case .onlyByteOrderMark(let source):
            return "\(oneLine(source)): input holds only a byte order mark (BOM) and no text; give some UTF-8 text"
        case .invalidUTF8(let source, let offset):
            return "\(oneLine(source)): invalid UTF-8 at byte offset \(offset); convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) or read it lossily, replacing bad sequences with U+FFFD"
        case .binary(let source, let offset):
            return "\(oneLine(source)): looks like a binary file (NUL byte at offset \(offset)); give a UTF-8 text file"
        case .clusterTooLong(let source):
            return "\(oneLine(source)): holds a single grapheme cluster longer than 2 GiB; this is not text charlstm can use"
        case .invalidArgument(let message):
            return oneLine(message)
        case .icu(let message):
            return "ICU failed: \(oneLine(message)); check that libicu is installed (make setup)"
        }
    }
}
