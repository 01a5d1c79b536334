// The initialisation schemes: orthogonal recurrent blocks, and the defaults.
import XCTest
@testable import CharLSTM

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

    /// The help's spelling of the default forget bias is the value the library uses.
    func testForgetBiasTextMatchesTheDefault() {
        switch InitialisationDefaults.forgetBias {
        case nil: XCTAssertEqual(InitialisationDefaults.forgetBiasText, "drawn")
        case let b?: XCTAssertEqual(Double(InitialisationDefaults.forgetBiasText), b)
        }
    }
}
