// SoftmaxCrossEntropy: the output linear layer fused with a stable softmax cross-entropy.
//
// Dimension key: N = T·B rows, H hidden, V vocabulary.
//   z = h·W + b                         logits, (N, V)
//   p = softmax(z) = exp(z - max z) / Σ exp(z - max z)
//   loss_n = log Σ exp(z - max z) + max z - z[target]   (nats, never overflows)
// Backward: dz = (p - onehot(target)) · scale, dW += hᵀ·dz, db += Σ_n dz, dh = dz·Wᵀ.

/// Logits → probabilities and per-row loss for N rows; returns Σ loss (nats).
/// On return `logits` (N, V) holds the probabilities p, and `rowLoss` (N), when
/// given, each row's loss in nats.
import CharLSTMSupport

@inline(__always)
func softmaxCrossEntropyForward<T: BLASScalar>(
    logits: UnsafeMutablePointer<T>, rowLoss: UnsafeMutablePointer<Double>?,
    h: UnsafePointer<T>, targets: UnsafePointer<Int32>, weight: UnsafePointer<T>, bias: UnsafePointer<T>,
    rows N: Int, hidden H: Int, vocab V: Int, compute: ComputeThreads
) -> Double {
    // z (N, V) = h (N, H) · W (H, V) + b
    compute.gemm(transA: false, transB: false, m: N, n: V, k: H, alpha: 1, a: h, lda: H, b: weight, ldb: V,
           beta: 0, c: logits, ldc: V)
    addRowBias(logits, bias, rows: N, cols: V, compute: compute)
    // Rows in chunks across threads; the chunks' loss sums are added in chunk
    // order, so the total does not depend on the thread count.
    return compute.sumOfChunks(count: N, chunk: 64) { n0, n1 in
        var sum = 0.0
        for n in n0..<n1 {
            let row = logits + n * V
            let zTarget = row[Int(targets[n])]
            var m = T(0), s = T(0)
            T.softmaxRows(row, rows: 1, cols: V, maxOut: &m, sumOut: &s)   // row = exp(z - max z)
            let loss = Double(T.log(s) + m - zTarget)
            rowLoss?[n] = loss
            sum += loss
            let inv = 1 / s
            for v in 0..<V { row[v] *= inv }
        }
        return sum
    }
}

/// dz = (p - onehot) · scale in place of p, then dW += hᵀ·dz, db += Σ dz, dh = dz·Wᵀ.
@inline(__always)
func softmaxCrossEntropyBackward<T: BLASScalar>(
    dH: UnsafeMutablePointer<T>, dWeight: UnsafeMutablePointer<T>, dBias: UnsafeMutablePointer<T>,
    probabilities: UnsafeMutablePointer<T>, h: UnsafePointer<T>, targets: UnsafePointer<Int32>,
    weight: UnsafePointer<T>, scale: T, rows N: Int, hidden H: Int, vocab V: Int, compute: ComputeThreads
) {
    let dz = probabilities
    compute.forEachChunk(count: N, chunk: 64) { n0, n1 in
        for n in n0..<n1 {
            let row = dz + n * V
            row[Int(targets[n])] -= 1
            for v in 0..<V { row[v] *= scale }
        }
    }
    compute.gemm(transA: true, transB: false, m: H, n: V, k: N, alpha: 1, a: h, lda: H, b: dz, ldb: V,
           beta: 1, c: dWeight, ldc: V)
    addColumnSums(dBias, dz, rows: N, cols: V, compute: compute)
    compute.gemm(transA: false, transB: true, m: N, n: H, k: V, alpha: 1, a: dz, lda: V, b: weight, ldb: V,
           beta: 0, c: dH, ldc: H)
}
