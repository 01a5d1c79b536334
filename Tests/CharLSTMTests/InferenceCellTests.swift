// InferenceModel's LSTM cell is lstm_cell.c's kernel, the one training steps
// with, not a copy: fed the same pre-activations, the kernel gives the bits
// InferenceModel's observer sees, step after step.
import XCTest
import CKernels
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class InferenceCellTests: XCTestCase {
    // Mutation caught: InferenceModel stepping the LSTM with its own Swift loop
    // (c' = f·c + i·g rounded twice, the former copy) instead of
    // Float.lstmForwardStep: c' and h' then differ from the kernel's in the last bits.
    func testLSTMStepIsTheTrainingKernel() throws {
        let (E, H, V) = (5, 37, 11)   // 4H = 148: vector bodies and tails
        let config = ModelConfig(cell: .lstm, layers: 1, embed: E, hidden: H, vocab: V)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: 23)
        m.initialize(rng: &rng)
        let w = m.parameters.array.map { $0 * 4 }   // larger pre-activations: c grows, more rounding to differ in
        let model = try InferenceModel(config: config, parameters: w)
        XCTAssertFalse(model.usesSecondCore)
        var seen: (gates: [Float], cell: [Float], hidden: [Float]) = ([], [], [])
        model.layerObserver = { _, _, gates, cell, hidden in
            seen = (Array(UnsafeBufferPointer(start: gates, count: 4 * H)),
                    Array(UnsafeBufferPointer(start: cell!, count: H)), Array(UnsafeBufferPointer(start: hidden, count: H)))
        }
        let layout = ParameterLayout(config), p = layout.layers[0]
        var c = [Float](repeating: 0, count: H), h = [Float](repeating: 0, count: H)
        var differing = 0
        for id: Int32 in [3, 7, 1, 10, 4, 4, 9, 2, 6, 5, 8, 3] {
            _ = try model.step([id])
            // The same products as InferenceModel's batch-1 step: [x, h] · [Wx; Wh] + b.
            let x = Array(w[(layout.embedding.offset + Int(id) * E)...].prefix(E)) + h
            var g = Array(w[p.bias.offset...].prefix(4 * H))
            ck_gemv_f32(Int64(E + H), Int64(4 * H), Array(w[p.wx.offset...]), Int64(4 * H), x, 1, &g)
            var cNext = [Float](repeating: 0, count: H), tanhC = cNext, hNext = cNext
            ck_lstm_forward_units(1, Int64(H), 0, Int64(H), &g, c, &cNext, &tanhC, &hNext)
            for j in 0..<(4 * H) where g[j].bitPattern != seen.gates[j].bitPattern { differing += 1 }
            for j in 0..<H where cNext[j].bitPattern != seen.cell[j].bitPattern { differing += 1 }
            for j in 0..<H where hNext[j].bitPattern != seen.hidden[j].bitPattern { differing += 1 }
            (c, h) = (seen.cell, seen.hidden)
        }
        XCTAssertEqual(differing, 0)
    }
}
