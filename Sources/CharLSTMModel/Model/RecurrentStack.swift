// RecurrentStack: L recurrent layers with dropout between them, over whole windows.
//
// Dimension key: T time steps, B batch, E embedding (the bottom layer's input),
// H hidden, L layers, V vocabulary, N = T·B rows.
//
//   x_0 = Emb[ids]                  (N, E)   (never materialised: see InputProjection)
//   h_l = layer_l(x_l)              (N, H)   (on W_h' = M_l ⊙ W_h under weight drop: WeightDrop.swift)
//   x_{l+1} = dropout(h_l)          (N, H)   (identity when dropout is off; its mask is
//                                             (T, B, H), or under DropoutMask.window one
//                                             (B, H) mask used at every step: DropoutMask.swift)
//   output = x_L                    (N, H)
//
// Model has one stack; BidirectionalModel has a forward and a reverse one.

/// A stack of recurrent layers with their dropout masks and backward buffers.
import CharLSTMSupport

final class RecurrentStack<T: BLASScalar> {
    /// The layers, bottom first.
    let layers: [RecurrentLayerKind<T>]
    let hidden: Int
    let inputSize: Int
    /// each layer's output after dropout, (N, H) per layer (used only when dropout is active)
    private let dropped: [Workspace<T>]
    /// each layer's dropout mask, (N, H) per layer; under `.window` (B, H), the same at every step
    /// (across processes the rows of all the run's B streams, of which this process uses its share's)
    private let masks: [Workspace<T>]
    /// gradient ping-pong buffers, (N, H) each
    private let gradA = Workspace<T>(), gradB = Workspace<T>()
    /// the recurrent weights of the layer in hand, packed for its per-step
    /// products (one buffer for all layers: they run one at a time)
    private let packedWeights: Workspace<T>
    /// the recurrent weights' masks under weight drop
    private let weightDrop: WeightDrop<T>
    private var rows = 0
    private var dropoutActive = false
    /// how the last forward's masks vary over its steps, and its B
    private var maskMode = DropoutMask.step
    private var batch = 0
    /// where this process's rows start in a window mask (0 but across processes)
    private var maskOffset = 0

    /// The layers of `config.cell` whose weights are at `parameters` (bottom first).
    init(config: ModelConfig, parameters: [LayerParameters], compute: ComputeThreads) {
        hidden = config.hidden
        inputSize = config.embed
        let packedWeights = Workspace<T>()
        self.packedWeights = packedWeights
        layers = parameters.enumerated().map { l, p in
            let input = l == 0 ? config.embed : config.hidden
            switch config.cell {
            case .lstm: return .lstm(LSTMLayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p,
                                                  packedWeights: packedWeights, compute: compute))
            case .gru: return .gru(GRULayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p,
                                               packedWeights: packedWeights, compute: compute))
            case .rnn: return .rnn(RNNLayer<T>(inputSize: input, hiddenSize: config.hidden, parameters: p,
                                               packedWeights: packedWeights, compute: compute))
            }
        }
        dropped = layers.map { _ in Workspace<T>() }
        masks = layers.map { _ in Workspace<T>() }
        weightDrop = WeightDrop<T>(layers: layers.count)
    }

    /// Runs the stack over the tokens `ids` (T, B) embedded by `embedding` (V, E),
    /// from `state` (replaced by the final state); dropout `p` after every layer
    /// when `p > 0`, and weight drop `weightDrop` on every layer's W_h when it is
    /// above 0, masks drawn from `rng` (layer by layer: its W_h mask, then its
    /// dropout mask: T·B·H draws, or B·H under `dropoutMask` `.window`; with a
    /// `share`, the window masks of all its B streams, of which rows offset..<offset
    /// + `state.batch` apply). Returns the top output (T, B, H), valid until the
    /// next forward. `ids` must stay valid until `backward`.
    func forward(ids: UnsafePointer<Int32>, embedding: UnsafePointer<T>, vocab: Int, steps: Int,
                 state: RecurrentState<T>, weights: UnsafePointer<T>,
                 dropout p: Float, dropoutMask mode: DropoutMask = .step, share: DropoutShare? = nil,
                 weightDrop wp: Float = 0, rng: inout RandomGenerator) -> UnsafePointer<T> {
        let N = steps * state.batch, H = hidden
        rows = N
        batch = state.batch
        dropoutActive = p > 0
        maskMode = mode
        maskOffset = (share?.offset ?? 0) * H
        weightDrop.begin(p: wp)
        var x = LayerInput<T>.tokens(ids: ids, embedding: embedding, vocab: vocab)
        for (l, layer) in layers.enumerated() {
            let wh = layer.parameters.wh
            let recurrent = weightDrop.active
                ? weightDrop.draw(layer: l, wh: weights + wh.offset, count: wh.count, p: wp, rng: &rng) : nil
            let h = layer.forward(input: x, steps: steps, state: state.layers[l], weights: weights, recurrent: recurrent)
            if dropoutActive {
                let out = dropped[l].pointer(N * H)
                switch mode {
                case .step:
                    let mask = masks[l].pointer(N * H)
                    dropoutMask(mask, count: N * H, p: p, rng: &rng)
                    applyMask(out, h, mask, count: N * H)
                case .window:
                    let BH = state.batch * H, all = (share?.batch ?? state.batch) * H
                    let drawn = masks[l].pointer(all)
                    dropoutMask(drawn, count: all, p: p, rng: &rng)
                    let mask = drawn + maskOffset
                    for t in 0..<steps { applyMask(out + t * BH, h + t * BH, mask, count: BH) }
                }
                x = .rows(UnsafePointer(out))
            } else {
                x = .rows(h)
            }
        }
        guard case .rows(let top) = x else { preconditionFailure("a stack has at least one layer") }
        return top
    }

    /// Where the caller writes dLoss/dOutput, (N, H), before `backward`.
    func outputGradient() -> UnsafeMutablePointer<T> {
        gradA.pointer(rows * hidden)
    }

    /// Backward through the last forward from the gradient in `outputGradient()`
    /// (overwritten). Adds weight gradients into `gradients` (the embedding's at
    /// `embeddingGradient`, (V, E)) and writes the initial-state gradient when asked.
    func backward(initialStateGradient: RecurrentState<T>?, weights: UnsafePointer<T>,
                  gradients: UnsafeMutablePointer<T>, embeddingGradient: UnsafeMutablePointer<T>) {
        let N = rows, H = hidden
        var dOut = gradA.pointer(N * H), dIn = gradB.pointer(N * H)
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            if dropoutActive {
                let mask = masks[l].pointer(0)
                switch maskMode {
                case .step: applyMask(dOut, dOut, mask, count: N * H)
                case .window:
                    let BH = batch * H
                    for t in 0..<(N / batch) { applyMask(dOut + t * BH, dOut + t * BH, mask + maskOffset, count: BH) }
                }
            }
            let wh = layers[l].parameters.wh
            let recurrent = weightDrop.active ? weightDrop.backward(layer: l, count: wh.count) : nil
            layers[l].backward(dInput: l == 0 ? embeddingGradient : dIn, dOutput: dOut,
                               initialStateGradient: initialStateGradient?.layers[l], weights: weights, gradients: gradients,
                               recurrent: recurrent)
            if recurrent != nil { weightDrop.accumulate(layer: l, into: gradients + wh.offset, count: wh.count) }
            swap(&dOut, &dIn)
        }
    }
}
