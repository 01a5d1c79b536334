// GRULayer: a gated recurrent unit over a whole window, forward and backward.
//
// Dimension key: T time steps, B batch, In input width, H hidden.
// Gate order in the fused weights: [r | z | n]; the bias (3H) is added on the
// input side and the candidate's recurrent term is gated by r ("reset after",
// as in cuDNN and PyTorch, without a separate recurrent bias):
//   r = σ(x·Wxr + h·Whr + br)
//   z = σ(x·Wxz + h·Whz + bz)
//   n = tanh(x·Wxn + bn + r⊙(h·Whn))
//   h' = (1 - z)⊙n + z⊙h

/// A fused GRU layer.
import CharLSTMSupport

package final class GRULayer<T: BLASScalar>: RecurrentLayer {
    package typealias Scalar = T
    package let inputSize: Int
    package let hiddenSize: Int
    package let parameters: LayerParameters

    /// input-side pre-activations, then [r | z | n] after the forward, then dG_x in backward; (T, B, 3H)
    private let gx = Workspace<T>()
    /// h_{t-1}·Wh per step, then dG_h in backward; (T, B, 3H)
    private let gh = Workspace<T>()
    /// h_0 ... h_T, (T+1, B, H)
    private let hs = Workspace<T>()
    /// Wh (H, 3H) packed for the forward steps, then Whᵀ (3H, H) for the backward ones
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
        let (B, H, In, G3) = (state.batch, hiddenSize, inputSize, 3 * hiddenSize)
        self.input = input
        self.steps = steps
        self.batch = B
        let gx = self.gx.pointer(steps * B * G3), gh = self.gh.pointer(steps * B * G3)
        let hs = self.hs.pointer((steps + 1) * B * H)
        let wx = weights + parameters.wx.offset, wh = recurrent?.weights ?? weights + parameters.wh.offset
        hs.update(from: state.h.base, count: B * H)
        // gx (T·B, 3H) = X (T·B, In) · Wx (In, 3H) + b
        projection.forward(input, rows: steps * B, inputSize: In, gates: G3, wx: wx,
                           bias: weights + parameters.bias.offset, into: gx)
        let pw = packedWh.pointer(T.packedSize(k: H, n: G3))
        T.pack(trans: false, k: H, n: G3, b: wh, ldb: G3, into: pw, compute: compute)

        for t in 0..<steps {
            let x = gx + t * B * G3, hp = gh + t * B * G3
            let hPrev = hs + t * B * H, hNext = hPrev + B * H
            // hp (B, 3H) = h_{t-1} (B, H) · Wh (H, 3H)
            T.gemmPacked(m: B, n: G3, k: H, a: hPrev, lda: H, packed: pw, accumulate: false, c: hp, ldc: G3)
            for b in 0..<B {
                Self.cellForward(hidden: H, gates: x + b * G3, recurrent: hp + b * G3,
                                 hPrev: hPrev + b * H, hNext: hNext + b * H)
            }
        }
        state.h.base.update(from: hs + steps * B * H, count: B * H)
        return UnsafePointer(hs + B * H)
    }

    /// The cell's element-wise forward through one step for one stream (the
    /// one copy of it: training and InferenceModel both step with it): gates
    /// (3H) holds x·Wx + b on entry and [r | z | n] on return; recurrent (3H)
    /// is h_{t-1}·Wh, read only; hNext (H) = (1 - z)⊙n + z⊙hPrev. hNext may be hPrev.
    @inline(__always)
    package static func cellForward(hidden H: Int, gates row: UnsafeMutablePointer<T>, recurrent hrow: UnsafePointer<T>,
                            hPrev: UnsafePointer<T>, hNext: UnsafeMutablePointer<T>) {
        for j in 0..<(2 * H) { row[j] += hrow[j] }
        T.sigmoid(row, 2 * H)
        for j in 0..<H { row[2 * H + j] += row[j] * hrow[2 * H + j] }
        T.tanh(row + 2 * H, row + 2 * H, H)
        for j in 0..<H {
            let z = row[H + j]
            hNext[j] = (1 - z) * row[2 * H + j] + z * hPrev[j]
        }
    }

    package func backward(dInput: UnsafeMutablePointer<T>?, dOutput: UnsafeMutablePointer<T>,
                         initialStateGradient: LayerState<T>?, weights: UnsafePointer<T>,
                         gradients: UnsafeMutablePointer<T>, recurrent: RecurrentWeightOverride<T>?) {
        guard let input else { return }
        let (B, H, In, G3, steps) = (batch, hiddenSize, inputSize, 3 * hiddenSize, self.steps)
        let gx = self.gx.pointer(0), gh = self.gh.pointer(0), hs = self.hs.pointer(0)
        let wx = weights + parameters.wx.offset, wh = recurrent?.weights ?? weights + parameters.wh.offset
        let pw = packedWh.pointer(T.packedSize(k: G3, n: H))
        T.pack(trans: true, k: G3, n: H, b: wh, ldb: G3, into: pw, compute: compute)

        for t in stride(from: steps - 1, through: 0, by: -1) {
            let x = gx + t * B * G3, hp = gh + t * B * G3
            let hPrev = hs + t * B * H, dh = dOutput + t * B * H
            // Where dh_{t-1} goes: the previous step's output gradient, or the initial state's.
            let dPrev: UnsafeMutablePointer<T>? = t > 0 ? dOutput + (t - 1) * B * H : initialStateGradient?.h.base
            if t == 0, let dPrev { dPrev.update(repeating: 0, count: B * H) }
            for b in 0..<B {
                let row = x + b * G3, hrow = hp + b * G3
                let dhb = dh + b * H, hpb = hPrev + b * H
                for j in 0..<H {
                    let r = row[j], z = row[H + j], n = row[2 * H + j], hn = hrow[2 * H + j]
                    // h' = (1-z)⊙n + z⊙h
                    let dN = dhb[j] * (1 - z)
                    let dZ = dhb[j] * (hpb[j] - n)
                    if let dPrev { dPrev[b * H + j] += dhb[j] * z }
                    // n = tanh(xn + r⊙hn)
                    let dNp = dN * (1 - n * n)
                    let dR = dNp * hn
                    let dRp = dR * r * (1 - r), dZp = dZ * z * (1 - z)
                    row[j] = dRp; row[H + j] = dZp; row[2 * H + j] = dNp          // dG_x
                    hrow[j] = dRp; hrow[H + j] = dZp; hrow[2 * H + j] = dNp * r   // dG_h
                }
            }
            // dh_{t-1} += dG_h (B, 3H) · Whᵀ (3H, H)
            if let dPrev {
                T.gemmPacked(m: B, n: H, k: G3, a: hp, lda: G3, packed: pw, accumulate: true, c: dPrev, ldc: H)
            }
        }
        let rows = steps * B
        compute.gemm(transA: true, transB: false, m: H, n: G3, k: rows, alpha: 1,
               a: hs, lda: H, b: gh, ldb: G3, beta: 1, c: recurrent?.gradient ?? gradients + parameters.wh.offset, ldc: G3)
        projection.backward(input, dGates: gx, rows: rows, inputSize: In, gates: G3, wx: wx,
                            dWx: gradients + parameters.wx.offset, dBias: gradients + parameters.bias.offset,
                            dInput: dInput)
        self.input = nil
    }
}
