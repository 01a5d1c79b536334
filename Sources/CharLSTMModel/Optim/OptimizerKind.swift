// OptimizerKind: which optimizer updates the parameters, and its stable code in checkpoint files.

/// The optimizer that updates the parameters.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// Adam (Kingma & Ba): β1 0.9, β2 0.999, ε 1e-8.
    case adam
    /// RMSprop as in char-rnn: decay 0.95, ε 1e-8.
    case rmsprop
    /// Stochastic gradient descent with momentum 0.9.
    case sgd

    /// Stable numeric code used in checkpoint files.
    package var code: UInt8 {
        switch self { case .adam: 0; case .rmsprop: 1; case .sgd: 2 }
    }

    package init?(code: UInt8) {
        switch code { case 0: self = .adam; case 1: self = .rmsprop; case 2: self = .sgd; default: return nil }
    }
}
