// HistoryPoint: one point of a run's loss history, and its record in a
// checkpoint (CheckpointHistoryPoint).

/// One point of the loss history (one evaluation, or a train-only point).
import CharLSTMCheckpoint

public struct HistoryPoint: Equatable, Sendable {
    public var step: Int
    public var epoch: Double
    /// Mean training loss since the previous point, bits per grapheme.
    public var trainBPC: Double
    /// Validation loss, bits per grapheme; NaN when not evaluated.
    public var valBPC: Double
    public var learningRate: Double

    public init(step: Int, epoch: Double, trainBPC: Double, valBPC: Double, learningRate: Double) {
        self.step = step
        self.epoch = epoch
        self.trainBPC = trainBPC
        self.valBPC = valBPC
        self.learningRate = learningRate
    }

    /// The point a checkpoint recorded.
    package init(_ record: CheckpointHistoryPoint) {
        self.init(step: record.step, epoch: record.epoch, trainBPC: record.trainBPC, valBPC: record.valBPC,
                  learningRate: record.learningRate)
    }

    /// This point as a checkpoint records it.
    package var checkpointRecord: CheckpointHistoryPoint {
        CheckpointHistoryPoint(step: step, epoch: epoch, trainBPC: trainBPC, valBPC: valBPC, learningRate: learningRate)
    }
}
