// RecurrentLayer: the interface shared by the LSTM, GRU and RNN layers.
//
// Dimension key: T time steps, B batch, In input width, H hidden, G gate blocks.
// A layer runs forward over a whole (T, B, In) window from the state it is
// given, caches what backward needs, and leaves the final state in place.
// Backward walks the window in reverse (truncated BPTT: no gradient flows in
// from beyond the window), accumulates (+=) parameter gradients, and returns
// the gradients of the input and of the initial state.

/// One recurrent layer of a stack, over whole windows.
import CharLSTMSupport

package protocol RecurrentLayer<Scalar>: AnyObject {
    associatedtype Scalar: BLASScalar
    /// In, the width of each input row.
    var inputSize: Int { get }
    /// H.
    var hiddenSize: Int { get }
    /// Where the layer's weights live in the flat parameter buffer.
    var parameters: LayerParameters { get }

    /// Runs T steps over `input` (T, B, In rows, or T·B token ids) starting from
    /// `state`, which is replaced by the final state. Returns the outputs
    /// h_1...h_T, (T, B, H), valid until the next forward. `input` must stay
    /// valid until `backward`. With `recurrent`, every step multiplies by its
    /// `weights` instead of the layer's own W_h (weight drop).
    func forward(input: LayerInput<Scalar>, steps: Int, state: LayerState<Scalar>,
                 weights: UnsafePointer<Scalar>, recurrent: RecurrentWeightOverride<Scalar>?) -> UnsafePointer<Scalar>

    /// Backward through the last forward window. `dOutput` (T, B, H) is the
    /// loss gradient w.r.t. the outputs and is overwritten (used as scratch).
    /// Writes dInput (T, B, In) when non-nil (for token input: adds into the
    /// embedding gradient (V, In) instead), adds weight gradients into
    /// `gradients` (flat, same layout as the weights), and writes the gradient
    /// w.r.t. the initial state into `initialStateGradient` when non-nil. With
    /// `recurrent` (the forward's), the steps go back through its `weights` and
    /// the W_h gradient is added into its `gradient` instead of `gradients`.
    func backward(dInput: UnsafeMutablePointer<Scalar>?, dOutput: UnsafeMutablePointer<Scalar>,
                  initialStateGradient: LayerState<Scalar>?, weights: UnsafePointer<Scalar>,
                  gradients: UnsafeMutablePointer<Scalar>, recurrent: RecurrentWeightOverride<Scalar>?)
}

extension RecurrentLayer {
    /// `forward` with the layer's own W_h.
    package func forward(input: LayerInput<Scalar>, steps: Int, state: LayerState<Scalar>,
                         weights: UnsafePointer<Scalar>) -> UnsafePointer<Scalar> {
        forward(input: input, steps: steps, state: state, weights: weights, recurrent: nil)
    }

    /// `backward` with the layer's own W_h.
    package func backward(dInput: UnsafeMutablePointer<Scalar>?, dOutput: UnsafeMutablePointer<Scalar>,
                          initialStateGradient: LayerState<Scalar>?, weights: UnsafePointer<Scalar>,
                          gradients: UnsafeMutablePointer<Scalar>) {
        backward(dInput: dInput, dOutput: dOutput, initialStateGradient: initialStateGradient, weights: weights,
                 gradients: gradients, recurrent: nil)
    }
}

/// A layer's recurrent weights replaced for one window (weight drop, WeightDrop.swift):
/// the layer multiplies by `weights` instead of its own W_h, and adds the gradient
/// w.r.t. them into `gradient` instead of its W_h's place in the flat gradient buffer.
package struct RecurrentWeightOverride<T: BLASScalar> {
    /// W_h' = M ⊙ W_h, (H, G·H)
    package var weights: UnsafePointer<T>
    /// dL/dW_h', (H, G·H); backward adds into it
    package var gradient: UnsafeMutablePointer<T>
}

/// One layer of a stack, by cell kind. An enum rather than an existential so
/// that calls are static and the compiler specializes each layer's hot loops
/// for the concrete scalar type (an `any RecurrentLayer` call would run the
/// unspecialized generic code).
package enum RecurrentLayerKind<T: BLASScalar> {
    case lstm(LSTMLayer<T>)
    case gru(GRULayer<T>)
    case rnn(RNNLayer<T>)

    @inline(__always)
    func forward(input: LayerInput<T>, steps: Int, state: LayerState<T>, weights: UnsafePointer<T>,
                 recurrent: RecurrentWeightOverride<T>?) -> UnsafePointer<T> {
        switch self {
        case .lstm(let l): l.forward(input: input, steps: steps, state: state, weights: weights, recurrent: recurrent)
        case .gru(let l): l.forward(input: input, steps: steps, state: state, weights: weights, recurrent: recurrent)
        case .rnn(let l): l.forward(input: input, steps: steps, state: state, weights: weights, recurrent: recurrent)
        }
    }

    @inline(__always)
    func backward(dInput: UnsafeMutablePointer<T>?, dOutput: UnsafeMutablePointer<T>,
                  initialStateGradient: LayerState<T>?, weights: UnsafePointer<T>, gradients: UnsafeMutablePointer<T>,
                  recurrent: RecurrentWeightOverride<T>?) {
        switch self {
        case .lstm(let l): l.backward(dInput: dInput, dOutput: dOutput, initialStateGradient: initialStateGradient, weights: weights, gradients: gradients, recurrent: recurrent)
        case .gru(let l): l.backward(dInput: dInput, dOutput: dOutput, initialStateGradient: initialStateGradient, weights: weights, gradients: gradients, recurrent: recurrent)
        case .rnn(let l): l.backward(dInput: dInput, dOutput: dOutput, initialStateGradient: initialStateGradient, weights: weights, gradients: gradients, recurrent: recurrent)
        }
    }

    /// The layer's weight and gradient offsets.
    var parameters: LayerParameters {
        switch self { case .lstm(let l): l.parameters; case .gru(let l): l.parameters; case .rnn(let l): l.parameters }
    }
}

/// Adds the column sums of `m` (rows, cols) into `out` (cols).
@inline(__always)
func addColumnSums<T: BLASScalar>(_ out: UnsafeMutablePointer<T>, _ m: UnsafePointer<T>, rows: Int, cols: Int,
                                     compute: ComputeThreads) {
    // Threads take column blocks; each column is summed over the rows in order.
    compute.forEachBlock(rows: cols, work: rows * cols) { c0, c1 in
        for r in 0..<rows {
            let row = m + r * cols
            for c in c0..<c1 { out[c] += row[c] }
        }
    }
}

/// Adds `bias` (cols) to every row of `m` (rows, cols).
@inline(__always)
func addRowBias<T: BLASScalar>(_ m: UnsafeMutablePointer<T>, _ bias: UnsafePointer<T>, rows: Int, cols: Int,
                                compute: ComputeThreads) {
    compute.forEachBlock(rows: rows, work: rows * cols) { r0, r1 in
        for r in r0..<r1 {
            let row = m + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }
}

/// A workspace that grows to the largest size asked of it and is reused.
final class Workspace<T: BLASScalar> {
    private(set) var buffer = Buffer<T>(count: 0)

    /// A pointer to at least `count` elements (contents unspecified).
    func pointer(_ count: Int) -> UnsafeMutablePointer<T> {
        if buffer.count < count { buffer = Buffer(count: count) }
        return buffer.base
    }
}
