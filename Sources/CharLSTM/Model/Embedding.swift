// Embedding: ids → rows of a learned (V, E) table, forward and backward.
//
// Dimension key: N = T·B rows, V vocabulary, E embedding width.

/// out (N, E) = table[ids[n]] for each n.
@inline(__always)
func embeddingForward<T: BLASScalar>(_ out: UnsafeMutablePointer<T>, ids: UnsafePointer<Int32>,
                                     table: UnsafePointer<T>, rows: Int, embed E: Int) {
    for n in 0..<rows {
        (out + n * E).update(from: table + Int(ids[n]) * E, count: E)
    }
}

/// dTable[ids[n]] += dOut[n] for each n (scatter-add: repeated ids accumulate).
@inline(__always)
func embeddingBackward<T: BLASScalar>(_ dTable: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>,
                                      ids: UnsafePointer<Int32>, rows: Int, embed E: Int) {
    for n in 0..<rows {
        let dst = dTable + Int(ids[n]) * E, src = dOut + n * E
        for e in 0..<E { dst[e] += src[e] }
    }
}
