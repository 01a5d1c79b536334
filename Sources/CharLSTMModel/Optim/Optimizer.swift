// Optimizer: Adam, RMSprop and SGD with momentum over the flat parameter buffer.
//
// Moments share the parameter layout, so each update is one loop over P.

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#endif

/// Updates parameters from gradients; deterministic.
package final class Optimizer<T: BLASScalar> {
    package let kind: OptimizerKind
    /// Adam m / RMSprop mean square / SGD velocity, (P)
    package let moment1: Buffer<T>
    /// Adam v, (P); empty for RMSprop and SGD
    package let moment2: Buffer<T>
    /// Updates taken so far (Adam's bias correction uses it).
    package var step: Int = 0
    /// The threads the element-wise update is spread over (the bits do not depend on them).
    package let compute: ComputeThreads

    package static var adamBeta1: Double { 0.9 }
    package static var adamBeta2: Double { 0.999 }
    package static var epsilon: Double { 1e-8 }
    /// char-rnn's RMSprop decay.
    package static var rmspropDecay: Double { 0.95 }
    package static var sgdMomentum: Double { 0.9 }

    package init(kind: OptimizerKind, parameterCount: Int, compute: ComputeThreads = .single) {
        self.compute = compute
        self.kind = kind
        moment1 = Buffer(count: parameterCount)
        moment2 = Buffer(count: kind == .adam ? parameterCount : 0)
    }

    /// One update of `parameters` (P) from `gradients` (P) at `learningRate`.
    // Specialised here for Float: Training calls it from another module, where
    // the generic body would step through protocol witnesses (measured 1.4x slower).
    @_specialize(exported: true, where T == Float)
    package func update(parameters: Buffer<T>, gradients: Buffer<T>, learningRate: Double) {
        step += 1
        let p = parameters.base, g = gradients.base, m = moment1.base
        let n = parameters.count
        let eps = T(Self.epsilon)
        switch kind {
        case .adam:
            let v = moment2.base
            let b1 = T(Self.adamBeta1), b2 = T(Self.adamBeta2)
            let c1 = 1 - pow(Self.adamBeta1, Double(step)), c2 = 1 - pow(Self.adamBeta2, Double(step))
            // p -= lr · m̂ / (√v̂ + ε) with m̂ = m/c1, v̂ = v/c2
            let stepSize = T(learningRate / c1), rc2 = T(1 / c2.squareRoot())
            compute.forEachChunk(count: n) { k0, k1 in for k in k0..<k1 {
                let gk = g[k]
                let mk = b1 * m[k] + (1 - b1) * gk
                let vk = b2 * v[k] + (1 - b2) * gk * gk
                m[k] = mk
                v[k] = vk
                p[k] -= stepSize * mk / (vk.squareRoot() * rc2 + eps)
            } }
        case .rmsprop:
            let d = T(Self.rmspropDecay), lr = T(learningRate)
            compute.forEachChunk(count: n) { k0, k1 in for k in k0..<k1 {
                let gk = g[k]
                let mk = d * m[k] + (1 - d) * gk * gk
                m[k] = mk
                p[k] -= lr * gk / (mk.squareRoot() + eps)
            } }
        case .sgd:
            let mu = T(Self.sgdMomentum), lr = T(learningRate)
            compute.forEachChunk(count: n) { k0, k1 in for k in k0..<k1 {
                let vk = mu * m[k] + g[k]
                m[k] = vk
                p[k] -= lr * vk
            } }
        }
    }
}

/// Scales `gradients` so their global L2 norm is at most `maxNorm` (0 = no clipping).
/// Returns the norm before clipping (NaN/inf if any gradient is not finite).
@discardableResult
@_specialize(exported: true, where T == Float)
package func clipGradientNorm<T: BLASScalar>(_ gradients: Buffer<T>, maxNorm: Double,
                                             compute: ComputeThreads = .single) -> Double {
    let g = gradients.base, n = gradients.count
    // Σ g² in Double, by fixed chunks whose partial sums are added in chunk
    // order: the same norm on any number of threads.
    let sum = compute.sumOfChunks(count: n) { k0, k1 in
        var s = 0.0
        for k in k0..<k1 { let x = Double(g[k]); s += x * x }
        return s
    }
    let norm = sum.squareRoot()
    if maxNorm > 0, norm > maxNorm, norm.isFinite {
        let s = T(maxNorm / norm)
        compute.forEachChunk(count: n) { k0, k1 in for k in k0..<k1 { g[k] *= s } }
    }
    return norm
}
