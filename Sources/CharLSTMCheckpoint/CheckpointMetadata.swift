// CheckpointMetadata: facts about how a model was trained, kept even in weights-only exports.

/// Facts about a model's training that `charlstm info` shows; present in every checkpoint.
package struct CheckpointMetadata: Equatable, Sendable {
    /// Optimizer steps the weights have seen.
    package var step: Int = 0
    /// Completed epochs.
    package var epoch: Int = 0
    /// Best validation loss so far in bits per grapheme; nil when never evaluated.
    package var bestValBPC: Double? = nil
    /// Name of the training corpus (file stem), for display only.
    package var corpusName: String = ""
    /// Seconds since 1970 when the file was written.
    package var createdAt: Int64 = 0

    package init(step: Int = 0, epoch: Int = 0, bestValBPC: Double? = nil, corpusName: String = "", createdAt: Int64 = 0) {
        self.step = step
        self.epoch = epoch
        self.bestValBPC = bestValBPC
        self.corpusName = corpusName
        self.createdAt = createdAt
    }
}
