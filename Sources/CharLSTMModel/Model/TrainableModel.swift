// TrainableModel: what the Trainer needs from a model, whichever way it reads.
//
// Dimension key: T time steps, B batch, V vocabulary, P parameters.
// Both kinds keep all weights in one flat buffer laid out by ParameterLayout,
// so the optimizer, gradient clipping and checkpoints never look inside.

/// A model trained on (T, B) windows of ids: Model (left to right) or
/// BidirectionalModel (both sides).
import CharLSTMSupport

package protocol TrainableModel<Scalar>: AnyObject {
    associatedtype Scalar: BLASScalar
    var config: ModelConfig { get }
    var layout: ParameterLayout { get }
    /// All weights, (P), in layout order.
    var parameters: Buffer<Scalar> { get }
    /// dLoss/dParameters, (P); `backward` adds into it.
    var gradients: Buffer<Scalar> { get }
    /// Summed cross-entropy in nats over the T·B targets of a (T, B) window;
    /// caches what `backward` needs. `targets` are the next ids (inputs shifted
    /// by one) for a forward model; a bidirectional model predicts its inputs
    /// and does not read them. See Model.forward and BidirectionalModel.forward.
    func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                 state: RecurrentState<Scalar>, training: Bool, rng: inout RandomGenerator,
                 rowLoss: UnsafeMutablePointer<Double>?) -> Double
    /// Backward through the last forward for the loss `lossScale · Σ nats`.
    func backward(lossScale: Scalar, initialStateGradient: RecurrentState<Scalar>?)
    /// The probabilities of the last forward, (T·B, V), row n = t·B + b.
    var probabilities: UnsafePointer<Scalar> { get }
}

extension TrainableModel {
    /// P, the number of trainable parameters (formula in ParameterLayout).
    package var parameterCount: Int { layout.count }

    /// Standard initialisation from `rng` (see `initializeParameters`).
    /// `forgetBias`: the LSTM forget-gate biases (nil: drawn like the other biases);
    /// `recurrent`: how W_h starts; `bias`: how the recurrent layers' biases start.
    package func initialize(rng: inout RandomGenerator, forgetBias: Double? = InitialisationDefaults.forgetBias,
                           recurrent: RecurrentInitialisation = InitialisationDefaults.recurrent,
                           bias: BiasInitialisation = InitialisationDefaults.bias) {
        initializeParameters(parameters.base, layout: layout, rng: &rng, forgetBias: forgetBias, recurrent: recurrent,
                             bias: bias)
    }

    /// A zero state for `batch` streams: the carried state of a forward model.
    /// A bidirectional model only takes B from it (both stacks start every
    /// window from zero).
    package func makeState(batch: Int) -> RecurrentState<Scalar> { RecurrentState(config: config, batch: batch) }

    /// `forward` without per-row losses.
    package func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                        state: RecurrentState<Scalar>, training: Bool, rng: inout RandomGenerator) -> Double {
        forward(inputs: inputs, targets: targets, steps: steps, state: state, training: training, rng: &rng, rowLoss: nil)
    }

    /// `backward` without the initial-state gradient.
    package func backward(lossScale: Scalar) {
        backward(lossScale: lossScale, initialStateGradient: nil)
    }
}

extension Model: TrainableModel {}

/// The model a Trainer trains, by direction. An enum rather than an
/// `any TrainableModel`, for the reason RecurrentLayerKind is one: calls
/// through an existential run the models' unspecialised generic code
/// (measured: training at H = 128 fell from 48k to 15k chars/s), while a switch
/// calls the Float-specialised methods.
package enum TrainingModel {
    case forward(Model<Float>)
    case bidirectional(BidirectionalModel<Float>)

    /// A model of the kind `config.direction` names, all parameters zero.
    package init(config: ModelConfig, compute: ComputeThreads = .single) {
        switch config.direction {
        case .forward: self = .forward(Model<Float>(config: config, compute: compute))
        case .bidirectional: self = .bidirectional(BidirectionalModel<Float>(config: config, compute: compute))
        }
    }

    package var config: ModelConfig {
        switch self { case .forward(let m): m.config; case .bidirectional(let m): m.config }
    }
    package var layout: ParameterLayout {
        switch self { case .forward(let m): m.layout; case .bidirectional(let m): m.layout }
    }
    /// All weights, (P), in layout order.
    package var parameters: Buffer<Float> {
        switch self { case .forward(let m): m.parameters; case .bidirectional(let m): m.parameters }
    }
    /// dLoss/dParameters, (P).
    package var gradients: Buffer<Float> {
        switch self { case .forward(let m): m.gradients; case .bidirectional(let m): m.gradients }
    }
    /// P.
    package var parameterCount: Int { layout.count }
    /// Weight drop in training windows (Model.weightDrop); 0: off.
    package var weightDrop: Float {
        get { switch self { case .forward(let m): m.weightDrop; case .bidirectional(let m): m.weightDrop } }
        nonmutating set {
            switch self { case .forward(let m): m.weightDrop = newValue; case .bidirectional(let m): m.weightDrop = newValue }
        }
    }
    /// This process's streams of the run's window dropout masks (Model.dropoutShare); forward models only
    /// (bidirectional ones are not trained across processes).
    package var dropoutShare: DropoutShare? {
        get { if case .forward(let m) = self { m.dropoutShare } else { nil } }
        nonmutating set { if case .forward(let m) = self { m.dropoutShare = newValue } }
    }
    /// How dropout's masks vary within a training window (Model.dropoutMask).
    package var dropoutMask: DropoutMask {
        get { switch self { case .forward(let m): m.dropoutMask; case .bidirectional(let m): m.dropoutMask } }
        nonmutating set {
            switch self { case .forward(let m): m.dropoutMask = newValue; case .bidirectional(let m): m.dropoutMask = newValue }
        }
    }

    package func initialize(rng: inout RandomGenerator, forgetBias: Double? = InitialisationDefaults.forgetBias,
                           recurrent: RecurrentInitialisation = InitialisationDefaults.recurrent,
                           bias: BiasInitialisation = InitialisationDefaults.bias) {
        switch self {
        case .forward(let m): m.initialize(rng: &rng, forgetBias: forgetBias, recurrent: recurrent, bias: bias)
        case .bidirectional(let m): m.initialize(rng: &rng, forgetBias: forgetBias, recurrent: recurrent, bias: bias)
        }
    }

    package func makeState(batch: Int) -> RecurrentState<Float> { RecurrentState(config: config, batch: batch) }

    /// See TrainableModel.forward.
    @inline(__always)
    package func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                        state: RecurrentState<Float>, training: Bool, rng: inout RandomGenerator,
                        rowLoss: UnsafeMutablePointer<Double>? = nil) -> Double {
        switch self {
        case .forward(let m):
            m.forward(inputs: inputs, targets: targets, steps: steps, state: state, training: training, rng: &rng, rowLoss: rowLoss)
        case .bidirectional(let m):
            m.forward(inputs: inputs, targets: targets, steps: steps, state: state, training: training, rng: &rng, rowLoss: rowLoss)
        }
    }

    /// See TrainableModel.backward.
    @inline(__always)
    package func backward(lossScale: Float, initialStateGradient: RecurrentState<Float>? = nil) {
        switch self {
        case .forward(let m): m.backward(lossScale: lossScale, initialStateGradient: initialStateGradient)
        case .bidirectional(let m): m.backward(lossScale: lossScale, initialStateGradient: initialStateGradient)
        }
    }
}
