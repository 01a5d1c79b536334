// DynamicEvaluator: a model that keeps learning from the text it reads
// (dynamic evaluation, Krause et al. 2018, arXiv 1709.07432), for
// `score --adapt`, `predict --adapt` and `sample --adapt`.
//
// Dimension key: K segment length, P parameters, V vocabulary, L layers, H hidden.
//
// Text arrives as ids, in pieces or all at once. Every id after the first
// since a restart makes one (context → target) pair; K pairs make a segment.
// For each segment, with the weights θ as they are:
//   1. forward over the K inputs from the carried state (batch 1, no dropout):
//      bits_t = −log2 q(g_t | g_0 … g_{t−1}) for its K targets, reported now,
//      before anything learns from them (so no bit ever depends on later text);
//      the carried state moves to the end of the segment;
//   2. backward through the segment (the entering state is a constant):
//      g = ∇θ of the segment's mean nats (training's own forward/backward, Model);
//   3. the RMS-normalised update with decay toward the trained weights θ₀:
//      MS ← β·MS + (1 − β)·g²,   MŜ = MS / (1 − βⁿ)   (n: updates so far, β = 0.99)
//      θ  ← θ − η·g / (√MŜ + ε) + λ·(θ₀ − θ)          (ε = 1e-8)
//      η = learning rate, λ = decay (AdaptationSettings).
// MS is gathered on the fly from the text's own gradients (the paper takes it
// from the training data; a checkpoint need not hold any, weights-only and
// binary16 ones included). A last partial segment (fewer than K pairs) is
// scored and learned from by `flush`.
//
// The update is element-wise and the forward/backward give the same bits on
// any thread count (Model's products split rows or columns, never a sum), so
// the bits reported do not depend on the thread count.

import CharLSTMSupport
import CharLSTMModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Scores text with a model that takes an update after every segment it has scored.
package final class DynamicEvaluator {
    package let settings: AdaptationSettings
    /// The model as trained (θ₀).
    package let base: SamplingModel
    /// Training's model: the adapted weights θ (P), forward and backward.
    private let model: Model<Float>
    /// θ₀, (P).
    private let original: Buffer<Float>
    /// MS, the running mean square of the gradients, (P).
    private let meanSquare: Buffer<Float>
    /// n, the updates since the last `resetWeights`.
    package private(set) var updates = 0
    /// The state carried from segment to segment, (L, 1, H) h and c.
    private let state: RecurrentState<Float>
    /// The pending segment's inputs and targets, (≤ K) each, and the targets' positions.
    private var inputs: [Int32] = []
    private var targets: [Int32] = []
    private var positions: [Int] = []
    /// Per-target nats of the segment in hand, (K).
    private let rowLoss: Buffer<Double>
    /// The last id fed since the restart (the next pair's context).
    private var previous: Int32?
    /// Ids fed since the restart.
    package private(set) var position = 0
    private var rng = RandomGenerator(seed: 0)   // not drawn from: no dropout when adapting

    /// A SamplingModel stepping the adapted weights in place (what `predict`
    /// and `sample` use after adapting); it sees every later update.
    package private(set) lazy var adaptedModel: SamplingModel = SamplingModel(base, sharing: model.parameters)

    /// - Throws: the first setting out of range.
    package init(model base: SamplingModel, settings: AdaptationSettings) throws(AdaptationProblem) {
        if let problem = settings.problem() { throw problem }
        self.settings = settings
        self.base = base
        model = Model<Float>(config: base.config, compute: base.compute)   // SamplingModel holds forward models only
        let P = model.parameterCount
        model.parameters.base.update(from: base.floatWeights, count: P)
        original = Buffer(count: P)
        original.base.update(from: base.floatWeights, count: P)
        meanSquare = Buffer(count: P)
        state = model.makeState(batch: 1)
        rowLoss = Buffer(count: settings.segment)
        inputs.reserveCapacity(settings.segment)
        targets.reserveCapacity(settings.segment)
        positions.reserveCapacity(settings.segment)
    }

    /// The adapted weights θ, (P), layout order.
    package var parameters: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount)
    }

    /// Back to the trained weights θ₀ and an empty MS (the state is kept).
    package func resetWeights() {
        model.parameters.base.update(from: original.base, count: model.parameterCount)
        meanSquare.zero()
        updates = 0
    }

    /// Feeds `ids`, continuing from what was fed since the restart. Each full
    /// segment is scored — `each(position, bits)` for every target, positions
    /// counted from the restart — and then learned from.
    package func feed(_ ids: [Int], each: ((Int, Double) -> Void)? = nil) {
        for id in ids {
            let x = Int32(id)
            if let previous {
                inputs.append(previous)
                targets.append(x)
                positions.append(position)
                if inputs.count == settings.segment { runSegment(each: each) }
            }
            previous = x
            position += 1
        }
    }

    /// Scores and learns from the pairs of a partial segment, if any.
    package func flush(each: ((Int, Double) -> Void)? = nil) {
        if !inputs.isEmpty { runSegment(each: each) }
    }

    /// Learns from a partial segment (its bits are not reported), then zeroes
    /// the state: the next id fed starts a new context. The weights are kept.
    package func restart() {
        flush()
        state.reset()
        previous = nil
        position = 0
    }

    /// Scores `ids` from the zero state and the trained weights, adapting as
    /// it goes, as TextScorer.score does without adapting: `each(t, bits)` for
    /// every grapheme, nil bits for the first (not scored). Returns the number
    /// of scored graphemes (count − 1, or 0) and their total bits.
    package func score(_ ids: [Int], each: ((Int, Double?) -> Void)? = nil) -> (scored: Int, bits: Double) {
        resetWeights()
        restart()
        guard !ids.isEmpty else { return (0, 0) }
        each?(0, nil)
        var total = 0.0
        let report: (Int, Double) -> Void = { t, b in total += b; each?(t, b) }
        feed(ids, each: report)
        flush(each: report)
        restart()
        return (ids.count - 1, total)
    }

    /// Learns from `ids` (e.g. a prime) from the zero state, to the last pair,
    /// and returns the model with the adapted weights (`adaptedModel`).
    package func adapt(to ids: [Int]) -> SamplingModel {
        restart()
        feed(ids)
        restart()
        return adaptedModel
    }

    /// Steps 1–3 of the file header on the pending pairs.
    private func runSegment(each: ((Int, Double) -> Void)?) {
        let n = inputs.count
        inputs.withUnsafeBufferPointer { x in
            targets.withUnsafeBufferPointer { y in
                _ = model.forward(inputs: x.baseAddress!, targets: y.baseAddress!, steps: n, state: state,
                                  training: false, rng: &rng, rowLoss: rowLoss.base)
                for k in 0..<n { each?(positions[k], rowLoss[k] / Self.ln2) }
                model.gradients.zero()
                model.backward(lossScale: 1 / Float(n))
            }
        }
        update()
        inputs.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    /// Step 3: θ ← θ − η·g/(√MŜ + ε) + λ·(θ₀ − θ).
    private func update() {
        updates += 1
        let beta: Float = 0.99, epsilon: Float = 1e-8
        let correction = Float(1 - pow(Double(beta), Double(updates)))
        let eta = Float(settings.learningRate), lambda = Float(settings.decay)
        let theta = model.parameters.base, g = model.gradients.base
        let ms = meanSquare.base, theta0 = original.base
        model.compute.forEachChunk(count: model.parameterCount, chunk: 1 << 15) { i0, i1 in
            for i in i0..<i1 {
                let gi = g[i]
                let m = beta * ms[i] + (1 - beta) * gi * gi
                ms[i] = m
                let step = eta * gi / ((m / correction).squareRoot() + epsilon)
                theta[i] = theta[i] - step + lambda * (theta0[i] - theta[i])
            }
        }
    }

    private static let ln2 = 0.693_147_180_559_945_3
}
