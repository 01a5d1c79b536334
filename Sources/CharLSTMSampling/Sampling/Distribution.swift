// Distribution: from logits to the next grapheme (sampling) or to ranked
// probabilities (predict) and bits (score).
//
// Dimension key: V vocabulary size (id 0 is `<unk>`).
//
// Sampling (`Sampler.sample`), for logits l (V) and temperature T > 0:
//   1. `<unk>` is masked out: it is never emitted.
//   2. p_i ∝ exp((l_i − m) / T) for i ≥ 1, m = max_{i≥1} l_i, in Double
//      (max-subtracted, so nothing overflows; the largest term is exactly 1).
//   3. top-k (if k is set): keep the k most likely graphemes (ties: lower id first).
//   4. top-p (if p < 1): of those, keep the smallest most-likely-first prefix
//      whose mass reaches p of the kept mass (the grapheme that crosses p is kept).
//   5. exact inverse-CDF draw: u = nextDouble() · Σ kept p_i; the first kept i
//      (in the order of step 3/4, or id order without filtering) with
//      cumulative mass > u.
// Greedy (and top-k 1) is argmax_{i≥1} l_i, ties to the lower id; it draws no random number.
//
// Scoring and prediction use the model's own distribution, temperature 1 and
// nothing masked, so that predict's probability for g equals 2^(−bits) that
// score reports for g: q_i = exp(l_i − m) / Σ_j exp(l_j − m) over all V.

import CharLSTMSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the next grapheme is chosen from the model's distribution.
public struct SamplingOptions: Equatable, Sendable {
    /// Temperature T > 0: logits are divided by T (below 1 sharper, above 1 flatter). Default 1.
    public var temperature: Double
    /// Keep only the k most likely graphemes (nil: all). k = 1 is greedy.
    public var topK: Int?
    /// Nucleus sampling: keep the smallest most-likely-first set with mass ≥ p (0 < p ≤ 1; nil or 1: all).
    public var topP: Double?
    /// Always take the most likely grapheme (argmax); no randomness.
    public var greedy: Bool

    public init(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, greedy: Bool = false) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.greedy = greedy
    }

    /// Whether a draw is an argmax (greedy, or top-k 1).
    package var isArgmax: Bool { greedy || topK == 1 }

    /// The first invalid setting, or nil.
    package func problem() -> SamplingProblem? {
        if !(temperature > 0) || !temperature.isFinite { return .temperature(temperature) }
        if let k = topK, k < 1 { return .topK(k) }
        if let p = topP, !(p > 0 && p <= 1) { return .topP(p) }
        return nil
    }
}

/// An invalid sampling setting, with the value given.
package enum SamplingProblem: Equatable, Sendable, CustomStringConvertible {
    /// Not a finite number above 0.
    case temperature(Double)
    /// Below 1.
    case topK(Int)
    /// Outside (0, 1].
    case topP(Double)

    package var description: String {
        switch self {
        case .temperature(let t): "the temperature must be a number greater than 0 (got \(t))"
        case .topK(let k): "top-k must be at least 1 (got \(k))"
        case .topP(let p): "top-p must be in (0, 1] (got \(p))"
        }
    }
}

/// Chooses graphemes from logits; owns its scratch space (no allocation per draw).
package final class Sampler {
    /// V, the vocabulary size.
    package let vocab: Int
    /// Unnormalized tempered probabilities (V); entry 0 (`<unk>`) is 0.
    private var weights: [Double]
    /// Candidate ids, most likely first after filtering (V − 1; the first k with top-k).
    private var order: [Int32]

    package init(vocab: Int) {
        precondition(vocab >= 2, "a vocabulary has <unk> and at least one grapheme")
        self.vocab = vocab
        weights = [Double](repeating: 0, count: vocab)
        order = [Int32](repeating: 0, count: vocab - 1)
    }

    /// argmax over ids 1..<V of `logits` (V); ties go to the lower id. Never `<unk>`.
    package func argmax(_ logits: UnsafePointer<Float>) -> Int {
        var best = 1
        var bestValue = logits[1]
        for i in 2..<vocab where logits[i] > bestValue || (bestValue.isNaN && !logits[i].isNaN) {
            best = i
            bestValue = logits[i]
        }
        return best
    }

    /// The next grapheme id (never 0) for `logits` (V) under `options`.
    /// Draws exactly one `rng.nextDouble()` unless the draw is an argmax.
    package func sample(_ logits: UnsafePointer<Float>, options: SamplingOptions,
                       rng: inout RandomGenerator) -> Int {
        if options.isArgmax { return argmax(logits) }
        return sample(logits, options: options, uniform: rng.nextDouble())
    }

    /// The same draw with its one uniform number `u` in [0, 1) given
    /// (`rng.nextDouble()`, drawn before or after: it depends on nothing
    /// here), so that several streams' draws can run on different threads
    /// from numbers drawn in stream order. Unused for an argmax.
    package func sample(_ logits: UnsafePointer<Float>, options: SamplingOptions, uniform: Double) -> Int {
        if options.isArgmax { return argmax(logits) }
        let V = vocab
        // 2. Tempered, max-subtracted weights in Double.
        let m = Double(logits[argmax(logits)])
        let invT = 1 / options.temperature
        weights.withUnsafeMutableBufferPointer { w in
            w[0] = 0
            for i in 1..<V {
                let x = (Double(logits[i]) - m) * invT
                w[i] = x.isNaN ? 0 : exp(x)
            }
        }
        let k = min(options.topK ?? V, V - 1)
        let p = options.topP ?? 1
        if k >= V - 1 && p >= 1 {
            // 5. No filtering: inverse CDF in id order.
            return weights.withUnsafeBufferPointer { w in
                var total = 0.0
                for i in 1..<V { total += w[i] }
                let u = uniform * total
                var acc = 0.0
                var last = 1
                for i in 1..<V where w[i] > 0 {
                    acc += w[i]
                    if u < acc { return i }
                    last = i
                }
                return last
            }
        }
        // 3. Most likely first (ties: lower id), keep k: order[0..<k].
        rankMostLikely(k)
        return weights.withUnsafeBufferPointer { w in
            var kept = k
            // 4. Nucleus: smallest prefix whose mass reaches p of the top-k mass.
            if p < 1 {
                var mass = 0.0
                for j in 0..<k { mass += w[Int(order[j])] }
                let target = p * mass
                var acc = 0.0
                kept = 0
                while kept < k {
                    acc += w[Int(order[kept])]
                    kept += 1
                    if acc >= target { break }
                }
            }
            // 5. Inverse CDF over the kept prefix, in that order.
            var total = 0.0
            for j in 0..<kept { total += w[Int(order[j])] }
            let u = uniform * total
            var acc = 0.0
            for j in 0..<kept {
                acc += w[Int(order[j])]
                if u < acc { return Int(order[j]) }
            }
            return Int(order[kept - 1])
        }
    }

    /// Puts the k most likely ids (by `weights`, ties to the lower id) into
    /// order[0..<k], most likely first. "More likely" is a strict total order
    /// over ids, so the result is unique: a partial selection (a heap of the k
    /// best, O(V log k), then a sort of those k) gives the bits a full sort of
    /// all V − 1 ids gives, at a fraction of the cost when k is small (top-k
    /// 40 over a 5,000-grapheme vocabulary: see docs/performance.md).
    private func rankMostLikely(_ k: Int) {
        let V = vocab
        weights.withUnsafeBufferPointer { w in
            order.withUnsafeMutableBufferPointer { o in
                /// Whether id a ranks before id b.
                @inline(__always) func before(_ a: Int32, _ b: Int32) -> Bool {
                    let (wa, wb) = (w[Int(a)], w[Int(b)])
                    return wa > wb || (wa == wb && a < b)
                }
                if k * 4 >= V - 1 {
                    for i in 0..<(V - 1) { o[i] = Int32(i + 1) }
                    o.sort(by: before)
                    return
                }
                // o[0..<k]: a heap whose root ranks last of the k kept so far.
                @inline(__always) func siftDown(_ start: Int) {
                    var i = start
                    while true {
                        let l = 2 * i + 1, r = l + 1
                        var last = i
                        if l < k && before(o[last], o[l]) { last = l }
                        if r < k && before(o[last], o[r]) { last = r }
                        if last == i { return }
                        o.swapAt(i, last)
                        i = last
                    }
                }
                for i in 0..<k { o[i] = Int32(i + 1) }
                for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) }
                for id in Int32(k + 1)..<Int32(V) where before(id, o[0]) {
                    o[0] = id
                    siftDown(0)
                }
                var best = UnsafeMutableBufferPointer(rebasing: o[0..<k])
                best.sort(by: before)
            }
        }
    }

    /// The probabilities the sampler draws from for `logits` under `options`
    /// (V entries, summing to 1, entry 0 zero): for tests and tools.
    package func samplingDistribution(_ logits: UnsafePointer<Float>, options: SamplingOptions) -> [Double] {
        let V = vocab
        var result = [Double](repeating: 0, count: V)
        if options.isArgmax {
            result[argmax(logits)] = 1
            return result
        }
        let m = Double(logits[argmax(logits)])
        var w = [Double](repeating: 0, count: V)
        for i in 1..<V { w[i] = exp((Double(logits[i]) - m) / options.temperature) }
        var ids = Array(1..<V)
        ids.sort { w[$0] > w[$1] || (w[$0] == w[$1] && $0 < $1) }
        let k = min(options.topK ?? V, V - 1)
        ids = Array(ids.prefix(k))
        if let p = options.topP, p < 1 {
            let target = p * ids.reduce(0) { $0 + w[$1] }
            var acc = 0.0, kept = 0
            while kept < ids.count { acc += w[ids[kept]]; kept += 1; if acc >= target { break } }
            ids = Array(ids.prefix(kept))
        }
        let total = ids.reduce(0) { $0 + w[$1] }
        for i in ids { result[i] = w[i] / total }
        return result
    }
}

/// The model's own distribution over all V ids (temperature 1, nothing
/// masked), as used by `predict` and `score`.
package enum ModelDistribution {
    /// log Σ_j exp(l_j) over `logits` (V), computed max-subtracted in Double.
    package static func logSumExp(_ logits: UnsafePointer<Float>, count V: Int) -> Double {
        var m = -Double.infinity
        for i in 0..<V where Double(logits[i]) > m { m = Double(logits[i]) }
        if !m.isFinite { return m }
        var s = 0.0
        for i in 0..<V { s += exp(Double(logits[i]) - m) }
        return m + log(s)
    }

    /// Bits the model spends on `id` given `logits` (V): −log2 q_id.
    package static func bits(_ logits: UnsafePointer<Float>, count V: Int, id: Int) -> Double {
        (logSumExp(logits, count: V) - Double(logits[id])) / M_LN2
    }

    /// The `top` most likely ids other than `<unk>`, most likely first (ties:
    /// lower id), with their probabilities q_i (q over all V, `<unk>` included).
    package static func ranked(_ logits: UnsafePointer<Float>, count V: Int, top: Int) -> [(id: Int, probability: Double)] {
        let lse = logSumExp(logits, count: V)
        let n = max(0, min(top, V - 1))
        // Partial selection: n is small (a handful), V up to thousands.
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(n + 1)
        for i in 1..<V {
            let l = logits[i]
            if best.count == n, let last = best.last, !(l > last.logit) { continue }
            var at = best.count
            while at > 0 && l > best[at - 1].logit { at -= 1 }
            best.insert((i, l), at: at)
            if best.count > n { best.removeLast() }
        }
        return best.map { ($0.id, exp(Double($0.logit) - lse)) }
    }
}
