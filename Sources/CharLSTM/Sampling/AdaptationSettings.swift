// AdaptationSettings: how a model keeps learning from the text it reads
// (dynamic evaluation, `--adapt`); the update is in DynamicEvaluator.

/// The learning rate, decay and segment length of dynamic evaluation.
public struct AdaptationSettings: Equatable, Sendable {
    /// η, the step size of the RMS-normalised update (> 0).
    public var learningRate: Double
    /// λ, the fraction of the way back to the trained weights taken at every update (0 ≤ λ < 1).
    public var decay: Double
    /// K, the graphemes scored between two updates (≥ 1).
    public var segment: Int

    /// The defaults, tuned on tinyshakespeare's validation part with the bundled model (docs/adaptation.md).
    public static let defaults = AdaptationSettings(learningRate: 4e-4, decay: 1e-3, segment: 50)

    public init(learningRate: Double = defaults.learningRate, decay: Double = defaults.decay,
                segment: Int = defaults.segment) {
        self.learningRate = learningRate
        self.decay = decay
        self.segment = segment
    }

    /// The longest segment: one backward keeps every step's activations.
    public static let maximumSegment = 10_000

    /// Which setting is out of range, in the library's words; nil when all are valid.
    public func problem() -> AdaptationProblem? {
        if !(learningRate.isFinite && learningRate > 0) { return .learningRate(learningRate) }
        if !(decay.isFinite && decay >= 0 && decay < 1) { return .decay(decay) }
        if !(1...Self.maximumSegment).contains(segment) { return .segment(segment) }
        return nil
    }
}

/// An adaptation setting out of range.
public enum AdaptationProblem: Error, Equatable, CustomStringConvertible {
    case learningRate(Double)
    case decay(Double)
    case segment(Int)

    public var description: String {
        switch self {
        case .learningRate(let x): "the adaptation learning rate must be a number above 0 (got \(x))"
        case .decay(let x): "the adaptation decay must be at least 0 and below 1 (got \(x))"
        case .segment(let n): "the adaptation segment must be between 1 and \(AdaptationSettings.maximumSegment) graphemes (got \(n))"
        }
    }
}
