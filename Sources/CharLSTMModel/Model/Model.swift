// Model: embedding → L recurrent layers → linear → softmax, over whole windows.
//
// Dimension key: T time steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, N = T·B rows, P parameters (see ParameterLayout for the formula).
// Inputs and targets are time-major (T, B) Int32 ids: row n = t·B + b.
//
// Forward (training):  x0 = embed(ids)            (N, E)   (folded into layer 0's input projection)
//                      h_l = layer_l(x_l)          (N, H)   ┐ RecurrentStack (W_h' = M ⊙ W_h under weight drop)
//                      x_{l+1} = dropout(h_l)      (N, H)   ┘ (identity when p = 0 or not training)
//                      loss = CE(x_L·W + b, targets)
// Backward runs the same chain in reverse and adds into `gradients`.
// This is the left-to-right language model; BidirectionalModel is the fill model.

/// A character-level language model whose parameters live in one flat buffer.
import CharLSTMSupport

package final class Model<T: BLASScalar> {
    package let config: ModelConfig
    package let layout: ParameterLayout
    /// All weights, (P), in layout order.
    package let parameters: Buffer<T>
    /// dLoss/dParameters, (P), same layout; `backward` adds into it.
    package let gradients: Buffer<T>
    /// The recurrent layers with their dropout, bottom first.
    let stack: RecurrentStack<T>
    /// The threads every product and recurrence of this model forks over.
    package let compute: ComputeThreads
    /// Weight drop (DropConnect on every W_h, WeightDrop.swift) in training windows, 0 ≤ p < 1; 0: off.
    /// A training setting, not part of the model's shape: the trainer sets it.
    package var weightDrop: Float = 0
    /// How dropout's masks vary within a training window (DropoutMask.swift); a training setting.
    package var dropoutMask: DropoutMask = .step
    /// This process's streams of the run's, across processes (nil: all the batch's).
    package var dropoutShare: DropoutShare?

    /// logits, then probabilities, then dz; (N, V)
    private let logits = Workspace<T>()
    private var top: UnsafePointer<T>?
    private var lastInputs: UnsafePointer<Int32>?
    private var lastTargets: UnsafePointer<Int32>?
    private var lastRows = 0

    /// A model with all parameters zero (call `initialize` or load weights).
    /// `config.direction` must be `.forward` (see BidirectionalModel).
    package init(config: ModelConfig, compute: ComputeThreads = .single) {
        precondition(config.direction == .forward, "Model is left to right; use BidirectionalModel")
        self.config = config
        layout = ParameterLayout(config)
        parameters = Buffer(count: layout.count)
        gradients = Buffer(count: layout.count)
        self.compute = compute
        stack = RecurrentStack(config: config, parameters: layout.layers, compute: compute)
    }

    /// Runs the model over a (T, B) window from `state` (replaced by the final
    /// state) and returns the summed cross-entropy in nats over the T·B targets.
    /// With `training`, dropout and weight-drop masks are drawn from `rng`. Caches what
    /// `backward` needs. `rowLoss` (T·B), when given, receives each target's loss.
    /// `inputs` and `targets` must stay valid until `backward`.
    // Specialised for Float for callers in other modules (DynamicEvaluator, tests), which
    // would otherwise run the generic body.
    @_specialize(exported: true, where T == Float)
    package func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                        state: RecurrentState<T>, training: Bool, rng: inout RandomGenerator,
                        rowLoss: UnsafeMutablePointer<Double>? = nil) -> Double {
        let B = state.batch, N = steps * B
        let (H, V) = (config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base)
        let x = stack.forward(ids: inputs, embedding: w + layout.embedding.offset, vocab: V, steps: steps,
                              state: state, weights: w, dropout: training ? config.dropout : 0, dropoutMask: dropoutMask, share: dropoutShare,
                              weightDrop: training ? weightDrop : 0, rng: &rng)
        top = x
        lastInputs = inputs
        lastTargets = targets
        lastRows = N
        return softmaxCrossEntropyForward(
            logits: logits.pointer(N * V), rowLoss: rowLoss, h: x, targets: targets,
            weight: w + layout.outputWeight.offset, bias: w + layout.outputBias.offset,
            rows: N, hidden: H, vocab: V, compute: compute)
    }

    /// The probabilities of the last forward, (T·B, V), row n = t·B + b.
    package var probabilities: UnsafePointer<T> { UnsafePointer(logits.pointer(0)) }

    /// Backward through the last forward for the loss `lossScale · Σ nats`
    /// (use 1/(T·B) for the mean). Adds into `gradients`; writes the gradient
    /// w.r.t. the initial state into `initialStateGradient` when given.
    // Specialised for Float for callers in other modules (DynamicEvaluator, tests), which
    // would otherwise run the generic body.
    @_specialize(exported: true, where T == Float)
    package func backward(lossScale: T, initialStateGradient: RecurrentState<T>? = nil) {
        guard let top, lastInputs != nil, let targets = lastTargets else { return }
        let N = lastRows, (H, V) = (config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base), g = gradients.base
        softmaxCrossEntropyBackward(
            dH: stack.outputGradient(), dWeight: g + layout.outputWeight.offset, dBias: g + layout.outputBias.offset,
            probabilities: logits.pointer(0), h: top, targets: targets,
            weight: w + layout.outputWeight.offset, scale: lossScale, rows: N, hidden: H, vocab: V, compute: compute)
        stack.backward(initialStateGradient: initialStateGradient, weights: w, gradients: g,
                       embeddingGradient: g + layout.embedding.offset)
        self.top = nil
        lastInputs = nil
        lastTargets = nil
    }
}

/// Standard initialisation of a flat parameter buffer laid out by `layout`, from `rng`:
/// embedding U(-√3, √3) (unit variance, like N(0, 1));
/// input and recurrent weights U(-1/√H, 1/√H), as PyTorch and torch-rnn do, or W_h
/// orthogonal gate block by gate block (`recurrent`, see `RecurrentInitialisation`);
/// recurrent-layer biases U(-1/√H, 1/√H), plus a second such draw per element with
/// `bias` `.pytorch` (see `BiasInitialisation`); LSTM forget-gate biases `forgetBias`
/// (nil draws them like the other biases, as PyTorch does); output weights
/// U(-1/√H, 1/√H), output bias 0. Layers are drawn bottom first, the forward stack
/// before the reverse one; per layer W_x, W_h, the bias, then the bias's second pass.
/// The defaults are `InitialisationDefaults`'.
func initializeParameters<T: BLASScalar>(_ p: UnsafeMutablePointer<T>, layout: ParameterLayout,
                                         rng: inout RandomGenerator,
                                         forgetBias: Double? = InitialisationDefaults.forgetBias,
                                         recurrent: RecurrentInitialisation = InitialisationDefaults.recurrent,
                                         bias: BiasInitialisation = InitialisationDefaults.bias) {
    let config = layout.config
    func fill(_ v: ParameterView, _ a: Double) {
        for k in v.range { p[k] = T((rng.nextDouble() * 2 - 1) * a) }
    }
    fill(layout.embedding, 3.0.squareRoot())
    let k = 1 / Double(config.hidden).squareRoot()
    for l in layout.layers + layout.reverseLayers {
        fill(l.wx, k)
        switch recurrent {
        case .uniform: fill(l.wh, k)
        case .orthogonal: fillOrthogonalBlocks(p + l.wh.offset, hidden: config.hidden, blocks: config.cell.gateCount, rng: &rng)
        }
        fill(l.bias, k)
        if bias == .pytorch {
            // PyTorch's b_ih + b_hh: a second pass adds one more draw to each element.
            for j in l.bias.range { p[j] = p[j] + T((rng.nextDouble() * 2 - 1) * k) }
        }
        if config.cell == .lstm, let forgetBias {
            let H = config.hidden
            for j in H..<(2 * H) { p[l.bias.offset + j] = T(forgetBias) }
        }
    }
    fill(layout.outputWeight, k)
    for j in layout.outputBias.range { p[j] = 0 }
}
