// RNNLayer: the vanilla (Elman) RNN over a whole window, forward and backward.
//
// Dimension key: T time steps, B batch, In input width, H hidden.
//   h' = tanh(x·Wxh + h·Whh + b)

/// A vanilla tanh RNN layer.
import CharLSTMSupport

package final class RNNLayer<T: BLASScalar>: RecurrentLayer {
    package typealias Scalar = T
    package let inputSize: Int
    package let hiddenSize: Int
    package let parameters: LayerParameters

    /// pre-activations, then dA in backward; (T, B, H)
    private let pre = Workspace<T>()
    /// h_0 ... h_T, (T+1, B, H)
    private let hs = Workspace<T>()
    /// Wh (H, H) packed for the forward steps, then Whᵀ for the backward ones
    /// (BLASScalar.packedSize elements)
    private let packedWh: Workspace<T>
    /// the input of the last forward, (T, B, In) or token ids; owned by the caller
    private var input: LayerInput<T>?
    /// X·Wx + b over the window, and its backward
    private let projection: InputProjection<T>
    /// the threads this layer forks its products and recurrence over
    package let compute: ComputeThreads
    private var steps = 0
    private var batch = 0

    package convenience init(inputSize: Int, hiddenSize: Int, parameters: LayerParameters,
                            compute: ComputeThreads = .single) {
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, parameters: parameters, packedWeights: Workspace<T>(),
                  compute: compute)
    }

    /// `packedWeights` may be shared by the layers of one stack, which run one at a time.
    init(inputSize: Int, hiddenSize: Int, parameters: LayerParameters, packedWeights: Workspace<T>,
         compute: ComputeThreads) {
        self.compute = compute
        projection = InputProjection<T>(compute: compute)
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.parameters = parameters
        self.packedWh = packedWeights
    }

    package func forward(input: LayerInput<T>, steps: Int, state: LayerState<T>,
                        weights: UnsafePointer<T>, recurrent: RecurrentWeightOverride<T>?) -> UnsafePointer<T> {
        let (B, H, In) = (state.batch, hiddenSize, inputSize)
        self.input = input
        self.steps = steps
        self.batch = B
        let a = pre.pointer(steps * B * H), hs = self.hs.pointer((steps + 1) * B * H)
        let wh = recurrent?.weights ?? weights + parameters.wh.offset
        hs.update(from: state.h.base, count: B * H)
        // a (T·B, H) = X (T·B, In) · Wx (In, H) + b
        projection.forward(input, rows: steps * B, inputSize: In, gates: H, wx: weights + parameters.wx.offset,
                           bias: weights + parameters.bias.offset, into: a)
        let pw = packedWh.pointer(T.packedSize(k: H, n: H))
        T.pack(trans: false, k: H, n: H, b: wh, ldb: H, into: pw, compute: compute)
        for t in 0..<steps {
            let at = a + t * B * H, hPrev = hs + t * B * H
            // a_t += h_{t-1} · Wh ;  h_t = tanh(a_t)
            T.gemmPacked(m: B, n: H, k: H, a: hPrev, lda: H, packed: pw, accumulate: true, c: at, ldc: H)
            T.tanh(hPrev + B * H, at, B * H)
        }
        state.h.base.update(from: hs + steps * B * H, count: B * H)
        return UnsafePointer(hs + B * H)
    }

    package func backward(dInput: UnsafeMutablePointer<T>?, dOutput: UnsafeMutablePointer<T>,
                         initialStateGradient: LayerState<T>?, weights: UnsafePointer<T>,
                         gradients: UnsafeMutablePointer<T>, recurrent: RecurrentWeightOverride<T>?) {
        guard let input else { return }
        let (B, H, In, steps) = (batch, hiddenSize, inputSize, self.steps)
        let dA = pre.pointer(0), hs = self.hs.pointer(0)
        let wx = weights + parameters.wx.offset, wh = recurrent?.weights ?? weights + parameters.wh.offset
        let pw = packedWh.pointer(T.packedSize(k: H, n: H))
        T.pack(trans: true, k: H, n: H, b: wh, ldb: H, into: pw, compute: compute)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let da = dA + t * B * H, h = hs + (t + 1) * B * H, dh = dOutput + t * B * H
            for k in 0..<(B * H) { da[k] = dh[k] * (1 - h[k] * h[k]) }   // tanh' = 1 - h²
            let target: UnsafeMutablePointer<T>
            let accumulate: Bool
            if t > 0 { target = dOutput + (t - 1) * B * H; accumulate = true }
            else if let s = initialStateGradient { target = s.h.base; accumulate = false }
            else { continue }
            // dh_{t-1} += dA_t (B, H) · Whᵀ
            T.gemmPacked(m: B, n: H, k: H, a: da, lda: H, packed: pw, accumulate: accumulate, c: target, ldc: H)
        }
        let rows = steps * B
        compute.gemm(transA: true, transB: false, m: H, n: H, k: rows, alpha: 1,
               a: hs, lda: H, b: dA, ldb: H, beta: 1, c: recurrent?.gradient ?? gradients + parameters.wh.offset, ldc: H)
        projection.backward(input, dGates: dA, rows: rows, inputSize: In, gates: H, wx: wx,
                            dWx: gradients + parameters.wx.offset, dBias: gradients + parameters.bias.offset,
                            dInput: dInput)
        self.input = nil
    }
}
