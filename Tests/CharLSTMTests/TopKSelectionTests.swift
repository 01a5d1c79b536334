// Top-k's partial selection (a heap of the k best) draws exactly what the
// full sort of the vocabulary drew before it: the same ids for the same
// generator, over vocabularies small and large, with ties, zero weights,
// temperatures and top-p. The reference below is the sampler's code before
// the change (sort all V − 1 ids, keep k, nucleus, inverse CDF in that order).
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class TopKSelectionTests: XCTestCase {
    /// `count` draws of Sampler.sample as it was with a full sort (non-argmax options).
    private func referenceSamples(_ logits: [Float], _ options: SamplingOptions, _ rng: inout RandomGenerator,
                                  count: Int) -> [Int] {
        let V = logits.count
        var m = logits[1]
        for i in 2..<V where logits[i] > m || (m.isNaN && !logits[i].isNaN) { m = logits[i] }
        var w = [Double](repeating: 0, count: V)
        for i in 1..<V {
            let x = (Double(logits[i]) - Double(m)) * (1 / options.temperature)
            w[i] = x.isNaN ? 0 : exp(x)
        }
        let k = min(options.topK ?? V, V - 1), p = options.topP ?? 1
        if k >= V - 1 && p >= 1 {   // nothing filtered: inverse CDF in id order
            return (0..<count).map { _ in
                let u = rng.nextDouble() * w.reduce(0, +)
                var acc = 0.0, last = 1
                for i in 1..<V where w[i] > 0 {
                    acc += w[i]
                    if u < acc { return i }
                    last = i
                }
                return last
            }
        }
        var order = Array(1..<V)
        order.sort { a, b in w[a] > w[b] || (w[a] == w[b] && a < b) }
        var kept = k
        if p < 1 {
            let target = p * order.prefix(k).reduce(0) { $0 + w[$1] }
            var acc = 0.0
            kept = 0
            while kept < k { acc += w[order[kept]]; kept += 1; if acc >= target { break } }
        }
        let total = order.prefix(kept).reduce(0) { $0 + w[$1] }
        return (0..<count).map { _ in
            let u = rng.nextDouble() * total
            var acc = 0.0
            for j in 0..<kept {
                acc += w[order[j]]
                if u < acc { return order[j] }
            }
            return order[kept - 1]
        }
    }

    func testPartialSelectionDrawsWhatTheFullSortDrew() {
        var source = RandomGenerator(seed: 77)
        var draws = 0
        for V in [3, 4, 17, 100, 5_003] {
            let sampler = Sampler(vocab: V)
            let ks = V > 200 ? [2, 40, V / 5, V - 1] : [2, 3, 5, 40, 100, V - 2, V - 1]
            for k in Set(ks) where k >= 2 && k <= V - 1 {
                for topP in [nil, 0.9] as [Double?] {
                    for trial in 0..<6 {
                        // Trials 0-2: logits on a coarse grid (many exact ties, so the
                        // k-th place is often a tie), with -inf and NaN entries (weight
                        // 0); 3-5: continuous values.
                        let logits: [Float] = (0..<V).map { i in
                            let u = source.nextFloat()
                            if trial < 3 {
                                if i % 29 == 5 { return -.infinity }
                                if i % 31 == 7 { return .nan }
                                return Float(Int(u * 6)) - 3
                            }
                            return u * 8 - 4
                        }
                        let options = SamplingOptions(temperature: trial % 2 == 0 ? 1 : 0.7, topK: k, topP: topP)
                        var a = RandomGenerator(seed: UInt64(1000 * V + k + trial)), b = a
                        let expected = referenceSamples(logits, options, &a, count: 20)
                        let got = logits.withUnsafeBufferPointer { l in
                            (0..<20).map { _ in sampler.sample(l.baseAddress!, options: options, rng: &b) }
                        }
                        XCTAssertEqual(got, expected, "V \(V) k \(k) top-p \(String(describing: topP)) trial \(trial)")
                        draws += 20
                    }
                }
            }
        }
        XCTAssertGreaterThan(draws, 2_000)
    }
}
