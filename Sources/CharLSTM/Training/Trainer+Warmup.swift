// Trainer+Warmup: a linear learning-rate warm-up, for large global batches.
//
//   step s (0-based) of W warm-up steps:  lr_s = lr · (s + 1) / W      (s < W)
//                                         lr_s = lr                     (s ≥ W)
//
// `lr` is the rate in force (after decay and failure halvings), so a rollback
// inside the warm-up halves the ramp too. Large data-parallel batches need it:
// a rate fit for the batch diverges in the first steps from random weights
// (Goyal et al. 2017; Puri et al. 2018 for character-level LSTMs).

extension Trainer {
    /// The learning rate the next step takes: `learningRate`, ramped during the warm-up.
    public var stepLearningRate: Double {
        guard warmupSteps > 0, step < warmupSteps else { return learningRate }
        return learningRate * Double(step + 1) / Double(warmupSteps)
    }
}
