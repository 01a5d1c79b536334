// RunAgreement: the check at the start of a data-parallel run that every process
// reads the same corpus and was started with the same arguments.
//
// Each process reads the corpus's size and a fingerprint (SHA-256 of its first
// and last MiB and its size; an unreadable file counts as size -1) and hashes its
// arguments; one allgather compares them with rank 0's. A difference is one
// error on every process (rank 0 reports it), before anything is read in full
// or written, so no process waits on a collective the others never reach.

#if canImport(Glibc)
import Glibc
#endif

package enum RunAgreement {
    /// Throws when some process sees another corpus at `corpus` or was given other `arguments`.
    package static func check(_ group: ProcessGroup, corpus: String, arguments: [String]) throws(DistributedError) {
        let (size, print) = fingerprint(corpus)
        let args = SHA256.digest(Array(arguments.joined(separator: "\u{0}").utf8))
        func halves(_ d: [UInt8]) -> [Double] {
            let w = d.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return [Double(w >> 32), Double(w & 0xFFFF_FFFF)]
        }
        let mine = [Double(size)] + halves(print) + halves(args)
        let all = try group.gather(mine)
        let root = all[0]
        let corpusDiffers = all.filter { $0[0..<3] != root[0..<3] }.count
        let argumentsDiffer = all.filter { $0[3..<5] != root[3..<5] }.count
        if argumentsDiffer > 0 { throw .settingsDiffer(count: argumentsDiffer, size: group.size) }
        if corpusDiffers > 0 { throw .corpusDiffers(path: corpus, count: corpusDiffers, size: group.size) }
    }

    /// The file's size and SHA-256 of (size, first MiB, last MiB); (-1, []) when it cannot be read.
    static func fingerprint(_ path: String) -> (Int, [UInt8]) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return (-1, []) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return (-1, []) }
        let size = Int(st.st_size)
        let window = 1 << 20
        var bytes = Array(String(size).utf8)
        for offset in Set([0, max(0, size - window)]).sorted() {
            var chunk = [UInt8](repeating: 0, count: min(window, size - offset))
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard n == chunk.count else { return (-1, []) }
            bytes += chunk
        }
        return (size, SHA256.digest(bytes))
    }
}
