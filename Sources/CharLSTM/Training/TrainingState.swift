// TrainingState: everything beyond the weights that an exact resume needs.

/// The optimizer that updates the parameters.
public enum OptimizerKind: String, CaseIterable, Sendable {
    /// Adam (Kingma & Ba): β1 0.9, β2 0.999, ε 1e-8.
    case adam
    /// RMSprop as in char-rnn: decay 0.95, ε 1e-8.
    case rmsprop
    /// Stochastic gradient descent with momentum 0.9.
    case sgd

    /// Stable numeric code used in checkpoint files.
    public var code: UInt8 {
        switch self { case .adam: 0; case .rmsprop: 1; case .sgd: 2 }
    }

    public init?(code: UInt8) {
        switch code { case 0: self = .adam; case 1: self = .rmsprop; case 2: self = .sgd; default: return nil }
    }
}

/// One point of the loss history (one evaluation).
public struct HistoryPoint: Equatable, Sendable {
    public var step: Int
    public var epoch: Double
    /// Mean training loss since the previous point, bits per grapheme.
    public var trainBPC: Double
    /// Validation loss, bits per grapheme; NaN when not evaluated.
    public var valBPC: Double
    public var learningRate: Double

    public init(step: Int, epoch: Double, trainBPC: Double, valBPC: Double, learningRate: Double) {
        self.step = step
        self.epoch = epoch
        self.trainBPC = trainBPC
        self.valBPC = valBPC
        self.learningRate = learningRate
    }
}

/// The training hyper-parameters a resumed run must reuse. The defaults here are
/// `charlstm train`'s defaults (the CLI reads them from this type).
public struct TrainingOptions: Equatable, Sendable {
    public var optimizer: OptimizerKind = .adam
    /// B, parallel streams per batch.
    public var batch: Int = 50
    /// T, time steps per truncated-BPTT window.
    public var seqLength: Int = 100
    public var learningRate: Double = 2e-3
    /// Multiply the learning rate by this factor every `lrDecayEvery` steps (1 = no decay).
    public var lrDecay: Double = 1
    public var lrDecayEvery: Int = 0
    /// Global gradient-norm clip (0 = off).
    public var gradClip: Double = 5
    public var valFraction: Double = 0.05
    public var testFraction: Double = 0.05
    /// Total optimizer steps planned for the run.
    public var totalSteps: Int = 0
    /// Seeds the run's one generator (initialisation, then dropout); `charlstm train --seed`.
    public var seed: UInt64 = 1

    public init() {}
}

/// Optimizer moments and the exact position of a run, saved in checkpoints.
public struct TrainingState: Equatable, Sendable {
    public var options: TrainingOptions
    /// First moment (Adam m, RMSprop mean square, SGD velocity), P floats in parameter layout.
    public var moment1: [Float]
    /// Second moment (Adam v), P floats; empty for RMSprop and SGD.
    public var moment2: [Float]
    /// Optimizer steps taken so far.
    public var step: Int
    /// Completed passes over the training data.
    public var epoch: Int
    /// Index of the next window within the current epoch.
    public var dataPosition: Int
    /// The generator's four state words.
    public var rngState: [UInt64]
    /// The learning rate in force (after decay and NaN halvings).
    public var learningRate: Double
    /// Hidden state carried across batches: L × (1 or 2) × B × H floats (h then c per layer).
    public var carriedState: [Float]
    public var history: [HistoryPoint]

    public init(options: TrainingOptions, moment1: [Float], moment2: [Float], step: Int, epoch: Int,
                dataPosition: Int, rngState: [UInt64], learningRate: Double, carriedState: [Float],
                history: [HistoryPoint]) {
        self.options = options
        self.moment1 = moment1
        self.moment2 = moment2
        self.step = step
        self.epoch = epoch
        self.dataPosition = dataPosition
        self.rngState = rngState
        self.learningRate = learningRate
        self.carriedState = carriedState
        self.history = history
    }
}
