// LSTMLayer: the fused LSTM over a whole window, forward and backward.
//
// Dimension key: T time steps, B batch, In input width, H hidden.
// Gate order in the fused weights (columns of wx, wh and bias): [i | f | o | g]
//   i = σ(x·Wxi + h·Whi + bi)     input gate
//   f = σ(x·Wxf + h·Whf + bf)     forget gate (bias initialised to 1)
//   o = σ(x·Wxo + h·Who + bo)     output gate
//   g = tanh(x·Wxg + h·Whg + bg)  candidate c̃
//   c' = f⊙c + i⊙g
//   h' = o⊙tanh(c')
// so σ applies to the first 3H columns of each gate row and tanh to the last H.
//
// Forward: the input projections of all T steps are one GEMM, (T·B, In)·(In, 4H)
// (for the bottom layer a (V, In)·(In, 4H) one and a row gather: InputProjection);
// each step then adds h_{t-1}·Wh (one GEMM) and applies the fused nonlinearities.
// Backward: per step only the fused gate backward (BLASScalar.lstmBackwardStep,
// vectorised in lstm_cell.c) and dh_{t-1} = dG_t·Whᵀ;
// dWx, dWh and dX are one large GEMM each over all T steps afterwards.
// The per-step products use Wh (forward) or Whᵀ (backward) packed once per
// window (BLASScalar.gemmPacked), not repacked by BLAS at every step.
// Threads split the recurrence by streams (no synchronisation between steps)
// or, for large H, each step by blocks of hidden units
// (compute.recurrenceUnitBlocks); both give the same bits.

/// A fused LSTM layer (one weight for the four gates).
import CharLSTMSupport

package final class LSTMLayer<T: BLASScalar>: RecurrentLayer {
    package typealias Scalar = T
    package let inputSize: Int
    package let hiddenSize: Int
    package let parameters: LayerParameters

    // Caches of the last forward window (reused across windows; grown on demand).
    /// gates after their nonlinearity, (T, B, 4H)
    private let gates = Workspace<T>()
    /// h_0 ... h_T, (T+1, B, H); slot 0 holds the initial state
    private let hs = Workspace<T>()
    /// c_0 ... c_T, (T+1, B, H)
    private let cs = Workspace<T>()
    /// tanh(c_t) of the step in hand, (B, H): recomputed in backward rather
    /// than cached for every step (saves T·B·H floats per layer)
    private let tanhC = Workspace<T>()
    /// dL/dc carried backwards through time, (B, H)
    private let dCell = Workspace<T>()
    /// Wh (H, 4H) packed for the forward steps, then Whᵀ (4H, H) for the backward ones
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
        let (B, H, In, G4) = (state.batch, hiddenSize, inputSize, 4 * hiddenSize)
        self.input = input
        self.steps = steps
        self.batch = B
        let gates = self.gates.pointer(steps * B * G4)
        let hs = self.hs.pointer((steps + 1) * B * H)
        let cs = self.cs.pointer((steps + 1) * B * H)
        let tanhC = self.tanhC.pointer(B * H)
        let wx = weights + parameters.wx.offset, wh = recurrent?.weights ?? weights + parameters.wh.offset
        let bias = weights + parameters.bias.offset

        hs.update(from: state.h.base, count: B * H)
        cs.update(from: state.c.base, count: B * H)
        // All input projections at once: gates (T·B, 4H) = X (T·B, In) · Wx (In, 4H) + b
        projection.forward(input, rows: steps * B, inputSize: In, gates: G4, wx: wx, bias: bias, into: gates)
        let pw = packedWh.pointer(T.packedSize(k: H, n: G4))
        T.pack(trans: false, k: H, n: G4, b: wh, ldb: G4, into: pw, compute: compute)

        if let parts = compute.recurrenceUnitBlocks(hidden: H) {
            // The recurrence, one fork-join per step over blocks of hidden units.
            for t in 0..<steps {
                let g = gates + t * B * G4                        // (B, 4H)
                let hPrev = hs + t * B * H, cPrev = cs + t * B * H
                compute.run(items: parts) { p in
                    let units = ComputeThreads.unitBlock(p, of: parts, hidden: H)
                    // g[:, the units' columns of i, f, o, g] += h_{t-1} (B, H) · Wh[:, those columns]
                    for block in 0..<4 {
                        let columns = block * H + units.lowerBound ..< block * H + units.upperBound
                        T.gemmPackedColumns(m: B, columns: columns, n: G4, k: H, a: hPrev, lda: H, packed: pw,
                                            accumulate: true, c: g, ldc: G4)
                    }
                    T.lstmForwardStep(rows: B, hidden: H, units: units, gates: g, cPrev: cPrev, cNext: cPrev + B * H,
                                      tanhC: tanhC, hNext: hPrev + B * H)
                }
            }
        } else {
            // The recurrence, split by streams across threads: rows [b0, b1) of every step.
            compute.forEachBlock(rows: B) { b0, b1 in
                let nb = b1 - b0
                for t in 0..<steps {
                    let g = gates + (t * B + b0) * G4                 // (nb, 4H)
                    let hPrev = hs + (t * B + b0) * H, cPrev = cs + (t * B + b0) * H
                    let hNext = hPrev + B * H, cNext = cPrev + B * H
                    let tc = tanhC + b0 * H
                    // g += h_{t-1} (nb, H) · Wh (H, 4H)
                    T.gemmPacked(m: nb, n: G4, k: H, a: hPrev, lda: H, packed: pw, accumulate: true,
                                 c: g, ldc: G4)
                    // σ/tanh of the gates, c' = f⊙c + i⊙g, h' = o⊙tanh(c'): lstm_cell.c.
                    T.lstmForwardStep(rows: nb, hidden: H, units: 0..<H, gates: g, cPrev: cPrev, cNext: cNext,
                                      tanhC: tc, hNext: hNext)
                }
            }
        }
        state.h.base.update(from: hs + steps * B * H, count: B * H)
        state.c.base.update(from: cs + steps * B * H, count: B * H)
        return UnsafePointer(hs + B * H)
    }

    package func backward(dInput: UnsafeMutablePointer<T>?, dOutput: UnsafeMutablePointer<T>,
                         initialStateGradient: LayerState<T>?, weights: UnsafePointer<T>,
                         gradients: UnsafeMutablePointer<T>, recurrent: RecurrentWeightOverride<T>?) {
        guard let input else { return }
        let (B, H, In, G4, steps) = (batch, hiddenSize, inputSize, 4 * hiddenSize, self.steps)
        let gates = self.gates.pointer(0), hs = self.hs.pointer(0), cs = self.cs.pointer(0)
        let tanhC = self.tanhC.pointer(B * H)
        let wx = weights + parameters.wx.offset, wh = recurrent?.weights ?? weights + parameters.wh.offset
        // The gate gradients overwrite the gate activations step by step (each
        // step's activations are read only by that step's backward).
        let dGates = gates
        let dcp = dCell.pointer(B * H)         // dL/dc_t carried backwards, (B, H)
        dcp.update(repeating: 0, count: B * H)

        let dh0 = initialStateGradient?.h.base
        let pw = packedWh.pointer(T.packedSize(k: G4, n: H))
        T.pack(trans: true, k: G4, n: H, b: wh, ldb: G4, into: pw, compute: compute)
        if let parts = compute.recurrenceUnitBlocks(hidden: H) {
            // One fork-join per step over blocks of hidden units. A block first
            // finishes dh_t for its units (the product below needs all of
            // dG_{t+1}, complete at the previous join), then runs the cell's
            // backward for its units.
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let g = gates + t * B * G4, dh = dOutput + t * B * H, cPrev = cs + t * B * H
                compute.run(items: parts) { p in
                    let units = ComputeThreads.unitBlock(p, of: parts, hidden: H)
                    if t < steps - 1 {
                        // dh_t[:, units] += dG_{t+1} (B, 4H) · Whᵀ[:, units]
                        T.gemmPackedColumns(m: B, columns: units, n: H, k: G4, a: g + B * G4, lda: G4, packed: pw,
                                            accumulate: true, c: dh, ldc: H)
                    }
                    for b in 0..<B {                                   // tanh(c_t), recomputed
                        let at = b * H + units.lowerBound
                        T.tanh(tanhC + at, cPrev + B * H + at, units.count)
                    }
                    T.lstmBackwardStep(rows: B, hidden: H, units: units, gates: g, dh: dh, dc: dcp, cPrev: cPrev,
                                       tanhC: tanhC)
                }
            }
            if let dh0 {
                compute.run(items: parts) { p in
                    let units = ComputeThreads.unitBlock(p, of: parts, hidden: H)
                    T.gemmPackedColumns(m: B, columns: units, n: H, k: G4, a: gates, lda: G4, packed: pw,
                                        accumulate: false, c: dh0, ldc: H)
                }
            }
        } else {
            compute.forEachBlock(rows: B) { b0, b1 in
                let nb = b1 - b0
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    let g = gates + (t * B + b0) * G4, dh = dOutput + (t * B + b0) * H
                    let cPrev = cs + (t * B + b0) * H, tc = tanhC + b0 * H
                    T.tanh(tc, cPrev + B * H, nb * H)                 // tanh(c_t), recomputed
                    // Through h' = o⊙tanh(c') and c' = f⊙c + i⊙g, then the gate
                    // nonlinearities (σ' = s(1-s), tanh' = 1 - t²): lstm_cell.c.
                    T.lstmBackwardStep(rows: nb, hidden: H, units: 0..<H, gates: g, dh: dh, dc: dcp + b0 * H,
                                       cPrev: cPrev, tanhC: tc)
                    // dh_{t-1} += dG_t (nb, 4H) · Whᵀ (4H, H)
                    let target: UnsafeMutablePointer<T>
                    let accumulate: Bool
                    if t > 0 { target = dOutput + ((t - 1) * B + b0) * H; accumulate = true }
                    else if let dh0 { target = dh0 + b0 * H; accumulate = false }
                    else { continue }
                    T.gemmPacked(m: nb, n: H, k: G4, a: g, lda: G4, packed: pw, accumulate: accumulate,
                                 c: target, ldc: H)
                }
            }
        }
        if let s = initialStateGradient { s.c.base.update(from: dcp, count: B * H) }

        let rows = steps * B
        // dWh (H, 4H) += H_{0..T-1}ᵀ (H, T·B) · dG (T·B, 4H)
        compute.gemm(transA: true, transB: false, m: H, n: G4, k: rows, alpha: 1,
               a: hs, lda: H, b: dGates, ldb: G4, beta: 1, c: recurrent?.gradient ?? gradients + parameters.wh.offset, ldc: G4)
        // dWx (In, 4H) += Xᵀ (In, T·B) · dG (T·B, 4H), db, and dX (T·B, In) = dG (T·B, 4H) · Wxᵀ (4H, In)
        projection.backward(input, dGates: dGates, rows: rows, inputSize: In, gates: G4, wx: wx,
                            dWx: gradients + parameters.wx.offset, dBias: gradients + parameters.bias.offset,
                            dInput: dInput)
        self.input = nil
    }
}
