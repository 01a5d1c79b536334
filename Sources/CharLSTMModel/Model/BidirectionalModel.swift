// BidirectionalModel: predicts each grapheme from the text on both sides of it.
//
// Dimension key: T time steps (positions), B batch, E embedding, H hidden,
// V vocabulary, N = T·B rows. Ids are time-major (T, B): row n = t·B + b.
//
// Two stacks of the same recurrent layers (RecurrentStack, same cell code):
//   forward  f_t = stackF(x_0 … x_t)          reads left to right, (T, B, H)
//   reverse  r_t = stackR(x_{T-1} … x_t)      reads right to left, (T, B, H)
// Position t is predicted from the forward state *before* it and the reverse
// state *after* it, so x_t itself is never seen:
//   z_t = [ f_{t-1} ; r_{t+1} ]               (T, B, 2H), with f_{-1} = r_T = 0
//   p(x_t | x_{≠t}) = softmax(z_t·W + b)      W (2H, V)
//   loss = Σ_t -log p(x_t | x_{≠t})           (the targets are the inputs)
// Both stacks start every window from a zero state: the reverse direction has
// no "previous window" to carry state from, so neither carries one. Dropout
// follows every layer of both stacks, as in Model.
//
// The reverse stack runs over the reversed ids, so its output row s is
// position T-1-s: r_{t+1} is row T-2-t of the reverse output.

/// A bidirectional (fill-in) model whose parameters live in one flat buffer.
import CharLSTMSupport

package final class BidirectionalModel<T: BLASScalar>: TrainableModel {
    package let config: ModelConfig
    package let layout: ParameterLayout
    /// All weights, (P), in layout order.
    package let parameters: Buffer<T>
    /// dLoss/dParameters, (P); `backward` adds into it.
    package let gradients: Buffer<T>
    let forwardStack: RecurrentStack<T>
    /// The threads every product and recurrence of this model forks over.
    package let compute: ComputeThreads
    let reverseStack: RecurrentStack<T>
    /// Weight drop (DropConnect on every W_h, WeightDrop.swift) in training windows, 0 ≤ p < 1; 0: off.
    package var weightDrop: Float = 0
    /// How dropout's masks vary within a training window (DropoutMask.swift).
    package var dropoutMask: DropoutMask = .step

    /// ids in reverse time order, (T, B); grown on demand
    private var reversedIds = UnsafeMutablePointer<Int32>.allocate(capacity: 0)
    private var reversedCapacity = 0
    /// z = [f_{t-1} ; r_{t+1}], (N, 2H); then reused for dz
    private let features = Workspace<T>()
    /// dLoss/dz, (N, 2H)
    private let featureGradient = Workspace<T>()
    /// logits, then probabilities, then dLoss/dlogits; (N, V)
    private let logits = Workspace<T>()
    /// the zero states both stacks start from, (L, [h, c], B, H) each
    private var forwardState: RecurrentState<T>
    private var reverseState: RecurrentState<T>
    private var lastInputs: UnsafePointer<Int32>?
    private var lastSteps = 0
    private var lastBatch = 0

    /// A model with all parameters zero (call `initialize` or load weights).
    /// `config.direction` must be `.bidirectional`.
    package init(config: ModelConfig, compute: ComputeThreads = .single) {
        precondition(config.direction == .bidirectional, "BidirectionalModel needs a bidirectional config")
        self.config = config
        layout = ParameterLayout(config)
        parameters = Buffer(count: layout.count)
        gradients = Buffer(count: layout.count)
        self.compute = compute
        forwardStack = RecurrentStack(config: config, parameters: layout.layers, compute: compute)
        reverseStack = RecurrentStack(config: config, parameters: layout.reverseLayers, compute: compute)
        forwardState = RecurrentState(config: config, batch: 1)
        reverseState = RecurrentState(config: config, batch: 1)
    }

    deinit { reversedIds.deallocate() }

    /// Runs the model over a (T, B) window and returns Σ_t -log p(x_t | the inputs
    /// on both sides of t) in nats: the targets of a bidirectional model are its
    /// inputs, so `targets` (a forward model's next ids) is not read. `state`
    /// supplies only the batch size B. With `training`, dropout and weight-drop
    /// masks are drawn from `rng` (the forward stack's, then the reverse one's).
    /// `inputs` must stay valid until `backward`.
    package func forward(inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                        state: RecurrentState<T>, training: Bool, rng: inout RandomGenerator,
                        rowLoss: UnsafeMutablePointer<Double>? = nil) -> Double {
        let B = state.batch, N = steps * B
        let (H, V) = (config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base)
        if forwardState.batch != B {
            forwardState = RecurrentState(config: config, batch: B)
            reverseState = RecurrentState(config: config, batch: B)
        }
        forwardState.reset()
        reverseState.reset()
        let p = training ? config.dropout : 0, wp = training ? weightDrop : 0

        if reversedCapacity < N {
            reversedIds.deallocate()
            reversedIds = .allocate(capacity: N)
            reversedCapacity = N
        }
        let ids = reversedIds
        for t in 0..<steps { (ids + t * B).update(from: inputs + (steps - 1 - t) * B, count: B) }
        let table = w + layout.embedding.offset
        let f = forwardStack.forward(ids: inputs, embedding: table, vocab: V, steps: steps, state: forwardState,
                                     weights: w, dropout: p, dropoutMask: dropoutMask, weightDrop: wp, rng: &rng)
        let r = reverseStack.forward(ids: ids, embedding: table, vocab: V, steps: steps, state: reverseState,
                                     weights: w, dropout: p, dropoutMask: dropoutMask, weightDrop: wp, rng: &rng)

        // z_t = [f_{t-1} ; r_{t+1}], zero at the edges.
        let z = features.pointer(N * 2 * H)
        for t in 0..<steps {
            for b in 0..<B {
                let row = z + (t * B + b) * 2 * H
                if t > 0 { row.update(from: f + ((t - 1) * B + b) * H, count: H) }
                else { row.update(repeating: 0, count: H) }
                if t < steps - 1 { (row + H).update(from: r + ((steps - 2 - t) * B + b) * H, count: H) }
                else { (row + H).update(repeating: 0, count: H) }
            }
        }
        lastInputs = inputs
        lastSteps = steps
        lastBatch = B
        return softmaxCrossEntropyForward(
            logits: logits.pointer(N * V), rowLoss: rowLoss, h: z, targets: inputs,
            weight: w + layout.outputWeight.offset, bias: w + layout.outputBias.offset,
            rows: N, hidden: 2 * H, vocab: V, compute: compute)
    }

    /// The probabilities of the last forward, (T·B, V), row n = t·B + b:
    /// p(x_t = v | everything but x_t).
    package var probabilities: UnsafePointer<T> { UnsafePointer(logits.pointer(0)) }

    /// Backward through the last forward for the loss `lossScale · Σ nats`.
    /// Adds into `gradients`. There is no initial state to differentiate
    /// (both stacks start from zero), so `initialStateGradient` is left alone.
    package func backward(lossScale: T, initialStateGradient: RecurrentState<T>? = nil) {
        guard let inputs = lastInputs else { return }
        let (steps, B) = (lastSteps, lastBatch), N = steps * B
        let (H, V) = (config.hidden, config.vocab)
        let w = UnsafePointer(parameters.base), g = gradients.base
        let dz = featureGradient.pointer(N * 2 * H)
        softmaxCrossEntropyBackward(
            dH: dz, dWeight: g + layout.outputWeight.offset, dBias: g + layout.outputBias.offset,
            probabilities: logits.pointer(0), h: features.pointer(0), targets: inputs,
            weight: w + layout.outputWeight.offset, scale: lossScale, rows: N, hidden: 2 * H, vocab: V, compute: compute)

        // Scatter dz back: f_t feeds z_{t+1}, r_s (position T-1-s) feeds z_{T-2-s}.
        let df = forwardStack.outputGradient(), dr = reverseStack.outputGradient()
        for t in 0..<steps {
            for b in 0..<B {
                let n = t * B + b
                if t < steps - 1 {
                    (df + n * H).update(from: dz + (n + B) * 2 * H, count: H)
                    (dr + n * H).update(from: dz + ((steps - 2 - t) * B + b) * 2 * H + H, count: H)
                } else {
                    (df + n * H).update(repeating: 0, count: H)
                    (dr + n * H).update(repeating: 0, count: H)
                }
            }
        }
        forwardStack.backward(initialStateGradient: nil, weights: w, gradients: g,
                              embeddingGradient: g + layout.embedding.offset)
        reverseStack.backward(initialStateGradient: nil, weights: w, gradients: g,
                              embeddingGradient: g + layout.embedding.offset)
        lastInputs = nil
    }
}
