// TemperatureCalibration: post-hoc temperature scaling of a trained model
// (Guo et al. 2017, "On Calibration of Modern Neural Networks", section 4.2).
//
// Dimension key: V vocabulary, n predictions kept for the fit.
//
// A model trained until validation stops improving is overconfident on text it
// has not seen: its softmax is too sharp. One scale β of the logits, fitted on
// held-out text, corrects that:
//
//   q_β(i | context) = exp(β z_i) / Σ_j exp(β z_j)        (temperature T = 1/β)
//   bits(β) = (1/n) Σ_t [log Σ_j exp(β z_tj) − β z_t,y_t] / ln 2
//
// bits(β) is convex in β (a log-sum-exp of functions linear in β, minus a
// linear term), so Newton's method from β = 1 finds its minimum:
//
//   bits′(β)  ∝ Σ_t (E_qβ[z_t] − z_t,y_t)     bits″(β) ∝ Σ_t Var_qβ(z_t) ≥ 0
//
// The fitted β is folded into the output layer (output.w and output.bias both
// times β), so the calibrated model is an ordinary checkpoint: sample, predict,
// score and --adapt all see the calibrated distribution, and nothing in the
// file format changes. The ranking of the graphemes never changes (β > 0), so
// greedy output and top-k sets are the same; only the probabilities are.

import CharLSTMModel
import CharLSTMCheckpoint

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a temperature fit found.
public struct TemperatureFit: Equatable, Sendable {
    /// β, the factor of the logits (and of the output layer's weights and bias).
    public var scale: Double
    /// The temperature 1/β: above 1 the model was overconfident.
    public var temperature: Double { 1 / scale }
    /// Graphemes of the text that were scored (all but the first of each text).
    public var scored: Int
    /// Predictions the fit used: all scored ones, or every k-th when their
    /// logits would not fit in `TemperatureCalibration.maxStoredLogits`.
    public var used: Int
    /// Mean bits per grapheme of the used predictions before (β = 1) and after (β fitted).
    public var bitsBefore: Double
    public var bitsAfter: Double
}

/// Fits the temperature of a model's softmax on held-out text and folds it into the weights.
public enum TemperatureCalibration {
    /// At most this many logits (Float, 4 bytes each) are kept for the fit:
    /// 256 MiB, about a million predictions of a 66-grapheme vocabulary. Longer
    /// texts keep every k-th prediction (the model still reads all of the text).
    public static let maxStoredLogits = 1 << 26
    /// β stays within [1/64, 64].
    package static let scaleRange: ClosedRange<Double> = (1.0 / 64)...64

    /// Runs `model` over each of `texts` (ids, each from the zero state, its
    /// first grapheme unscored as in `score`) and fits β on the predictions.
    /// Returns nil when no text has two graphemes (nothing to fit on).
    /// - Throws: `.idOutOfRange` for an id outside the vocabulary.
    public static func fit(model: SamplingModel, texts: [[Int]],
                           maxStoredLogits: Int = maxStoredLogits) throws(SamplingError) -> TemperatureFit? {
        let V = model.vocab
        let scored = texts.reduce(0) { $0 + max(0, $1.count - 1) }
        guard scored > 0 else { return nil }
        let stride = max(1, (scored * V + maxStoredLogits - 1) / maxStoredLogits)
        var logits: [Float] = []
        logits.reserveCapacity((scored / stride + 1) * V)
        var targets: [Int32] = []
        targets.reserveCapacity(scored / stride + 1)
        let scorer = TextScorer(model: model)
        var index = 0  // prediction number over all texts
        for ids in texts {
            try scorer.forEachPrediction(ids) { t, z in
                defer { index += 1 }
                guard index % stride == 0 else { return }
                logits.append(contentsOf: UnsafeBufferPointer(start: z, count: V))
                targets.append(Int32(ids[t]))
            }
        }
        let (scale, before, after) = fit(logits: logits, targets: targets, vocab: V)
        return TemperatureFit(scale: scale, scored: scored, used: targets.count, bitsBefore: before, bitsAfter: after)
    }

    /// The β in `scaleRange` that minimises the mean bits of `targets` (n) under
    /// `logits` (n, V) times β, with the mean bits at β = 1 and at that β.
    package static func fit(logits: [Float], targets: [Int32], vocab V: Int) -> (scale: Double, before: Double, after: Double) {
        precondition(logits.count == targets.count * V && !targets.isEmpty, "logits must be (n, V) for n ≥ 1 targets")
        let n = Double(targets.count)
        let before = objective(logits, targets, V, at: 1).f
        var beta = 1.0
        var current = objective(logits, targets, V, at: beta)
        for _ in 0..<100 {
            if current.g == 0 { break }
            // Newton's step; where the curvature vanishes, halve or double β downhill.
            let step = current.h > 1e-12 * n ? current.g / current.h : (current.g > 0 ? beta / 2 : -beta)
            var next = min(max(beta - step, scaleRange.lowerBound), scaleRange.upperBound)
            var trial = objective(logits, targets, V, at: next)
            var halvings = 0
            while trial.f > current.f && halvings < 60 {  // f is convex: halving the step toward β lowers it
                next = (beta + next) / 2
                trial = objective(logits, targets, V, at: next)
                halvings += 1
            }
            if trial.f > current.f { break }
            let moved = abs(next - beta)
            beta = next
            current = trial
            if moved <= 1e-10 * beta { break }
        }
        return (beta, before, current.f)
    }

    /// The mean bits of `targets` (n) under `logits` (n, V) times `scale`.
    package static func meanBits(logits: [Float], targets: [Int32], vocab V: Int, scale: Double) -> Double {
        objective(logits, targets, V, at: scale).f
    }

    /// Mean bits f(β) of the targets, and the derivatives of n·ln2·f in β.
    private static func objective(_ logits: [Float], _ targets: [Int32], _ V: Int,
                                  at beta: Double) -> (f: Double, g: Double, h: Double) {
        var nats = 0.0, g = 0.0, h = 0.0
        logits.withUnsafeBufferPointer { z in
            for (t, y) in targets.enumerated() {
                let row = z.baseAddress! + t * V
                var m = -Double.infinity
                for j in 0..<V { m = max(m, beta * Double(row[j])) }
                var s = 0.0, s1 = 0.0, s2 = 0.0
                for j in 0..<V {
                    let zj = Double(row[j])
                    let e = exp(beta * zj - m)
                    s += e; s1 += e * zj; s2 += e * zj * zj
                }
                let mean = s1 / s
                let zy = Double(row[Int(y)])
                nats += m + log(s) - beta * zy
                g += mean - zy
                h += max(0, s2 / s - mean * mean)
            }
        }
        return (nats / Double(targets.count) / M_LN2, g, h)
    }

    /// `checkpoint` with its output layer (weights and bias) multiplied by `scale`:
    /// every logit times `scale`. Training state is dropped (the optimizer's
    /// moments belong to the unscaled weights), so the result is a sampling model.
    public static func folding(_ scale: Double, into checkpoint: Checkpoint) -> Checkpoint {
        var c = checkpoint
        let layout = ParameterLayout(c.config)
        let s = Float(scale)
        for view in [layout.outputWeight, layout.outputBias] {
            for i in view.range { c.parameters[i] *= s }
        }
        c.training = nil
        return c
    }
}
