// WeightDrop: DropConnect on the recurrent weights, AWD-LSTM's weight drop
// (Merity et al. 2017, "Regularizing and Optimizing LSTM Language Models").
//
// Dimension key: H hidden, G gate blocks, L layers.
// In a training window (one forward and its backward, every time step and
// every stream of it) layer l multiplies by
//   W_h' = M_l ⊙ W_h                (H, G·H)
// where M_l holds 0 (probability p) or 1/(1 - p), drawn once per window from
// the run's generator (layer by layer, each before that layer's forward). The
// layer's W_h gradient is then dW_h += M_l ⊙ dW_h'. Evaluation and inference
// use W_h itself (E[W_h'] = W_h). p = 0 draws nothing and changes nothing.
// The buffers are allocated on the first window and reused: the time-step
// loops see only a pointer to W_h' instead of W_h.

/// The masks, masked weights and gradient scratch of one stack's weight drop.
import CharLSTMSupport

final class WeightDrop<T: BLASScalar> {
    /// each layer's mask M_l, (H, G·H)
    private let masks: [Workspace<T>]
    /// each layer's W_h' = M_l ⊙ W_h, (H, G·H)
    private let dropped: [Workspace<T>]
    /// dL/dW_h' of the layer in hand, (H, G·H) (one buffer: layers run backward one at a time)
    private let gradient = Workspace<T>()
    /// Whether the last forward dropped weights (its backward must then use them).
    private(set) var active = false

    init(layers: Int) {
        masks = (0..<layers).map { _ in Workspace<T>() }
        dropped = (0..<layers).map { _ in Workspace<T>() }
    }

    /// Starts a window: weight drop `p` (0: off) in every layer until the next `begin`.
    func begin(p: Float) { active = p > 0 }

    /// Draws layer `l`'s mask from `rng` (keep with probability 1 - p) and returns
    /// W_h' = M ⊙ `wh` (`count` = H·G·H values) for its forward.
    func draw(layer l: Int, wh: UnsafePointer<T>, count n: Int, p: Float,
              rng: inout RandomGenerator) -> RecurrentWeightOverride<T> {
        let mask = masks[l].pointer(n), out = dropped[l].pointer(n)
        dropoutMask(mask, count: n, p: p, rng: &rng)
        applyMask(out, wh, mask, count: n)
        return RecurrentWeightOverride(weights: UnsafePointer(out), gradient: gradient.pointer(n))
    }

    /// Layer `l`'s W_h' (of the last forward) and a zeroed dL/dW_h', for its backward.
    func backward(layer l: Int, count n: Int) -> RecurrentWeightOverride<T> {
        let g = gradient.pointer(n)
        g.update(repeating: 0, count: n)
        return RecurrentWeightOverride(weights: UnsafePointer(dropped[l].pointer(n)), gradient: g)
    }

    /// After layer `l`'s backward: dW_h (`count` values at `gradients`) += M ⊙ dL/dW_h'.
    func accumulate(layer l: Int, into gradients: UnsafeMutablePointer<T>, count n: Int) {
        let mask = masks[l].pointer(n), g = gradient.pointer(n)
        for k in 0..<n { gradients[k] += mask[k] * g[k] }
    }
}
