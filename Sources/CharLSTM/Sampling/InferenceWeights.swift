// InferenceWeights: the read-only weights InferenceModels step with, wherever
// they live — a training model's Buffer, a copy, or a checkpoint file mapped
// in memory (MappedCheckpoint) — and, for batch-1 products, the same values
// as IEEE binary16 (half the bytes of a memory-bound GEMV).

import CKernels

/// P weights in layout order as binary32 and optionally binary16; the memory
/// they point to stays valid while the store lives. Shared by every InferenceModel made from it.
public final class InferenceWeights {
    /// P, the number of weights.
    public let count: Int
    /// The binary32 weights (P).
    public let base: UnsafePointer<Float>
    /// The same weights as binary16 (P), read by batch-1 products; nil when not prepared.
    let half: UnsafePointer<UInt16>?
    /// Whatever owns the memory of `base` and `half`.
    private let owners: [AnyObject]

    /// Shares `buffer` (no copy: e.g. a training model's parameters). With
    /// `half`, also a binary16 copy rounded to nearest (lossless for weights
    /// that are binary16 values, as in a checkpoint exported with `--half`).
    public convenience init(sharing buffer: Buffer<Float>, half: Bool = false) {
        let copy = half ? HalfCopy(of: UnsafePointer(buffer.base), count: buffer.count) : nil
        self.init(base: UnsafePointer(buffer.base), count: buffer.count, half: copy.map { UnsafePointer($0.base) },
                  owners: copy.map { [buffer, $0] } ?? [buffer])
    }

    /// Weights at `base` (and `half`), kept valid by `owners`.
    init(base: UnsafePointer<Float>, count: Int, half: UnsafePointer<UInt16>?, owners: [AnyObject]) {
        self.count = count
        self.base = base
        self.half = half
        self.owners = owners
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
