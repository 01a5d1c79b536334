// ProcessGroup: the processes of a data-parallel run (MPI_COMM_WORLD), over the
// CMPI shim, which loads libmpi with dlopen on first use (see cmpi.h).
//
// Every method is a collective: each process of the group must call it, in the
// same order, with buffers of the same length. Rank 0 is the one that reports
// and writes files.

import CMPI

/// The processes training one model together.
package final class ProcessGroup: @unchecked Sendable {
    /// This process's index, 0 ..< size.
    package let rank: Int
    /// The number of processes.
    package let size: Int

    init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// Loads libmpi and joins the world the launcher started (MPI_Init_thread).
    package static func join() throws(DistributedError) -> ProcessGroup {
        var rank: Int32 = 0, size: Int32 = 0
        guard cmpi_init(&rank, &size) == 0 else { throw .unavailable(reason: String(cString: cmpi_error())) }
        return ProcessGroup(rank: Int(rank), size: Int(size))
    }

    /// Whether this process reports and writes (rank 0).
    package var isWriter: Bool { rank == 0 }

    private func check(_ status: Int32) throws(DistributedError) {
        if status != 0 { throw .communication(String(cString: cmpi_error())) }
    }

    /// Replaces `buffer` on every process by the element-wise sum over all of them.
    package func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        try check(cmpi_allreduce_sum_float(buffer.baseAddress, buffer.count))
    }

    package func sum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {
        try check(cmpi_allreduce_sum_double(buffer.baseAddress, buffer.count))
    }

    /// The sum of `values` over all processes.
    package func sum(_ values: [Double]) throws(DistributedError) -> [Double] {
        var v = values
        let status = v.withUnsafeMutableBufferPointer { cmpi_allreduce_sum_double($0.baseAddress, $0.count) }
        try check(status)
        return v
    }

    /// Rank 0's `buffer` on every process.
    package func broadcast<T>(_ buffer: UnsafeMutableBufferPointer<T>) throws(DistributedError) {
        try check(cmpi_broadcast(UnsafeMutableRawPointer(buffer.baseAddress), buffer.count * MemoryLayout<T>.stride, 0))
    }

    /// Every process's `values` (the same count everywhere), in rank order.
    package func gather(_ values: [Double]) throws(DistributedError) -> [[Double]] {
        var out = [Double](repeating: 0, count: values.count * size)
        let status = values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { cmpi_allgather_double(v.baseAddress, v.count, $0.baseAddress) }
        }
        try check(status)
        return (0..<size).map { Array(out[$0 * values.count ..< ($0 + 1) * values.count]) }
    }

    /// Every process's `bytes` (any count, each its own), in rank order.
    package func gather(bytes: [UInt8]) throws(DistributedError) -> [[UInt8]] {
        let counts = try gather([Double(bytes.count)]).map { Int($0[0]) }
        var out = [UInt8](repeating: 0, count: counts.reduce(0, +))
        let status = bytes.withUnsafeBytes { b in
            out.withUnsafeMutableBytes { o in
                counts.map { Int($0) }.withUnsafeBufferPointer { c in
                    cmpi_allgather_bytes(b.baseAddress, b.count, o.baseAddress, c.baseAddress)
                }
            }
        }
        try check(status)
        var parts: [[UInt8]] = []
        var at = 0
        for n in counts { parts.append(Array(out[at ..< at + n])); at += n }
        return parts
    }

    /// Waits until every process arrives.
    package func barrier() throws(DistributedError) { try check(cmpi_barrier()) }

    /// Leaves the group (MPI_Finalize); call once, on every process, after the last collective.
    package func finalize() { _ = cmpi_finalize() }

    /// Ends every process of the job now with `code` (MPI_Abort).
    package func abort(code: Int32) -> Never {
        cmpi_abort(code)
    }

    /// The contiguous share of `count` items (streams) that rank `rank` takes: items
    /// ⌊r·count/size⌋ ..< ⌊(r+1)·count/size⌋. Shares differ by at most one; a rank gets
    /// none only when count < size.
    package static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        (rank * count / size) ..< ((rank + 1) * count / size)
    }

    /// This process's share of `count` items.
    package func share(of count: Int) -> Range<Int> { Self.share(of: count, rank: rank, size: size) }
}
