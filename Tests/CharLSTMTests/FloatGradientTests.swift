// The Float layers (C kernels: lstm_cell.c, the packed GEMM, σ/tanh, and sgemm)
// against the Double reference layers, whose gradients GradientCheckTests checks
// by finite differences. Same weights, inputs and initial state, cast to Float;
// every gradient (weights, input or embedding table, initial h and c) and the
// outputs must agree to a tolerance suited to Float.
// Sizes: B=3, T=5, In=6 (token input: V=9), and H = 37 (the SIMD kernels' vector
// bodies plus a scalar tail) or H = 32 with two threads, once split by streams
// and once each step by blocks of hidden units (ComputeThreads.RecurrenceSplit).
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class FloatGradientTests: XCTestCase {
    let (B, T, In, V) = (3, 5, 6, 9)

    /// The largest |float − double| of a tensor over its largest |double|: a
    /// relative error that entries near zero cannot inflate.
    private func scaledError(_ f: [Float], _ d: [Double]) -> Double {
        precondition(f.count == d.count)
        var worst = 0.0, scale = 1e-30
        for (a, b) in zip(f, d) {
            worst = max(worst, abs(Double(a) - b))
            scale = max(scale, abs(b))
        }
        return worst / scale
    }

    /// The compute context the layers under test are made with.
    private var compute = ComputeThreads.single

    private func layer<S: BLASScalar>(_: S.Type, _ cell: CellKind, hidden H: Int) -> (any RecurrentLayer<S>, ParameterLayout) {
        let layout = ParameterLayout(ModelConfig(cell: cell, layers: 1, embed: In, hidden: H, vocab: V))
        let p = layout.layers[0]
        switch cell {
        case .lstm: return (LSTMLayer<S>(inputSize: In, hiddenSize: H, parameters: p, compute: compute), layout)
        case .gru: return (GRULayer<S>(inputSize: In, hiddenSize: H, parameters: p, compute: compute), layout)
        case .rnn: return (RNNLayer<S>(inputSize: In, hiddenSize: H, parameters: p, compute: compute), layout)
        }
    }

    /// Values drawn once in Double; the Float run gets them rounded.
    struct Inputs {
        var weights: [Double], x: [Double], ids: [Int32], h0: [Double], c0: [Double], dOut: [Double]
    }

    /// Runs forward and backward of L = Σ dOut ⊙ outputs in scalar type S.
    /// Returns outputs, weight gradients, input (or embedding) gradient, dh0, dc0, as S.
    private func run<S: BLASScalar>(_: S.Type, _ cell: CellKind, hidden H: Int, tokens: Bool, _ v: Inputs,
                                    convert: (Double) -> S)
        -> (out: [S], dW: [S], dX: [S], dh0: [S], dc0: [S]) {
        let (layer, layout) = self.layer(S.self, cell, hidden: H)
        let w = Buffer<S>(copying: v.weights.map(convert))
        let x = Buffer<S>(copying: v.x.map(convert))
        let ids = UnsafeMutablePointer<Int32>.allocate(capacity: T * B)
        defer { ids.deallocate() }
        for k in 0..<(T * B) { ids[k] = v.ids[k] }
        let input: LayerInput<S> = tokens ? .tokens(ids: ids, embedding: x.base, vocab: V) : .rows(x.base)
        let s = LayerState<S>(batch: B, hidden: H, hasCell: cell.hasCellState)
        for k in 0..<s.h.count { s.h[k] = convert(v.h0[k]) }
        for k in 0..<s.c.count { s.c[k] = convert(v.c0[k]) }
        let outPtr = layer.forward(input: input, steps: T, state: s, weights: w.base)
        let out = Array(UnsafeBufferPointer(start: outPtr, count: T * B * H))
        let dOut = Buffer<S>(copying: v.dOut.map(convert))
        let dX = Buffer<S>(count: x.count)
        let grads = Buffer<S>(count: layout.count)
        let dS = LayerState<S>(batch: B, hidden: H, hasCell: cell.hasCellState)
        layer.backward(dInput: dX.base, dOutput: dOut.base, initialStateGradient: dS, weights: w.base, gradients: grads.base)
        return (out, grads.array, dX.array, dS.h.array, dS.c.array)
    }

    private func inputs(_ cell: CellKind, hidden H: Int, tokens: Bool) -> Inputs {
        var rng = RandomGenerator(seed: 2024)
        let P = ParameterLayout(ModelConfig(cell: cell, layers: 1, embed: In, hidden: H, vocab: V)).count
        func draw(_ n: Int, _ scale: Double) -> [Double] { (0..<n).map { _ in (rng.nextDouble() * 2 - 1) * scale } }
        // Weights of the size initialisation gives (|w| ≤ 1/√H), so gates neither saturate nor vanish.
        let weights = draw(P, 1 / Double(H).squareRoot())
        let x = draw(tokens ? V * In : T * B * In, 1)
        // Ids repeat and some never occur, so the table's rows get summed and zero gradients.
        let ids = (0..<(T * B)).map { _ in Int32(rng.nextInt(below: V - 2)) }
        let h0 = draw(B * H, 0.5), c0 = draw(cell.hasCellState ? B * H : 0, 0.5)
        return Inputs(weights: weights, x: x, ids: ids, h0: h0, c0: c0, dOut: draw(T * B * H, 1))
    }

    private func check(_ cell: CellKind, hidden H: Int, tokens: Bool, what: String,
                       file: StaticString = #filePath, line: UInt = #line) -> [String: Double] {
        let v = inputs(cell, hidden: H, tokens: tokens)
        let d = run(Double.self, cell, hidden: H, tokens: tokens, v, convert: { $0 })
        let f = run(Float.self, cell, hidden: H, tokens: tokens, v, convert: { Float($0) })
        let layout = ParameterLayout(ModelConfig(cell: cell, layers: 1, embed: In, hidden: H, vocab: V))
        var errors: [String: Double] = ["outputs": scaledError(f.out, d.out),
                                        tokens ? "d embedding" : "d input": scaledError(f.dX, d.dX),
                                        "d h0": scaledError(f.dh0, d.dh0)]
        if cell.hasCellState { errors["d c0"] = scaledError(f.dc0, d.dc0) }
        for view in [layout.layers[0].wx, layout.layers[0].wh, layout.layers[0].bias] {
            errors["d " + view.name] = scaledError(Array(f.dW[view.range]), Array(d.dW[view.range]))
        }
        // Float carries 24 bits (6e-8); five steps of sums of a few dozen terms measure 1.5e-7 to 3e-7.
        for (name, e) in errors.sorted(by: { $0.key < $1.key }) {
            XCTAssertLessThan(e, 1e-5, "\(cell) \(what) \(name)", file: file, line: line)
        }
        // Nothing is trivially zero: every gradient tensor is checked on real values.
        XCTAssertTrue(d.dX.contains { $0 != 0 } && d.dh0.contains { $0 != 0 } && d.dW.contains { $0 != 0 }, file: file, line: line)
        if tokens {   // ids V-2 and V-1 never occur: their rows get nothing, in both
            XCTAssertEqual(Array(f.dX[((V - 2) * In)...]), Array(repeating: 0, count: 2 * In), file: file, line: line)
        }
        return errors
    }

    private func checkAllPaths(_ cell: CellKind, tokens: Bool) {
        compute = ComputeThreads(threads: 1)
        _ = check(cell, hidden: 37, tokens: tokens, what: "H=37 one thread")
        compute = ComputeThreads(threads: 2, recurrenceOverride: .streams)
        _ = check(cell, hidden: 32, tokens: tokens, what: "H=32 two threads by streams")
        compute = ComputeThreads(threads: 2, recurrenceOverride: .units)
        XCTAssertEqual(compute.recurrenceUnitBlocks(hidden: 32), 2)
        _ = check(cell, hidden: 32, tokens: tokens, what: "H=32 two threads by unit blocks")
    }

    func testLSTMFloatBackwardMatchesDouble() { checkAllPaths(.lstm, tokens: false) }
    func testGRUFloatBackwardMatchesDouble() { checkAllPaths(.gru, tokens: false) }
    func testRNNFloatBackwardMatchesDouble() { checkAllPaths(.rnn, tokens: false) }
    func testLSTMFloatBackwardFromTokensMatchesDouble() { checkAllPaths(.lstm, tokens: true) }
    func testGRUFloatBackwardFromTokensMatchesDouble() { checkAllPaths(.gru, tokens: true) }
    func testRNNFloatBackwardFromTokensMatchesDouble() { checkAllPaths(.rnn, tokens: true) }

    /// The comparison can fail: a Float gradient off by 0.1% of its scale in one
    /// entry is over the bound.
    func testTheBoundCatchesASmallError() {
        let d = (0..<100).map { Double($0) / 100 - 0.3 }
        var f = d.map { Float($0) }
        XCTAssertLessThan(scaledError(f, d), 1e-5)
        f[17] += 0.0007
        XCTAssertGreaterThan(scaledError(f, d), 1e-5)
    }
}
