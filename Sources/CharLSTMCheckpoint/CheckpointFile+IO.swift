// CheckpointFile+IO: the file system side — mmap for reading, atomic replace for writing.
// AtomicFile is charlstm's one way to replace a file: checkpoints, the loss
// plot (Trainer+Run.swift) and the `show` page (ShowReport.swift) all use it.
//
// Writing protocol (docs/checkpoint-format.md, "Atomic write"):
//   1. open DIR/.NAME.tmp-PID (O_CREAT|O_EXCL, mode of the old file or 0644 & ~umask)
//   2. write all bytes, fsync, close
//   3. rename(DIR/.NAME.tmp-PID, DIR/NAME)   — atomic on POSIX file systems
//   4. fsync(DIR)                            — makes the rename itself durable
//   5. remove stale DIR/.NAME.tmp-* files left by writers that no longer run
// A failure in 1–3 removes the temporary file and leaves DIR/NAME as it was.

import CharLSTMSupport
import CharLSTMText
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `path` split into directory ("." if none) and last component.
private func split(_ path: String) -> (dir: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

/// A file mapped read-only (MAP_PRIVATE, every page faulted in at once),
/// unmapped when the last reference goes. A file truncated in place by another
/// process while mapped raises SIGBUS on the next read of a lost page;
/// charlstm itself never truncates in place — it replaces files by rename, so
/// a mapping keeps the old contents (docs/checkpoint-format.md, "Atomic write").
final class MappedRegion {
    /// The file's bytes (empty for an empty file).
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(CheckpointError) {
        // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            switch e {
            case ENOENT, ENOTDIR: throw .notFound(path: path)
            case EACCES, EPERM: throw .unreadable(path: path, reason: "permission denied")
            default: throw .unreadable(path: path, reason: systemMessage(e))
            }
        }
        defer { close(fd) }   // the mapping outlives the descriptor
        var st = stat()
        if fstat(fd, &st) != 0 { throw .unreadable(path: path, reason: systemMessage()) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
        if (st.st_mode & S_IFMT) != S_IFREG { throw .unreadable(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        // MAP_POPULATE: fault all pages in one go; the CRC pass reads every byte anyway.
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), base != MAP_FAILED else {
            throw .unreadable(path: path, reason: "cannot map the file: " + systemMessage())
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

enum MappedFile {
    /// Maps `path` read-only and calls `body` with its bytes; unmaps afterwards.
    static func withBytes<R>(of path: String, _ body: (UnsafeRawBufferPointer) throws(CheckpointError) -> R) throws(CheckpointError) -> R {
        let region = try MappedRegion(path: path)
        defer { withExtendedLifetime(region) {} }
        return try body(region.bytes)
    }
}

package enum AtomicFile {
    /// The prefix of temporary names for `name`: ".NAME.tmp-" (then the writer's PID, and "-K" on a clash).
    static func temporaryPrefix(for name: String) -> String { "." + name + ".tmp-" }

    /// Writes `bytes` to `path` by the protocol at the top of this file (plots, pages).
    package static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
        try write(EncodedFile(head: bytes, sections: [], size: bytes.count), to: path)
    }

    /// Writes `file` to `path` by the protocol at the top of this file.
    static func write(_ file: EncodedFile, to path: String) throws(CheckpointError) {
        try write(to: path, pieces: file.forEachPiece)
    }

    /// Writes `bytes` to `path` by the protocol at the top of this file.
    static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(CheckpointError) {
        try write(to: path) { emit in _ = emit(bytes) }
    }

    /// Writes the concatenation of the pieces `pieces` passes to its argument (which
    /// returns false to ask for no more) to `path` by the protocol at the top of this file.
    private static func write(to path: String,
                              pieces: ((UnsafeRawBufferPointer) -> Bool) -> Void) throws(CheckpointError) {
        let (dir, name) = split(path)
        func failed(_ reason: String) -> CheckpointError { .writeFailed(path: path, reason: reason) }
        if name.isEmpty || name == "." || name == ".." { throw .isDirectory(path: path) }

        var target = stat()
        let targetExists = stat(path, &target) == 0
        if targetExists && (target.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
        var dirStat = stat()
        if stat(dir, &dirStat) != 0 {
            throw failed(errno == ENOENT || errno == ENOTDIR ? "directory \(oneLine(dir)) does not exist" : "directory \(oneLine(dir)): \(systemMessage())")
        }
        if (dirStat.st_mode & S_IFMT) != S_IFDIR { throw failed("\(oneLine(dir)) is not a directory") }

        // 1. Create the temporary file next to the target (same file system, so rename is atomic).
        let prefix = dir + "/" + temporaryPrefix(for: name) + String(getpid())
        var tmp = prefix
        var fd: Int32 = -1
        for k in 0..<100 {
            tmp = k == 0 ? prefix : prefix + "-\(k)"
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 {
            let e = errno
            throw failed(e == EACCES || e == EPERM || e == EROFS ? "permission denied in directory \(oneLine(dir))" : systemMessage(e))
        }
        var renamed = false
        defer {
            if fd >= 0 { close(fd) }
            if !renamed { unlink(tmp) }
        }
        if targetExists { _ = fchmod(fd, target.st_mode & 0o7777) }

        // 2. Write everything, fsync, close.
        var writeError: Int32 = 0
        pieces { piece in
            guard var p = piece.baseAddress else { return true }
            var left = piece.count
            while left > 0 {
                let n = Glibc.write(fd, p, min(left, 1 << 24))
                if n < 0 {
                    if errno == EINTR { continue }
                    writeError = errno
                    return false
                }
                if n == 0 { writeError = EIO; return false }
                p += n
                left -= n
            }
            return true
        }
        if writeError != 0 { throw failed(describeWriteError(writeError)) }
        if fsync(fd) != 0 { throw failed("fsync: " + describeWriteError(errno)) }
        let closing = fd
        fd = -1
        if close(closing) != 0 { throw failed("close: " + describeWriteError(errno)) }

        // 3. Replace the target.
        if rename(tmp, path) != 0 { throw failed("rename: " + systemMessage()) }
        renamed = true

        // 4. Make the rename durable. Some file systems refuse fsync on a
        // directory (EINVAL); the data is written and renamed either way.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            let r = fsync(dfd)
            let e = errno
            close(dfd)
            if r != 0 && e != EINVAL && e != EROFS { throw failed("fsync of directory \(oneLine(dir)): " + systemMessage(e)) }
        }

        // 5. Tidy up after writers that were killed mid-write.
        removeStaleTemporaries(in: dir, name: name)
    }

    private static func describeWriteError(_ e: Int32) -> String {
        switch e {
        case ENOSPC: "no space left on device"
        case EDQUOT: "disk quota exceeded"
        case EFBIG: "file too large (file size limit)"
        default: systemMessage(e)
        }
    }

    /// Removes DIR/.NAME.tmp-PID[-K] files whose PID no longer runs.
    static func removeStaleTemporaries(in dir: String, name: String) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        let prefix = temporaryPrefix(for: name)
        while let entry = readdir(d) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix) else { continue }
            let rest = entryName.dropFirst(prefix.count)
            let pidText = rest.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard !pidText.isEmpty, pidText.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(pidText) else { continue }
            if pid == getpid() { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + entryName) }
        }
    }
}
