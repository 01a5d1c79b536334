// Dropout: inverted dropout between layers and before the output layer.
//
// In training each activation is kept with probability 1 - p and scaled by
// 1/(1 - p), so nothing changes at evaluation and sampling, where dropout is off.

/// Fills `mask` (n) with 0 or 1/(1-p), from `rng`.
import CharLSTMSupport

@inline(__always)
func dropoutMask<T: BLASScalar>(_ mask: UnsafeMutablePointer<T>, count n: Int, p: Float,
                                rng: inout RandomGenerator) {
    let keep = T(1 / (1 - p))
    for k in 0..<n { mask[k] = rng.nextFloat() < p ? 0 : keep }
}

/// out = x ⊙ mask (forward) or dx = dOut ⊙ mask (backward, in place allowed).
@inline(__always)
func applyMask<T: BLASScalar>(_ out: UnsafeMutablePointer<T>, _ x: UnsafePointer<T>,
                              _ mask: UnsafePointer<T>, count n: Int) {
    for k in 0..<n { out[k] = x[k] * mask[k] }
}
