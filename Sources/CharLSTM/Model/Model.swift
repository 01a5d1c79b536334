// Model: embedding → L recurrent layers → linear → softmax, over whole windows.
//
// Dimension key: T time steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, N = T·B rows, P parameters (see ParameterLayout for the formula).
// Inputs and targets are time-major (T, B) Int32 ids: row n = t·B + b.
//
// Forward (training):  x0 = embed(ids)            (N, E)
//                      h_l = layer_l(x_l)          (N, H)
//                      x_{l+1} = dropout(h_l)      (N, H)   (identity when p = 0 or not training)
//                      loss = CE(x_L·W + b, targets)
// Backward runs the same chain in reverse and adds into `gradients`.

/// A character-level language model whose parameters live in one flat buffer.
public final class Model<T: BLASScalar> {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// All weights, (P), in layout order.
    public let parameters: Buffer<T>
    /// dLoss/dParameters, (P), same layout; `backward` adds into it.
    public let gradients: Buffer<T>
    /// The recurrent layers, bottom first.
    public let layers: [RecurrentLayerKind<T>]

    /// embedded inputs, (N, E)
    private let embedded = Workspace<T>()
    /// each layer's output after dropout, (N, H) per layer (used only when dropout is active)
    private let dropped: [Workspace<T>]
    /// each layer's dropout mask, (N, H) per layer
    private let masks: [Workspace<T>]
    /// logits, then probabilities, then dz; (N, V)
    private let logits = Workspace<T>()
    /// gradient ping-pong buffers, (N, max(E, H)) each
    private let gradA = Workspace<T>(), gradB = Workspace<T>()
    /// each layer's input for the last forward
    private var layerInputs: [UnsafePointer<T>] = []
    private var top: UnsafePointer<T>?
    private var lastInputs: UnsafePointer<Int32>?
    private var lastTargets: UnsafePointer<Int32>?
    private var lastRows = 0
    private var dropoutActive = false

    /// A model with all parameters zero (call `initialize` or load weights).
    public init(config: ModelConfig) {
        self.config = config
        layout = ParameterLayout(config)
        parameters = Buffer(count: layout.count)
        gradients = Buffer(count: layout.count)
        var layers: [RecurrentLayerKind<T>] = []
        for (l, p) in layout.layers.enumerated() {
            let input = l == 0 ? config.embed : config.hidden
            switch config.cell {
            case .lstm: layers.append(.lstm(LSTMLayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p)))
            case .gru: layers.append(.gru(GRULayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p)))
            case .rnn: layers.append(.rnn(RNNLayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p)))
            }
        }
        self.layers = layers
        dropped = layers.map { _ in Workspace<T>() }
        masks = layers.map { _ in Workspace<T>() }
    }

    /// P, the number of trainable parameters: V·E + Σ_l [(in_l + H)·G·H + G·H] + H·V + V.
    public var parameterCount: Int { layout.count }

    /// Standard initialisation from `rng`:
    /// embedding U(-√3, √3) (unit variance, like N(0, 1));
    /// recurrent weights and biases U(-1/√H, 1/√H), as PyTorch and torch-rnn do;
    /// LSTM forget-gate biases 1; output weights U(-1/√H, 1/√H), output bias 0.
    public func initialize(rng: inout RandomGenerator) {
        let p = parameters.base
        func fill(_ v: ParameterView, _ a: Double) {
            for k in v.range { p[k] = T((rng.nextDouble() * 2 - 1) * a) }
        }
        fill(layout.embedding, 3.0.squareRoot())
        let k = 1 / Double(config.hidden).squareRoot()
        for l in layout.layers {
            fill(l.wx, k); fill(l.wh, k); fill(l.bias, k)
            if config.cell == .lstm {
                let H = config.hidden
                for j in H..<(2 * H) { p[l.bias.offset + j] = 1 }
            }
        }
        fill(layout.outputWeight, k)
        for j in layout.outputBias.range { p[j] = 0 }
    }

    /// A fresh zero state for `batch` streams.
    public func makeState(batch: Int) -> RecurrentState<T> { RecurrentState(config: config, batch: batch) }

    /// Runs the model over a (T, B) window from `state` (replaced by the final
    /// state) and returns the summed cross-entropy in nats over the T·B targets.
    /// With `training`, dropout masks are drawn from `rng`. Caches what
    /// `backward` needs. `rowLoss` (T·B), when given, receives each target's loss.
    /// `inputs` and `targets` must stay valid until `backward`.
    public func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                        state: RecurrentState<T>, training: Bool, rng: inout RandomGenerator,
                        rowLoss: UnsafeMutablePointer<Double>? = nil) -> Double {
        let B = state.batch, N = steps * B
        let (E, H, V) = (config.embed, config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base)
        dropoutActive = training && config.dropout > 0
        let x0 = embedded.pointer(N * E)
        embeddingForward(x0, ids: inputs, table: w + layout.embedding.offset, rows: N, embed: E)
        var x = UnsafePointer(x0)
        layerInputs.removeAll(keepingCapacity: true)
        for (l, layer) in layers.enumerated() {
            layerInputs.append(x)
            let h = layer.forward(input: x, steps: steps, state: state.layers[l], weights: w)
            if dropoutActive {
                let mask = masks[l].pointer(N * H), out = dropped[l].pointer(N * H)
                dropoutMask(mask, count: N * H, p: config.dropout, rng: &rng)
                applyMask(out, h, mask, count: N * H)
                x = UnsafePointer(out)
            } else {
                x = h
            }
        }
        top = x
        lastInputs = inputs
        lastTargets = targets
        lastRows = N
        return softmaxCrossEntropyForward(
            logits: logits.pointer(N * V), rowLoss: rowLoss, h: x, targets: targets,
            weight: w + layout.outputWeight.offset, bias: w + layout.outputBias.offset,
            rows: N, hidden: H, vocab: V)
    }

    /// The probabilities of the last forward, (T·B, V), row n = t·B + b.
    public var probabilities: UnsafePointer<T> { UnsafePointer(logits.pointer(0)) }

    /// Backward through the last forward for the loss `lossScale · Σ nats`
    /// (use 1/(T·B) for the mean). Adds into `gradients`; writes the gradient
    /// w.r.t. the initial state into `initialStateGradient` when given.
    public func backward(lossScale: T, initialStateGradient: RecurrentState<T>? = nil) {
        guard let top, let inputs = lastInputs, let targets = lastTargets else { return }
        let N = lastRows, (E, H, V) = (config.embed, config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base), g = gradients.base
        let width = max(E, H)
        var dOut = gradA.pointer(N * width), dIn = gradB.pointer(N * width)
        softmaxCrossEntropyBackward(
            dH: dOut, dWeight: g + layout.outputWeight.offset, dBias: g + layout.outputBias.offset,
            probabilities: logits.pointer(0), h: top, targets: targets,
            weight: w + layout.outputWeight.offset, scale: lossScale, rows: N, hidden: H, vocab: V)
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            if dropoutActive { applyMask(dOut, dOut, masks[l].pointer(0), count: N * H) }
            layers[l].backward(dInput: dIn, dOutput: dOut,
                               initialStateGradient: initialStateGradient?.layers[l], weights: w, gradients: g)
            swap(&dOut, &dIn)
        }
        embeddingBackward(g + layout.embedding.offset, dOut: dOut, ids: inputs, rows: N, embed: E)
        self.top = nil
        lastInputs = nil
        lastTargets = nil
    }
}
