// TrainingStep: the one optimizer step. The Trainer (`charlstm train`), the
// benchmark (`charlstm bench`) and the tests' small training loops all take it,
// so `bench` times the step that training runs.
//
// Dimension key: T steps per window, B streams, N = T·B targets, P parameters.
//
// One step on a (T, B) window:
//   gradients ← 0                                                  (P)
//   loss.nats = Σ nats of forward(from the carried state)           (state ← final state)
//   gradients = backward(1/N)                                       (of the mean loss)
//   afterBackward(gradients)                                        (caller's inspection; tests inject faults here)
//   reduce(gradients, &loss)                                        (the seam for data-parallel training: see `reduce`)
//   check: loss finite, mean loss ≤ explodingLoss                   (else: failure)
//   norm = clip(gradients, gradClip)                                (non-finite: failure)
//   optimizer update at the learning rate given
//
// A failed step leaves the parameters and the optimizer untouched, but the
// carried state and the generator have moved on: the caller decides what
// follows (the Trainer rolls back to its last good snapshot, `bench` stops).
// Which window comes next, the learning-rate schedule and the history are the
// caller's too. The step allocates nothing.

import CharLSTMSupport
import CharLSTMModel
#if canImport(Glibc)
import Glibc
#endif

/// The loss of one step: summed nats over `targets` predictions.
package struct StepLoss {
    /// Σ cross-entropy in nats.
    package var nats: Double
    /// How many targets `nats` sums over (N = T·B in one process).
    package var targets: Int
    /// Mean nats per target.
    package var mean: Double { nats / Double(targets) }

    package init(nats: Double, targets: Int) {
        self.nats = nats
        self.targets = targets
    }
}

/// Gradient clipping, loss checks and the reduction seam of an optimizer step
/// (see the file header); `run` takes the step.
package struct TrainingStep {
    /// Combines the work of data-parallel replicas; see `reduce`.
    /// - Parameters:
    ///   - gradients: (P) on entry this replica's gradient of its mean loss (its
    ///     backward scaled by 1 / its own N); on exit the gradient of the mean loss
    ///     over the whole global batch (the replicas' gradients weighted by their
    ///     shares of the targets), identical on every replica.
    ///   - loss: on entry this replica's summed nats and target count; on exit the
    ///     sums over all replicas, identical on every replica.
    package typealias Reduction = (_ gradients: Buffer<Float>, _ loss: inout StepLoss) -> Void

    /// Global gradient L2 norm limit (0: no clipping).
    package var gradClip: Double
    /// Mean nats per target above which a step fails as exploding.
    package var explodingLoss: Double
    /// The seam for data-parallel training, called once per step after backward
    /// and before anything reads the gradients or the loss. In one process (nil)
    /// the gradients and loss are already the whole batch's. Across processes it
    /// all-reduces them, so every replica clips the same gradient, applies the same
    /// update, and agrees on whether the step failed (a NaN on one replica makes
    /// the reduced loss or norm NaN on all of them, so they roll back together).
    package var reduce: Reduction?

    package init(gradClip: Double, explodingLoss: Double, reduce: Reduction? = nil) {
        self.gradClip = gradClip
        self.explodingLoss = explodingLoss
        self.reduce = reduce
    }

    /// The exploding-loss limit for a vocabulary of `vocab` graphemes: three times
    /// the mean loss of uniform guessing, plus one nat.
    package static func explodingLoss(vocab: Int) -> Double {
        3 * log(Double(vocab)) + 1
    }

    /// Why a step was not applied.
    package enum Failure: Error, CustomStringConvertible {
        /// The (reduced) mean loss is NaN or infinite.
        case lossNotFinite(Double)
        /// The (reduced) mean loss, in nats per target, exceeded `explodingLoss`.
        case lossExploded(meanNats: Double)
        /// The gradient norm before clipping is NaN or infinite.
        case gradientNormNotFinite(Double)

        package var description: String {
            switch self {
            case .lossNotFinite(let x): "the loss is \(x.isNaN ? "NaN" : "infinite")"
            case .lossExploded(let mean): "the loss exploded to \(fixed(mean / ln2, 2)) bits per grapheme"
            case .gradientNormNotFinite(let x): "the gradient norm is \(x.isNaN ? "NaN" : "infinite")"
            }
        }
    }

    /// What one step did.
    package enum Outcome {
        /// The parameters were updated. `loss`: the step's loss (reduced);
        /// `gradientNorm`: the global norm before clipping.
        case updated(loss: StepLoss, gradientNorm: Double)
        /// Nothing was updated (see the file header for what did move).
        case failed(Failure)
    }

    /// One step of `model` and `optimizer` on the (T, B) window `inputs`/`targets`
    /// (T = `steps`, B = `state.batch`, time-major), carrying `state`; dropout draws
    /// from `rng`. `afterBackward` sees (and may alter) this process's gradients
    /// before the reduction. See the file header.
    @inline(__always)
    package func run(model: TrainingModel, optimizer: Optimizer<Float>,
                    inputs: UnsafePointer<Int32>, targets: UnsafePointer<Int32>, steps: Int,
                    state: RecurrentState<Float>, rng: inout RandomGenerator, learningRate: Double,
                    afterBackward: ((Buffer<Float>) -> Void)? = nil) -> Outcome {
        let N = steps * state.batch
        model.gradients.zero()
        var loss = StepLoss(nats: model.forward(inputs: inputs, targets: targets, steps: steps, state: state,
                                                training: true, rng: &rng),
                            targets: N)
        model.backward(lossScale: 1 / Float(N))
        afterBackward?(model.gradients)
        reduce?(model.gradients, &loss)
        let mean = loss.mean
        if !mean.isFinite { return .failed(.lossNotFinite(mean)) }
        if mean > explodingLoss { return .failed(.lossExploded(meanNats: mean)) }
        let norm = clipGradientNorm(model.gradients, maxNorm: gradClip, compute: optimizer.compute)
        if !norm.isFinite { return .failed(.gradientNormNotFinite(norm)) }
        optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: learningRate)
        return .updated(loss: loss, gradientNorm: norm)
    }
}
