// Initialisation: the schemes a new model's parameters can start from, and the
// defaults `charlstm train` and `charlstm bench` use, chosen by measurement
// (docs/training.md, "Choosing the initialisation").
//
// Dimension key: H hidden, G gate blocks of the cell (LSTM 4, GRU 3, RNN 1).

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the recurrent weights W_h, (H, G·H), start.
package enum RecurrentInitialisation: String, CaseIterable, Sendable {
    /// U(-1/√H, 1/√H), like every other weight (PyTorch's and torch-rnn's scheme).
    case uniform
    /// Each gate's (H, H) block a random orthogonal matrix (Saxe et al. 2014;
    /// Keras's default recurrent initialiser), drawn uniformly (Haar) from the
    /// orthogonal group: the Q of a Gaussian matrix's QR decomposition with R's
    /// diagonal positive. Costs O(G·H³) per layer at initialisation.
    case orthogonal
}

/// How the recurrent layers' biases, (G·H) per layer, start (the output layer's bias
/// starts at 0 whatever the scheme).
package enum BiasInitialisation: String, CaseIterable, Sendable {
    /// Each element the sum of two U(-1/√H, 1/√H) draws, PyTorch's b_ih + b_hh: its
    /// LSTM has two bias vectors per layer, which the gates see summed (triangular on
    /// ±2/√H, variance 2/(3H)).
    case pytorch
    /// One U(-1/√H, 1/√H) draw per element (variance 1/(3H)): charlstm's scheme
    /// before `pytorch` became the default.
    case uniform
}

/// The defaults of a new run's initialisation: one place, read by the library's
/// defaults (Trainer, TrainingRequest, BenchmarkSettings) and the CLI's help.
package enum InitialisationDefaults {
    /// The LSTM forget-gate bias; nil draws it like the other biases (`bias`), as
    /// PyTorch does. Drawn, not torch-rnn's 1: on English prose, source code and
    /// Russian it reached the better validation, both after 1,000 steps and after 10
    /// epochs (docs/training.md, "Choosing the initialisation").
    package static let forgetBias: Double? = nil
    package static let recurrent: RecurrentInitialisation = .uniform
    /// Two summed draws, as PyTorch's two bias vectors: on Russian it reached the better
    /// validation at the peer's protocol and at full length (docs/training.md).
    package static let bias: BiasInitialisation = .pytorch
    /// `forgetBias` as the CLI writes it: a number, or "drawn".
    package static var forgetBiasText: String {
        forgetBias.map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? "drawn"
    }
}

/// Fills the (H, G·H) row-major matrix at `p` with G random orthogonal (H, H) blocks
/// side by side (block g = columns g·H..<(g+1)·H), from `rng`: Gaussian entries
/// (Box–Muller), then modified Gram–Schmidt on the columns in Double.
func fillOrthogonalBlocks<T: BLASScalar>(_ p: UnsafeMutablePointer<T>, hidden H: Int, blocks G: Int,
                                         rng: inout RandomGenerator) {
    var q = [Double](repeating: 0, count: H * H)   // (H, H) column-major: column j at q[j·H..<(j+1)·H]
    for g in 0..<G {
        for k in 0..<(H * H) { q[k] = gaussian(&rng) }
        q.withUnsafeMutableBufferPointer { q in
            for j in 0..<H {
                // Remove the components along the columns already orthonormal.
                for i in 0..<j {
                    var dot = 0.0
                    for r in 0..<H { dot += q[i * H + r] * q[j * H + r] }
                    for r in 0..<H { q[j * H + r] -= dot * q[i * H + r] }
                }
                var norm = 0.0
                for r in 0..<H { norm += q[j * H + r] * q[j * H + r] }
                norm = norm.squareRoot()
                // A Gaussian column in the span of the others has probability 0; should
                // it happen, a unit vector outside it keeps the block orthogonal.
                if !(norm > 1e-12) {
                    for r in 0..<H { q[j * H + r] = 0 }
                    q[j * H + j] = 1
                    for i in 0..<j {
                        let dot = q[i * H + j]
                        for r in 0..<H { q[j * H + r] -= dot * q[i * H + r] }
                    }
                    norm = 0
                    for r in 0..<H { norm += q[j * H + r] * q[j * H + r] }
                    norm = norm.squareRoot()
                }
                for r in 0..<H { q[j * H + r] /= norm }
            }
        }
        for r in 0..<H {
            for c in 0..<H { p[r * (G * H) + g * H + c] = T(q[c * H + r]) }
        }
    }
}

/// One standard normal draw (Box–Muller; 1 − u keeps the logarithm finite).
private func gaussian(_ rng: inout RandomGenerator) -> Double {
    let u = 1 - rng.nextDouble(), v = rng.nextDouble()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
}
