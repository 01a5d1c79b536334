// InferenceWeights: the read-only weights InferenceModels step with, wherever
// they live — a training model's Buffer, a copy, or a checkpoint file mapped
// in memory (MappedCheckpoint) — and, for batch-1 products, the same values
// as IEEE binary16 (half the bytes of a memory-bound GEMV).
//
// A store made from binary16 weights alone (a `--half` checkpoint, read in
// place) widens them to binary32 only when something asks for `base`: batch-1
// stepping reads the binary16 values directly (embedding rows and biases
// widened as it goes), so `predict` on such a file never copies the weights.

import CharLSTMSupport
import CKernels
import Synchronization

/// P weights in layout order as binary32 and/or binary16; the memory they
/// point to stays valid while the store lives. Shared by every InferenceModel made from it.
package final class InferenceWeights {
    /// P, the number of weights.
    package let count: Int
    /// The weights as binary16 (P), read by batch-1 products; nil when not prepared.
    let half: UnsafePointer<UInt16>?
    /// The binary32 weights, once they exist, and whatever owns the memory of both.
    private let storage: Mutex<Storage>

    private struct Storage: @unchecked Sendable {   // raw pointers, guarded by the mutex
        var floats: UnsafePointer<Float>?
        var owners: [AnyObject]
    }

    /// Shares `buffer` (no copy: e.g. a training model's parameters). With
    /// `half`, also a binary16 copy rounded to nearest (lossless for weights
    /// that are binary16 values, as in a checkpoint exported with `--half`).
    package convenience init(sharing buffer: Buffer<Float>, half: Bool = false) {
        let copy = half ? HalfCopy(of: UnsafePointer(buffer.base), count: buffer.count) : nil
        self.init(floats: UnsafePointer(buffer.base), half: copy.map { UnsafePointer($0.base) }, count: buffer.count,
                  owners: copy.map { [buffer, $0] } ?? [buffer])
    }

    /// Weights at `floats` and/or `half` (at least one), kept valid by `owners`.
    init(floats: UnsafePointer<Float>?, half: UnsafePointer<UInt16>?, count: Int, owners: [AnyObject]) {
        precondition(floats != nil || half != nil, "InferenceWeights: no weights")
        self.count = count
        self.half = half
        storage = Mutex(Storage(floats: floats, owners: owners))
    }

    /// The binary32 weights (P); widened from binary16 on first use if the store was made from binary16 alone.
    package var base: UnsafePointer<Float> {
        storage.withLock { s in
            if let floats = s.floats { return floats }
            let widened = Buffer<Float>(count: count)
            ck_f16_to_f32(widened.base, half!, Int64(count))   // exact
            s.owners.append(widened)
            s.floats = UnsafePointer(widened.base)
            return s.floats!
        }
    }

    /// The binary32 weights if they exist already (widens nothing).
    var floatsIfPresent: UnsafePointer<Float>? {
        storage.withLock { $0.floats }
    }
}

/// An owned binary16 copy of binary32 values.
final class HalfCopy {
    let base: UnsafeMutablePointer<UInt16>

    init(of values: UnsafePointer<Float>, count: Int) {
        base = .allocate(capacity: max(count, 1))
        ck_f32_to_f16(base, values, Int64(count))
    }

    deinit { base.deallocate() }
}

/// The full 64-column strips of a binary16 matrix (k, n), strip after strip
/// (ck_f16_to_strips): what ck_gemv_f16_strips reads instead of the rows.
final class HalfStrips {
    let base: UnsafeMutablePointer<UInt16>

    init(_ matrix: UnsafePointer<UInt16>, k: Int, n: Int) {
        let count = Int(ck_f16_strips_size(Int64(k), Int64(n)))
        base = .allocate(capacity: max(count, 1))
        ck_f16_to_strips(Int64(k), Int64(n), matrix, Int64(n), base)
    }

    deinit { base.deallocate() }
}

/// A matrix (k, n) of the weights cut into 16-column panels (ck_small_n_pack),
/// binary32 or binary16: what ck_gemm_small_n_* reads for N > 1 streams.
final class SmallNPanels {
    private let base: UnsafeMutableRawPointer
    /// The panels, when made from binary32 weights.
    let floats: UnsafePointer<Float>?
    /// The panels, when made from binary16 weights.
    let halves: UnsafePointer<UInt16>?

    init(floats matrix: UnsafePointer<Float>, k: Int, n: Int) {
        let count = Int(ck_small_n_panels_size(Int64(k), Int64(n)))
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        ck_small_n_pack(0, Int64(k), Int64(n), matrix, Int64(n), p)
        base = UnsafeMutableRawPointer(p)
        floats = UnsafePointer(p)
        halves = nil
    }

    init(half matrix: UnsafePointer<UInt16>, k: Int, n: Int) {
        let count = Int(ck_small_n_panels_size(Int64(k), Int64(n)))
        let p = UnsafeMutablePointer<UInt16>.allocate(capacity: max(count, 1))
        ck_small_n_pack(1, Int64(k), Int64(n), matrix, Int64(n), p)
        base = UnsafeMutableRawPointer(p)
        floats = nil
        halves = UnsafePointer(p)
    }

    deinit { base.deallocate() }
}
