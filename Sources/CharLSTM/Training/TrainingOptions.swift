// TrainingOptions: the training hyper-parameters a resumed run must reuse, and
// their record in a checkpoint (CheckpointTrainingOptions).

/// The training hyper-parameters a resumed run must reuse. The defaults here are
/// `charlstm train`'s defaults (the CLI reads them from this type).
public struct TrainingOptions: Equatable, Sendable {
    public var optimizer: OptimizerKind = .adam
    /// B, parallel streams per batch.
    public var batch: Int = 50
    /// T, time steps per truncated-BPTT window.
    public var seqLength: Int = 100
    public var learningRate: Double = 2e-3
    /// Multiply the learning rate by this factor every `lrDecayEvery` steps (1 = no decay).
    public var lrDecay: Double = 1
    public var lrDecayEvery: Int = 0
    /// Global gradient-norm clip (0 = off).
    public var gradClip: Double = 5
    public var valFraction: Double = 0.05
    public var testFraction: Double = 0.05
    /// Total optimizer steps planned for the run.
    public var totalSteps: Int = 0
    /// Seeds the run's one generator (initialisation, then dropout); `charlstm train --seed`.
    public var seed: UInt64 = 1

    public init() {}

    /// The options a checkpoint recorded.
    public init(_ record: CheckpointTrainingOptions) {
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
    }

    /// These options as a checkpoint records them.
    public var checkpointRecord: CheckpointTrainingOptions {
        CheckpointTrainingOptions(optimizer: optimizer, batch: batch, seqLength: seqLength, learningRate: learningRate,
                                  lrDecay: lrDecay, lrDecayEvery: lrDecayEvery, gradClip: gradClip,
                                  valFraction: valFraction, testFraction: testFraction, totalSteps: totalSteps,
                                  seed: seed)
    }
}
