// The initialisation schemes: orthogonal recurrent blocks, the biases' schemes, and the defaults.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class InitialisationTests: XCTestCase {
    /// The largest |(MᵀM − I)[i][j]| and |(MMᵀ − I)[i][j]| of the (H, H) block g of a
    /// row-major (H, G·H) matrix.
    private func orthogonalityError(_ w: [Float], hidden H: Int, blocks G: Int, block g: Int) -> Double {
        func m(_ r: Int, _ c: Int) -> Double { Double(w[r * (G * H) + g * H + c]) }
        var worst = 0.0
        for i in 0..<H {
            for j in 0..<H {
                var columns = 0.0, rows = 0.0
                for k in 0..<H {
                    columns += m(k, i) * m(k, j)
                    rows += m(i, k) * m(j, k)
                }
                let target = i == j ? 1.0 : 0.0
                worst = max(worst, abs(columns - target), abs(rows - target))
            }
        }
        return worst
    }

    /// Every gate block is orthogonal, at sizes that all differ, and the blocks differ.
    /// Mutations caught: Gram–Schmidt without the projection (columns only normalised),
    /// a block written transposed into its neighbour's columns, the same block for every gate.
    func testOrthogonalBlocksAreOrthogonal() {
        for (H, G) in [(1, 1), (3, 4), (5, 3), (16, 4), (33, 1)] {
            var rng = RandomGenerator(seed: 7)
            var w = [Float](repeating: .nan, count: H * G * H)
            w.withUnsafeMutableBufferPointer { fillOrthogonalBlocks($0.baseAddress!, hidden: H, blocks: G, rng: &rng) }
            XCTAssertFalse(w.contains { $0.isNaN }, "H \(H) G \(G): every entry written")
            for g in 0..<G {
                XCTAssertLessThan(orthogonalityError(w, hidden: H, blocks: G, block: g), 1e-5, "H \(H) G \(G) block \(g)")
            }
            if G > 1 && H > 1 {
                XCTAssertNotEqual(Array(w[0..<H]), Array(w[H..<(2 * H)]), "H \(H): blocks 0 and 1 should differ")
            }
        }
    }

    /// `initializeParameters` with `.orthogonal` makes every layer's W_h (both stacks of a
    /// bidirectional model) orthogonal block by block and leaves the biases' scheme alone;
    /// `.uniform` does not. Mutations caught: the scheme ignored, a layer or the reverse
    /// stack skipped, the forget-gate bias no longer applied after it.
    func testInitializeParametersOrthogonalRecurrentWeights() {
        for cell in [CellKind.lstm, .gru, .rnn] {
            let config = ModelConfig(cell: cell, layers: 2, embed: 6, hidden: 7, vocab: 11, direction: .bidirectional)
            let layout = ParameterLayout(config)
            func initialised(_ recurrent: RecurrentInitialisation) -> [Float] {
                var p = [Float](repeating: .nan, count: layout.count)
                var rng = RandomGenerator(seed: 3)
                p.withUnsafeMutableBufferPointer {
                    initializeParameters($0.baseAddress!, layout: layout, rng: &rng, forgetBias: 1, recurrent: recurrent)
                }
                return p
            }
            let orthogonal = initialised(.orthogonal), uniform = initialised(.uniform)
            XCTAssertFalse(orthogonal.contains { $0.isNaN })
            let G = cell.gateCount
            XCTAssertEqual(layout.layers.count + layout.reverseLayers.count, 4)
            for l in layout.layers + layout.reverseLayers {
                let wh = Array(orthogonal[l.wh.range])
                for g in 0..<G {
                    XCTAssertLessThan(orthogonalityError(wh, hidden: 7, blocks: G, block: g), 1e-5, "\(cell) \(l.wh.name) block \(g)")
                }
                XCTAssertGreaterThan(orthogonalityError(Array(uniform[l.wh.range]), hidden: 7, blocks: G, block: 0), 0.1)
                if cell == .lstm {
                    for j in 7..<14 { XCTAssertEqual(orthogonal[l.bias.offset + j], 1) }
                }
            }
        }
    }

    /// The pre-issue-17 scheme written out independently: embedding U(±√3); per layer
    /// (forward stack, then reverse) W_x, W_h and the bias U(±1/√H), with `second` a
    /// second pass adding one more U(±1/√H) draw to each bias element, then the forget
    /// bias; output weights U(±1/√H), output bias 0. Each draw rounded to Float, the sum
    /// taken in Float.
    private func reference(_ layout: ParameterLayout, seed: UInt64, forgetBias: Double?, second: Bool) -> [Float] {
        var p = [Float](repeating: .nan, count: layout.count)
        var rng = RandomGenerator(seed: seed)
        let k = 1 / Double(layout.config.hidden).squareRoot()
        func fill(_ v: ParameterView, _ a: Double) {
            for j in v.range { p[j] = Float((rng.nextDouble() * 2 - 1) * a) }
        }
        fill(layout.embedding, 3.0.squareRoot())
        for l in layout.layers + layout.reverseLayers {
            fill(l.wx, k)
            fill(l.wh, k)
            fill(l.bias, k)
            if second { for j in l.bias.range { p[j] = p[j] + Float((rng.nextDouble() * 2 - 1) * k) } }
            if layout.config.cell == .lstm, let forgetBias {
                let H = layout.config.hidden
                for j in H..<(2 * H) { p[l.bias.offset + j] = Float(forgetBias) }
            }
        }
        fill(layout.outputWeight, k)
        for j in layout.outputBias.range { p[j] = 0 }
        return p
    }

    private func initialised(_ layout: ParameterLayout, seed: UInt64, forgetBias: Double?,
                             bias: BiasInitialisation) -> [Float] {
        var p = [Float](repeating: .nan, count: layout.count)
        var rng = RandomGenerator(seed: seed)
        p.withUnsafeMutableBufferPointer {
            initializeParameters($0.baseAddress!, layout: layout, rng: &rng, forgetBias: forgetBias, bias: bias)
        }
        return p
    }

    /// `.uniform` is the initialisation before issue 17, bit for bit, and `.pytorch` the
    /// measured experiment's draw order (a second pass over each layer's bias after the
    /// first); the forget-gate override wins over both. Mutations caught: `.uniform`
    /// also taking the second pass; the second pass interleaved with the first
    /// (p = draw + draw per element), or taken after all layers, or before W_h; the
    /// forget bias applied before the second pass; the output bias drawn.
    func testBiasInitialisationsAreTheDocumentedDraws() {
        for cell in [CellKind.lstm, .gru, .rnn] {
            for direction in [Direction.forward, .bidirectional] {
                let layout = ParameterLayout(ModelConfig(cell: cell, layers: 2, embed: 6, hidden: 9, vocab: 11, direction: direction))
                for forgetBias in [nil, 1.0] as [Double?] {
                    let what = "\(cell) \(direction) forget bias \(forgetBias.map { "\($0)" } ?? "drawn")"
                    let uniform = initialised(layout, seed: 5, forgetBias: forgetBias, bias: .uniform)
                    let pytorch = initialised(layout, seed: 5, forgetBias: forgetBias, bias: .pytorch)
                    XCTAssertEqual(uniform.map(\.bitPattern), reference(layout, seed: 5, forgetBias: forgetBias, second: false).map(\.bitPattern), what)
                    XCTAssertEqual(pytorch.map(\.bitPattern), reference(layout, seed: 5, forgetBias: forgetBias, second: true).map(\.bitPattern), what)
                    XCTAssertNotEqual(uniform, pytorch, what)
                    if cell == .lstm, forgetBias != nil {
                        for l in layout.layers + layout.reverseLayers {
                            for j in 9..<18 { XCTAssertEqual(pytorch[l.bias.offset + j], 1, what) }
                        }
                    }
                }
            }
        }
    }

    /// With `.pytorch` every recurrent layer's biases (both stacks) reach beyond ±1/√H and
    /// stay within ±2/√H, with variance about 2/(3H), the triangular sum's; with
    /// `.uniform` within ±1/√H, variance about 1/(3H). The output bias stays 0.
    /// Mutations caught: the second pass missing or replacing the first draw (variance
    /// 1/(3H)), drawn at 2/√H (beyond ±2/√H), skipped for the reverse stack or a layer
    /// (its biases within ±1/√H); the default not `.pytorch`.
    func testPytorchBiasesAreTheSumOfTwoDraws() {
        let H = 128
        let k = 1 / Double(H).squareRoot()
        for cell in [CellKind.lstm, .gru, .rnn] {
            let config = ModelConfig(cell: cell, layers: 2, embed: 8, hidden: H, vocab: 11, direction: .bidirectional)
            let layout = ParameterLayout(config)
            let model = TrainingModel(config: config)
            var rng = RandomGenerator(seed: 9)
            model.initialize(rng: &rng)   // the default, through the Trainer's path
            let byDefault = model.parameters.array
            for (scheme, variance, bound) in [(BiasInitialisation.pytorch, 2.0 / 3, 2.0), (.uniform, 1.0 / 3, 1.0)] {
                let p = initialised(layout, seed: 9, forgetBias: nil, bias: scheme)
                if scheme == InitialisationDefaults.bias { XCTAssertEqual(p, byDefault, "\(cell): the default") }
                var sum = 0.0, squares = 0.0, n = 0.0
                XCTAssertEqual(layout.layers.count + layout.reverseLayers.count, 4)
                for l in layout.layers + layout.reverseLayers {
                    let b = l.bias.range.map { Double(p[$0]) }
                    XCTAssertEqual(b.count, cell.gateCount * H)
                    let largest = b.map(abs).max()!
                    XCTAssertLessThanOrEqual(largest, bound * k, "\(cell) \(scheme) \(l.bias.name)")
                    if scheme == .pytorch { XCTAssertGreaterThan(largest, 1.2 * k, "\(cell) \(l.bias.name): beyond 1/√H") }
                    sum += b.reduce(0, +); squares += b.map { $0 * $0 }.reduce(0, +); n += Double(b.count)
                }
                let mean = sum / n
                let v = (squares / n - mean * mean) / (k * k)   // in units of 1/H
                XCTAssertEqual(v, variance, accuracy: 0.1 * variance, "\(cell) \(scheme): variance·H")
                XCTAssertTrue(layout.outputBias.range.allSatisfy { p[$0] == 0 })
            }
        }
    }

    /// The help's spelling of the default forget bias is the value the library uses.
    func testForgetBiasTextMatchesTheDefault() {
        switch InitialisationDefaults.forgetBias {
        case nil: XCTAssertEqual(InitialisationDefaults.forgetBiasText, "drawn")
        case let b?: XCTAssertEqual(Double(InitialisationDefaults.forgetBiasText), b)
        }
    }
}
