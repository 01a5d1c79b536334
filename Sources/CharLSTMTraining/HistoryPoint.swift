// HistoryPoint: one point of a run's loss history, and its record in a
// checkpoint (CheckpointHistoryPoint).

/// One point of the loss history (one evaluation, or a train-only point).
import CharLSTMCheckpoint

package struct HistoryPoint: Equatable, Sendable {
    package var step: Int
    package var epoch: Double
    /// Mean training loss since the previous point, bits per grapheme.
    package var trainBPC: Double
    /// Validation loss, bits per grapheme; NaN when not evaluated.
    package var valBPC: Double
    package var learningRate: Double

    package init(step: Int, epoch: Double, trainBPC: Double, valBPC: Double, learningRate: Double) {
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
