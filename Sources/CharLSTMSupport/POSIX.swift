// POSIX: the two small questions every layer asks the system — what an errno
// value means, and whether a file is there. One copy each, shared with the CLI
// (`package` access), so messages and checks read the same everywhere.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The system's message for `code` (strerror), e.g. "Permission denied";
/// by default for the current `errno`.
package func systemMessage(_ code: Int32 = errno) -> String {
    guard let c = strerror(code) else { return "error \(code)" }
    return String(cString: c)
}

/// Whether `path` names an existing regular file (or a link to one).
package func fileExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}
