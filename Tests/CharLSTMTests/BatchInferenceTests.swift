// N streams stepped together (`sample --num N`) give, stream by stream, the
// bits of a batch-1 model fed the same graphemes: every cell, binary32 and
// binary16 weights, one core, two and four (N > 1: products split by columns
// or, from 2 streams a thread, blocks of streams stepped whole, and the bottom
// layer's input sums from the per-id table).
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class BatchInferenceTests: XCTestCase {
    func testEveryStreamOfABatchHasTheBatchOneBits() throws {
        let savedTable = ComputeThreads.single.inputTableBytes
        for cell in CellKind.allCases {
            // 4H = 280 (17 panels and a tail); V = 130 (8 panels and a tail); the
            // layer products are large enough to be split for the worker.
            let cfg = ModelConfig(cell: cell, layers: 2, embed: 6, hidden: 70, vocab: 130)
            let m = Model<Float>(config: cfg)
            var rng = RandomGenerator(seed: 17)
            m.initialize(rng: &rng)
            let exact = m.parameters.array.map { Float(Float16($0)) }   // a `--half` checkpoint's weights
            let buffer = Buffer<Float>(count: exact.count)
            exact.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: $0.count) }
            for half in [false, true] {
                for threads in [1, 2, 4] {
                    let weights = InferenceWeights(sharing: buffer, half: half)
                    // With the bottom layer's input sums from the per-id table, and without (a large vocabulary).
                    for (N, table) in [(2, true), (5, true), (8, true), (8, false)] {
                        let compute = ComputeThreads(threads: threads, inputTableBytes: table ? savedTable : 0)
                        let batch = try InferenceModel(config: cfg, weights: weights, streams: N, compute: compute)
                        XCTAssertEqual(batch.halfPrecision, half)
                        let singles = try (0..<N).map { _ in try InferenceModel(config: cfg, weights: weights, compute: compute) }
                        var differing = 0
                        for t in 0..<12 {
                            var ids = (0..<N).map { s in Int32(1 + (t * 37 + s * 11 + t * s) % 129) }
                            let logits = batch.step(unchecked: &ids)
                            for s in 0..<N {
                                var id = ids[s]
                                let one = singles[s].step(unchecked: &id)
                                for v in 0..<130 where logits[s * 130 + v].bitPattern != one[v].bitPattern { differing += 1 }
                            }
                        }
                        XCTAssertEqual(differing, 0, "\(cell) half \(half) threads \(threads) N \(N) table \(table)")
                    }
                }
            }
        }
    }
}
