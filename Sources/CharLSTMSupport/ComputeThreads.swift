// ComputeThreads: all of charlstm's parallelism, as fork-joins over row blocks.
//
// The B streams of a batch are independent inside the recurrence, so each
// thread runs all T steps for its own contiguous block of streams: one small
// GEMM per step on its rows, with no synchronisation between steps. Large
// GEMMs are split into blocks of rows or columns the same way. OpenBLAS
// itself stays single-threaded: its idle workers spin in sched_yield, which
// on a 2-core machine steals the core the other block needs (measured: 12%
// of cycles in the scheduler when OpenBLAS threads and ours alternated), so it
// is loaded with OPENBLAS_NUM_THREADS=1. It must be a threaded build all the
// same: those lock the buffer pool that concurrent calls share (see
// openblas_loader.h).
//
// The fork-joins run on charlstm's own persistent threads (work_pool.h), which
// spin briefly between jobs instead of parking: training forks about twenty
// times per window, and a parked vCPU can take hundreds of microseconds to
// wake.

import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// A compute context: `count` threads (this one plus a persistent pool of
/// count - 1 workers) and the thresholds that choose between kernels. Owned by
/// the object that trains or samples and passed to the layers and kernels that
/// fork work; two contexts never share a pool, so objects with different
/// thread counts can work at the same time in one process. Immutable once
/// made; one context runs one job at a time (a second caller of `run` while a
/// job is in hand runs its items alone: see work_pool.h).
package final class ComputeThreads: @unchecked Sendable {
    /// Threads used for compute (≥ 1).
    package let count: Int

    /// count - 1 workers (nil with one thread), destroyed with the context.
    private let pool: OpaquePointer?

    /// Multiply-adds below which a GEMM runs on one thread.
    package let parallelGemmThreshold: Int

    /// A forced recurrence split, or nil to choose by size (`recurrenceUnitBlocks`).
    package let recurrenceOverride: RecurrenceSplit?

    /// Sampling: the largest input table (vocab·G·H floats, in bytes) built for
    /// a batch of streams; beyond it rows are projected per step.
    package let inputTableBytes: Int

    /// Sampling: packed panel bytes above which a batch of streams is not split.
    package let streamSplitBytes: Int

    /// Sampling: multiply-adds from which a one-stream matrix-vector product
    /// is split over two threads (gemv_pair).
    package let pairThreshold: Int

    /// The most compute threads a context has (`train --threads` allows as many).
    package static let maximumCount = 1024

    /// A context of `threads` compute threads, clamped to 1...maximumCount. The
    /// thresholds default to the measured choices; tests force other kernels with them.
    package init(threads: Int, parallelGemmThreshold: Int = 1 << 21,
                 recurrenceOverride: RecurrenceSplit? = ComputeThreads.environmentRecurrence,
                 inputTableBytes: Int = 4 << 20, streamSplitBytes: Int = 1 << 20, pairThreshold: Int = 1 << 15) {
        count = min(max(1, threads), Self.maximumCount)
        pool = count > 1 ? ck_work_pool_create(Int32(count - 1)) : nil
        self.parallelGemmThreshold = parallelGemmThreshold
        self.recurrenceOverride = recurrenceOverride
        self.inputTableBytes = inputTableBytes
        self.streamSplitBytes = streamSplitBytes
        self.pairThreshold = pairThreshold
    }

    deinit { ck_work_pool_destroy(pool) }

    /// One thread, no pool: the default for objects made without a thread count.
    package static let single = ComputeThreads(threads: 1)

    /// Calls `body(i)` for i in 0..<items, spread over the compute threads;
    /// returns when all calls have returned.
    @inline(__always)
    package func run(items: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { context in
                ck_work_pool_run(pool, Int64(items), { context, i in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(i))
                }, UnsafeMutableRawPointer(mutating: context))
            }
        }
    }

    /// Calls `body(start, end)` for consecutive chunks of `chunk` elements
    /// (the last may be shorter) covering 0..<count, spread over the compute
    /// threads. The chunks depend only on `count` and `chunk`, never on the
    /// thread count: for element-wise passes, and for reductions that combine
    /// per-chunk partial results in chunk order.
    @inline(__always)
    package func forEachChunk(count: Int, chunk: Int = ComputeThreads.elementChunk, _ body: (Int, Int) -> Void) {
        let chunks = (count + chunk - 1) / chunk
        if chunks <= 1 || self.count == 1 {
            for c in 0..<chunks { body(c * chunk, min(count, (c + 1) * chunk)) }
            return
        }
        run(items: chunks) { c in body(c * chunk, min(count, (c + 1) * chunk)) }
    }

    /// Σ body(start, end) over the chunks of `forEachChunk`, added in chunk
    /// order: the same bits on any number of threads.
    @inline(__always)
    package func sumOfChunks(count: Int, chunk: Int = ComputeThreads.elementChunk, _ body: (Int, Int) -> Double) -> Double {
        let chunks = (count + chunk - 1) / chunk
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunks, 1)) { partial in
            forEachChunk(count: count, chunk: chunk) { start, end in partial[start / chunk] = body(start, end) }
            var total = 0.0
            for c in 0..<chunks { total += partial[c] }
            return total
        }
    }

    /// Elements per chunk of an element-wise pass (64 KiB of Float), and the
    /// least work worth splitting.
    package static let elementChunk = 1 << 14

    /// Smallest block of streams worth a thread of its own.
    static let minimumRowsPerThread = 8

    /// How a recurrence is split across the threads.
    package enum RecurrenceSplit: Equatable, Sendable {
        /// Each thread runs all T steps for its own block of streams, with no
        /// synchronisation between steps; each reads all of W_h every step.
        case streams
        /// Each step is a fork-join over blocks of hidden units: a thread
        /// computes its units' four gate columns for every stream, so it reads
        /// only its slice of W_h (which stays in its L2 cache), and every
        /// thread has work however few streams there are.
        case units
    }

    /// A forced split: CHARLSTM_RECURRENCE=streams or units (for measurements), else nil.
    package static let environmentRecurrence: RecurrenceSplit? = {
        switch getenv("CHARLSTM_RECURRENCE").map({ String(cString: $0) }) {
        case "streams": .streams
        case "units": .units
        default: nil
        }
    }()

    /// The number of unit blocks for a recurrence over `hidden` units (each
    /// block a multiple of 16 units, a packed panel), or nil to split by
    /// streams. Both splits compute the same bits. Chosen from measurements
    /// on a 16-core Xeon (docs/performance.md): units cost a join per step but
    /// let each thread read only its slice of the packed W_h (16·H² bytes), so
    /// they win once W_h outgrows a core's L2 and there are threads to share
    /// it (H = 512 on 16 threads: 36.4k against 24.4k chars/s), or W_h passes
    /// 8 MiB (H = 1024 on 2 threads: 2,859 against 2,327). The stream split,
    /// free of per-step joins, wins when W_h is small (H = 128 on 16 threads:
    /// 239k against 170k) and at H = 512 on 2 threads (11,248 against 8,638).
    package func recurrenceUnitBlocks(hidden: Int) -> Int? {
        guard count > 1, hidden % 16 == 0 else { return nil }
        let parts = min(count, hidden / 16)
        guard parts > 1 else { return nil }
        switch recurrenceOverride {
        case .streams: return nil
        case .units: return parts
        case nil:
            let packedBytes = 16 * hidden * hidden
            return packedBytes > 8 << 20 || (count >= 4 && packedBytes > 2 << 20) ? parts : nil
        }
    }

    /// The hidden units of block `p` of `parts` over `hidden` units, in whole panels of 16.
    @inline(__always)
    package static func unitBlock(_ p: Int, of parts: Int, hidden: Int) -> Range<Int> {
        let panels = hidden / 16
        return 16 * (panels * p / parts) ..< 16 * (panels * (p + 1) / parts)
    }

    /// Calls `body(start, end)` for contiguous blocks covering 0..<rows, in
    /// parallel when there are several threads, enough rows and (when given)
    /// at least `elementChunk` elements of `work` in all. The blocks depend
    /// only on `rows` and `count`, so results are deterministic for a given
    /// thread count.
    @inline(__always)
    package func forEachBlock(rows: Int, work: Int = .max, _ body: (Int, Int) -> Void) {
        let parts = work < Self.elementChunk ? 1 : min(count, rows / Self.minimumRowsPerThread)
        if parts <= 1 {
            body(0, rows)
            return
        }
        run(items: parts) { p in body(rows * p / parts, rows * (p + 1) / parts) }
    }

    /// C (m, n) = alpha·op(A)·op(B) + beta·C, split into row blocks (m ≥ n) or
    /// column blocks (n > m) across the compute threads when large enough and
    /// when the loaded OpenBLAS may be called concurrently.
    @inline(__always)
    package func gemm<T: BLASScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        let parts = min(count, max(m, n) / Self.minimumRowsPerThread)
        if parts <= 1 || m * n * k < parallelGemmThreshold || !blasAllowsConcurrentCalls {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= n {
            run(items: parts) { p in
                let m0 = m * p / parts, m1 = m * (p + 1) / parts
                T.gemm(transA: transA, transB: transB, m: m1 - m0, n: n, k: k, alpha: alpha,
                       a: transA ? a + m0 : a + m0 * lda, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c + m0 * ldc, ldc: ldc)
            }
        } else {
            run(items: parts) { p in
                let n0 = n * p / parts, n1 = n * (p + 1) / parts
                T.gemm(transA: transA, transB: transB, m: m, n: n1 - n0, k: k, alpha: alpha,
                       a: a, lda: lda, b: transB ? b + n0 * ldb : b + n0, ldb: ldb,
                       beta: beta, c: c + n0, ldc: ldc)
            }
        }
    }
}
