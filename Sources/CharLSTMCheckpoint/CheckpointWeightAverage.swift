// CheckpointWeightAverage: what a checkpoint's AVRG section holds — the running
// mean of the weights that `charlstm train --average-from STEP` keeps, and which
// of the two copies (training weights, average) the WGHT section holds
// (docs/checkpoint-format.md, "AVRG").

/// The weight average of a run, saved beside its training state for an exact resume.
package struct CheckpointWeightAverage: Equatable, Sendable {
    /// The average takes in the weights after every optimizer step after this one.
    package var from: Int
    /// Steps averaged so far (0: not started yet; then `weights` is empty).
    package var count: Int
    /// True when the file's WGHT section holds the average (a best checkpoint whose
    /// averaged weights were the ones evaluated) and `weights` the training weights;
    /// false when WGHT holds the training weights and `weights` the average.
    package var weightsAreAverage: Bool
    /// The other copy of the P weights (see `weightsAreAverage`); empty when `count` is 0.
    package var weights: [Float]

    package init(from: Int, count: Int, weightsAreAverage: Bool, weights: [Float]) {
        self.from = from
        self.count = count
        self.weightsAreAverage = weightsAreAverage
        self.weights = weights
    }
}
