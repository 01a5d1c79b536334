// How a data-parallel run shares out the B streams: contiguous shares, filled
// windows that are columns of the one-process window, and carried state that
// goes out to the shares and back into the layout a checkpoint records.
import XCTest
@testable import CharLSTM

final class StreamShareTests: XCTestCase {
    func testSharesAreContiguousCoverEveryStreamAndDifferByAtMostOne() {
        for count in [1, 2, 3, 7, 8, 50, 101] {
            for size in 1...min(count, 9) {
                let shares = (0..<size).map { ProcessGroup.share(of: count, rank: $0, size: size) }
                XCTAssertEqual(shares.first?.lowerBound, 0)
                XCTAssertEqual(shares.last?.upperBound, count)
                for (a, b) in zip(shares, shares.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "count \(count), size \(size)")
                XCTAssertGreaterThan(sizes.min()!, 0)
            }
        }
    }

    func testAShareFillsItsColumnsOfTheWholeWindow() {
        let tokens: [Int32] = (0..<500).map { Int32($0 % 97) }
        let all = BatchStreams(range: 10..<490, batch: 5, steps: 4)
        var inAll = [Int32](repeating: 0, count: 20), tAll = inAll
        all.fill(window: 3, from: tokens, inputs: &inAll, targets: &tAll)
        let share = BatchStreams(range: 10..<490, batch: 5, steps: 4, streams: 2..<4)
        XCTAssertEqual(share.windowSize, all.windowSize, "the global window")
        var inShare = [Int32](repeating: 0, count: 8), tShare = inShare
        share.fill(window: 3, from: tokens, inputs: &inShare, targets: &tShare)
        for t in 0..<4 {
            for (column, b) in (2..<4).enumerated() {
                XCTAssertEqual(inShare[t * 2 + column], inAll[t * 5 + b])
                XCTAssertEqual(tShare[t * 2 + column], tAll[t * 5 + b])
            }
        }
    }

    func testCarriedStateGoesToTheSharesAndBack() {
        for cell in [CellKind.lstm, .gru] {
            let config = ModelConfig(cell: cell, layers: 2, embed: 3, hidden: 4, vocab: 7)
            let whole = RecurrentState<Float>(config: config, batch: 7)
            for l in whole.layers {
                for k in 0..<l.h.count { l.h[k] = Float(k) + 0.5 }
                for k in 0..<l.c.count { l.c[k] = -Float(k) }
            }
            let flat = whole.flattened()
            var assembled = [Float](repeating: 0, count: flat.count)
            for rank in 0..<3 {
                let streams = ProcessGroup.share(of: 7, rank: rank, size: 3)
                let part = RecurrentState<Float>(config: config, batch: streams.count)
                XCTAssertTrue(part.restore(from: flat, streams: streams, of: 7))
                XCTAssertEqual(part.layers[1].h[0], whole.layers[1].h[streams.lowerBound * 4])
                assembled.withUnsafeMutableBufferPointer { part.place(into: $0, streams: streams, of: 7) }
            }
            XCTAssertEqual(assembled, flat, "\(cell)")
            let wrong = RecurrentState<Float>(config: config, batch: 2)
            XCTAssertFalse(wrong.restore(from: Array(flat.dropLast()), streams: 0..<2, of: 7))
            XCTAssertFalse(wrong.restore(from: flat, streams: 0..<3, of: 7), "a share of another size")
        }
    }
}
