// BLASScalar: the scalar types the model is written for (Float to train and
// sample, Double for gradient checks), with their BLAS and element-wise kernels.
//
// All matrices are row-major. gemm computes C = alpha·op(A)·op(B) + beta·C
// with op(A) (m, k), op(B) (k, n), C (m, n).
//
// This file is the only caller of OpenBLAS (COpenBLAS), which is loaded on the
// first matrix product, not at process start; see openblas_loader.h.

import COpenBLAS
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// A floating-point type with BLAS matrix products and vector element-wise kernels.
package protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// C (m, n) = alpha · op(A) · op(B) + beta · C, row-major with leading dimensions lda, ldb, ldc.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// y (n) = alpha · op(A) · x + beta · y, A row-major (rows, cols); op(A) = Aᵀ if trans.
    static func gemv(trans: Bool, rows: Int, cols: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// Elements needed to hold op(B) (k, n) packed for `gemmPacked`.
    static func packedSize(k: Int, n: Int) -> Int
    /// Packs op(B) (k, n) for `gemmPacked`: op(B) = B (k, n) with row stride ldb,
    /// or Bᵀ of B (n, k) when trans. Done once per window for the recurrent weights.
    static func pack(trans: Bool, k: Int, n: Int, b: UnsafePointer<Self>, ldb: Int,
                     into packed: UnsafeMutablePointer<Self>, compute: ComputeThreads)
    /// C (m, n) = [C +] A (m, k) · op(B) with op(B) packed by `pack`: the per-step
    /// recurrent products, which would otherwise repack the same weights every step.
    static func gemmPacked(m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
                           packed: UnsafePointer<Self>, accumulate: Bool,
                           c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C[:, columns] (m rows) = [C +] A (m, k) · op(B)[:, columns], op(B) (k, n)
    /// packed by `pack`; `c` points at column 0 of C. columns.lowerBound must
    /// be a multiple of 16 (a panel boundary) and columns.upperBound a multiple
    /// of 16 or n. The same sums as `gemmPacked` over all the columns.
    static func gemmPackedColumns(m: Int, columns: Range<Int>, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
                                  packed: UnsafePointer<Self>, accumulate: Bool,
                                  c: UnsafeMutablePointer<Self>, ldc: Int)
    /// The LSTM cell's element-wise forward through one step for `rows`
    /// streams and the hidden units `units`, as ck_lstm_forward_units: gates
    /// (rows, 4H) pre-activations in, activations out; c' = f⊙c + i⊙g,
    /// tanhC = tanh(c'), h' = o⊙tanh(c'), all (rows, H).
    static func lstmForwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Self>,
                                cPrev: UnsafePointer<Self>, cNext: UnsafeMutablePointer<Self>,
                                tanhC: UnsafeMutablePointer<Self>, hNext: UnsafeMutablePointer<Self>)
    /// The LSTM cell's element-wise backward through one step for `rows`
    /// streams and the hidden units `units`, as ck_lstm_backward_units: gates
    /// (rows, 4H) activations in, pre-activation gradients out; dc (rows, H)
    /// dL/dc_t in, dL/dc_{t-1} out.
    static func lstmBackwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Self>,
                                 dh: UnsafePointer<Self>, dc: UnsafeMutablePointer<Self>,
                                 cPrev: UnsafePointer<Self>, tanhC: UnsafePointer<Self>)
    /// x[i] = σ(x[i]) for i < n.
    static func sigmoid(_ x: UnsafeMutablePointer<Self>, _ n: Int)
    /// y[i] = tanh(x[i]) for i < n (may alias).
    static func tanh(_ y: UnsafeMutablePointer<Self>, _ x: UnsafePointer<Self>, _ n: Int)
    /// Each row of x (rows, cols) becomes exp(x - rowmax); row maxima and sums of exps are returned in maxOut, sumOut (rows).
    static func softmaxRows(_ x: UnsafeMutablePointer<Self>, rows: Int, cols: Int,
                            maxOut: UnsafeMutablePointer<Self>, sumOut: UnsafeMutablePointer<Self>)
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Square root.
    static func sqrt(_ x: Self) -> Self
}

/// A size as OpenBLAS's 32-bit blasint (traps beyond Int32, as the products could not run).
@inline(__always)
private func blasint(_ n: Int) -> Int32 { Int32(n) }

@inline(__always)
private func blasTranspose(_ t: Bool) -> Int32 { t ? 1 : 0 }

extension Float: BLASScalar {
    @inline(__always)
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cbl_sgemm(blasTranspose(transA), blasTranspose(transB), blasint(m), blasint(n), blasint(k),
                  alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    @inline(__always)
    package static func gemv(trans: Bool, rows: Int, cols: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cbl_sgemv(blasTranspose(trans), blasint(rows), blasint(cols), alpha, a, blasint(lda), x, beta, y)
    }

    @inline(__always)
    package static func packedSize(k: Int, n: Int) -> Int { Int(ck_packed_size(Int64(k), Int64(n))) }

    @inline(__always)
    package static func pack(trans: Bool, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int,
                            into packed: UnsafeMutablePointer<Float>, compute: ComputeThreads) {
        // Threads take blocks of 16-column panels.
        compute.forEachBlock(rows: (n + 15) / 16, work: k * n) { p0, p1 in
            ck_pack_b_panels(trans ? 1 : 0, Int64(k), Int64(n), b, Int64(ldb), packed, Int64(p0), Int64(p1))
        }
    }

    @inline(__always)
    package static func gemmPacked(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                  packed: UnsafePointer<Float>, accumulate: Bool,
                                  c: UnsafeMutablePointer<Float>, ldc: Int) {
        ck_gemm_packed(Int64(m), Int64(n), Int64(k), a, Int64(lda), packed, c, Int64(ldc), accumulate ? 1 : 0)
    }

    @inline(__always)
    package static func gemmPackedColumns(m: Int, columns: Range<Int>, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                         packed: UnsafePointer<Float>, accumulate: Bool,
                                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        // Panel p (columns [16p, 16p + 16)) starts at p · k · 16.
        ck_gemm_packed(Int64(m), Int64(columns.count), Int64(k), a, Int64(lda), packed + columns.lowerBound * k,
                       c + columns.lowerBound, Int64(ldc), accumulate ? 1 : 0)
    }

    @inline(__always)
    package static func lstmForwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Float>,
                                       cPrev: UnsafePointer<Float>, cNext: UnsafeMutablePointer<Float>,
                                       tanhC: UnsafeMutablePointer<Float>, hNext: UnsafeMutablePointer<Float>) {
        ck_lstm_forward_units(Int64(rows), Int64(H), Int64(units.lowerBound), Int64(units.upperBound),
                              gates, cPrev, cNext, tanhC, hNext)
    }

    @inline(__always)
    package static func lstmBackwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Float>,
                                        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
                                        cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>) {
        ck_lstm_backward_units(Int64(rows), Int64(H), Int64(units.lowerBound), Int64(units.upperBound),
                               gates, dh, dc, cPrev, tanhC)
    }

    @inline(__always)
    package static func sigmoid(_ x: UnsafeMutablePointer<Float>, _ n: Int) { ck_sigmoid(x, Int64(n)) }

    @inline(__always)
    package static func tanh(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        ck_tanh_to(y, x, Int64(n))
    }

    @inline(__always)
    package static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                   maxOut: UnsafeMutablePointer<Float>, sumOut: UnsafeMutablePointer<Float>) {
        ck_softmax_rows(x, Int64(rows), Int64(cols), maxOut, sumOut)
    }

    @inlinable @inline(__always) package static func log(_ x: Float) -> Float { logf(x) }
    @inlinable @inline(__always) package static func sqrt(_ x: Float) -> Float { sqrtf(x) }
}

extension Double: BLASScalar {
    package static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cbl_dgemm(blasTranspose(transA), blasTranspose(transB), blasint(m), blasint(n), blasint(k),
                  alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    package static func gemv(trans: Bool, rows: Int, cols: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        cbl_dgemv(blasTranspose(trans), blasint(rows), blasint(cols), alpha, a, blasint(lda), x, beta, y)
    }

    // Double (gradient checks only): "packing" is a row-major copy of op(B), and
    // the product is OpenBLAS's dgemm.
    package static func packedSize(k: Int, n: Int) -> Int { k * n }

    package static func pack(trans: Bool, k: Int, n: Int, b: UnsafePointer<Double>, ldb: Int,
                            into packed: UnsafeMutablePointer<Double>, compute: ComputeThreads) {
        for r in 0..<k {
            for c in 0..<n { packed[r * n + c] = trans ? b[c * ldb + r] : b[r * ldb + c] }
        }
    }

    package static func gemmPacked(m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
                                  packed: UnsafePointer<Double>, accumulate: Bool,
                                  c: UnsafeMutablePointer<Double>, ldc: Int) {
        gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: packed, ldb: n,
             beta: accumulate ? 1 : 0, c: c, ldc: ldc)
    }

    package static func gemmPackedColumns(m: Int, columns: Range<Int>, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
                                         packed: UnsafePointer<Double>, accumulate: Bool,
                                         c: UnsafeMutablePointer<Double>, ldc: Int) {
        gemm(transA: false, transB: false, m: m, n: columns.count, k: k, alpha: 1, a: a, lda: lda,
             b: packed + columns.lowerBound, ldb: n, beta: accumulate ? 1 : 0, c: c + columns.lowerBound, ldc: ldc)
    }

    // The same equations as lstm_cell.c, in Double.
    package static func lstmForwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Double>,
                                       cPrev: UnsafePointer<Double>, cNext: UnsafeMutablePointer<Double>,
                                       tanhC: UnsafeMutablePointer<Double>, hNext: UnsafeMutablePointer<Double>) {
        let (u0, n) = (units.lowerBound, units.count)
        for b in 0..<rows {
            let row = gates + b * 4 * H + u0, at = b * H + u0
            let cp = cPrev + at, cn = cNext + at, tc = tanhC + at, hn = hNext + at
            for g in 0..<3 { sigmoid(row + g * H, n) }
            tanh(row + 3 * H, row + 3 * H, n)
            for j in 0..<n { cn[j] = row[H + j] * cp[j] + row[j] * row[3 * H + j] }
            tanh(tc, cn, n)
            for j in 0..<n { hn[j] = row[2 * H + j] * tc[j] }
        }
    }

    package static func lstmBackwardStep(rows: Int, hidden H: Int, units: Range<Int>, gates: UnsafeMutablePointer<Double>,
                                        dh: UnsafePointer<Double>, dc: UnsafeMutablePointer<Double>,
                                        cPrev: UnsafePointer<Double>, tanhC: UnsafePointer<Double>) {
        let (u0, n) = (units.lowerBound, units.count)
        for b in 0..<rows {
            let row = gates + b * 4 * H + u0, at = b * H + u0
            let dhb = dh + at, dcb = dc + at, cpb = cPrev + at, tcb = tanhC + at
            for j in 0..<n {
                let i = row[j], f = row[H + j], o = row[2 * H + j], g = row[3 * H + j], tc = tcb[j]
                let dcj = dcb[j] + dhb[j] * o * (1 - tc * tc)
                let dO = dhb[j] * tc
                let dI = dcj * g, dF = dcj * cpb[j], dG = dcj * i
                dcb[j] = dcj * f
                row[j] = dI * i * (1 - i)
                row[H + j] = dF * f * (1 - f)
                row[2 * H + j] = dO * o * (1 - o)
                row[3 * H + j] = dG * (1 - g * g)
            }
        }
    }

    package static func sigmoid(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { x[i] = 1 / (1 + Glibc.exp(-x[i])) }
    }

    package static func tanh(_ y: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, _ n: Int) {
        for i in 0..<n { y[i] = Glibc.tanh(x[i]) }
    }

    package static func softmaxRows(_ x: UnsafeMutablePointer<Double>, rows: Int, cols: Int,
                                   maxOut: UnsafeMutablePointer<Double>, sumOut: UnsafeMutablePointer<Double>) {
        for r in 0..<rows {
            let row = x + r * cols
            var m = row[0]
            for c in 1..<max(cols, 1) where row[c] > m { m = row[c] }
            var s = 0.0
            for c in 0..<cols { let e = Glibc.exp(row[c] - m); row[c] = e; s += e }
            maxOut[r] = m
            sumOut[r] = s
        }
    }

    package static func log(_ x: Double) -> Double { Glibc.log(x) }
    package static func sqrt(_ x: Double) -> Double { Glibc.sqrt(x) }
}

/// Whether OpenBLAS may be called from several threads at once: true for the
/// threaded builds charlstm loads first, false for a single-threaded build,
/// whose buffer pool has no locks (ComputeThreads then runs each OpenBLAS
/// product on one thread). Loads OpenBLAS.
let blasAllowsConcurrentCalls: Bool = cbl_concurrent_calls_safe() != 0

/// Number of online CPU cores.
package func availableCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}

/// Loads OpenBLAS now (a 1×1 product) rather than at the first real product,
/// so a missing library is reported (one line, exit 1) before a command has
/// created any file.
package func loadBLAS() {
    var a: Float = 0, c: Float = 0
    Float.gemm(transA: false, transB: false, m: 1, n: 1, k: 1, alpha: 1, a: &a, lda: 1, b: &a, ldb: 1,
               beta: 0, c: &c, ldc: 1)
}
