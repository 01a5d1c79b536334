// TrainingOptions: the training hyper-parameters a resumed run must reuse, and
// their record in a checkpoint (CheckpointTrainingOptions).

/// The training hyper-parameters a resumed run must reuse. The defaults here are
/// `charlstm train`'s defaults (the CLI reads them from this type).
import CharLSTMModel
import CharLSTMCheckpoint

package struct TrainingOptions: Equatable, Sendable {
    package var optimizer: OptimizerKind = .adam
    /// B, parallel streams per batch.
    package var batch: Int = 50
    /// T, time steps per truncated-BPTT window.
    package var seqLength: Int = 100
    package var learningRate: Double = 2e-3
    /// Multiply the learning rate by this factor every `lrDecayEvery` steps (1 = no decay).
    package var lrDecay: Double = 1
    package var lrDecayEvery: Int = 0
    /// Global gradient-norm clip (0 = off).
    package var gradClip: Double = 5
    package var valFraction: Double = 0.05
    package var testFraction: Double = 0.05
    /// Total optimizer steps planned for the run.
    package var totalSteps: Int = 0
    /// Seeds the run's one generator (initialisation, then dropout and weight drop); `charlstm train --seed`.
    package var seed: UInt64 = 1
    /// Weight drop: DropConnect probability on the recurrent weights W_h in training, 0 ≤ p < 1
    /// (0 = off); `charlstm train --weight-drop`. See WeightDrop.swift.
    package var weightDrop: Double = 0
    /// How dropout's masks vary within a training window: a fresh one every time step, or one
    /// per stream and unit for the whole window (variational dropout); `charlstm train --dropout-mask`.
    package var dropoutMask: DropoutMask = .step

    package init() {}

    /// The options a checkpoint recorded.
    package init(_ record: CheckpointTrainingOptions) {
        optimizer = record.optimizer
        batch = record.batch
        seqLength = record.seqLength
        learningRate = record.learningRate
        lrDecay = record.lrDecay
        lrDecayEvery = record.lrDecayEvery
        gradClip = record.gradClip
        valFraction = record.valFraction
        testFraction = record.testFraction
        totalSteps = record.totalSteps
        seed = record.seed
        weightDrop = record.weightDrop
        dropoutMask = record.dropoutMask
    }

    /// These options as a checkpoint records them.
    package var checkpointRecord: CheckpointTrainingOptions {
        CheckpointTrainingOptions(optimizer: optimizer, batch: batch, seqLength: seqLength, learningRate: learningRate,
                                  lrDecay: lrDecay, lrDecayEvery: lrDecayEvery, gradClip: gradClip,
                                  valFraction: valFraction, testFraction: testFraction, totalSteps: totalSteps,
                                  seed: seed, weightDrop: weightDrop, dropoutMask: dropoutMask)
    }
}
