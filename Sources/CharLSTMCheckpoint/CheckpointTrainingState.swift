// CheckpointTrainingState: what a checkpoint's TRAN section holds, as plain
// records — the optimizer moments, the exact position of a run, the settings
// a resumed run must reuse and the loss history (docs/checkpoint-format.md).
//
// These are the file's own types: the checkpoint layer knows nothing about
// training. The training side turns its own options and history into these
// records when it saves a run, and back when it resumes one.

/// Optimizer moments and the exact position of a run, saved in checkpoints for an exact resume.
import CharLSTMModel

package struct CheckpointTrainingState: Equatable, Sendable {
    /// The settings the run was started with (B and T as in force after any shrinking).
    package var options: CheckpointTrainingOptions
    /// First moment (Adam m, RMSprop mean square, SGD velocity), P floats in parameter layout.
    package var moment1: [Float]
    /// Second moment (Adam v), P floats; empty for RMSprop and SGD.
    package var moment2: [Float]
    /// Optimizer steps taken so far.
    package var step: Int
    /// Completed passes over the training data.
    package var epoch: Int
    /// Index of the next window within the current epoch.
    package var dataPosition: Int
    /// The random generator's state words.
    package var rngState: [UInt64]
    /// The learning rate in force (after decay and NaN halvings).
    package var learningRate: Double
    /// Hidden state carried across batches: L × (1 or 2) × B × H floats (h then c per layer); may be empty.
    package var carriedState: [Float]
    /// The loss history, oldest first.
    package var history: [CheckpointHistoryPoint]
    /// The weight average (`--average-from`), nil when the run keeps none; stored in the AVRG section.
    package var average: CheckpointWeightAverage?

    package init(options: CheckpointTrainingOptions, moment1: [Float], moment2: [Float], step: Int, epoch: Int,
                dataPosition: Int, rngState: [UInt64], learningRate: Double, carriedState: [Float],
                history: [CheckpointHistoryPoint], average: CheckpointWeightAverage? = nil) {
        self.options = options
        self.moment1 = moment1
        self.moment2 = moment2
        self.step = step
        self.epoch = epoch
        self.dataPosition = dataPosition
        self.rngState = rngState
        self.learningRate = learningRate
        self.carriedState = carriedState
        self.history = history
        self.average = average
    }
}

/// The training settings a checkpoint records (TRAN bytes 0–87 and 160–168): every field as stored,
/// no defaults but the weight drop's (0 in files before format 1.2) and the dropout mask's (step before 1.3).
package struct CheckpointTrainingOptions: Equatable, Sendable {
    package var optimizer: OptimizerKind
    /// B, parallel streams per batch.
    package var batch: Int
    /// T, time steps per truncated-BPTT window.
    package var seqLength: Int
    /// The configured learning rate (the state's `learningRate` is the one in force).
    package var learningRate: Double
    /// Factor applied to the learning rate every `lrDecayEvery` steps (1 = no decay).
    package var lrDecay: Double
    package var lrDecayEvery: Int
    /// Global gradient-norm clip (0 = off).
    package var gradClip: Double
    package var valFraction: Double
    package var testFraction: Double
    /// Total optimizer steps planned for the run.
    package var totalSteps: Int
    package var seed: UInt64
    /// Weight drop: DropConnect probability on the recurrent weights in training, 0 ≤ p < 1 (0 = off).
    package var weightDrop: Double
    /// How dropout's masks vary within a training window (`.step` in files before format 1.3).
    package var dropoutMask: DropoutMask

    package init(optimizer: OptimizerKind, batch: Int, seqLength: Int, learningRate: Double, lrDecay: Double,
                lrDecayEvery: Int, gradClip: Double, valFraction: Double, testFraction: Double, totalSteps: Int,
                seed: UInt64, weightDrop: Double = 0, dropoutMask: DropoutMask = .step) {
        self.optimizer = optimizer
        self.batch = batch
        self.seqLength = seqLength
        self.learningRate = learningRate
        self.lrDecay = lrDecay
        self.lrDecayEvery = lrDecayEvery
        self.gradClip = gradClip
        self.valFraction = valFraction
        self.testFraction = testFraction
        self.totalSteps = totalSteps
        self.seed = seed
        self.weightDrop = weightDrop
        self.dropoutMask = dropoutMask
    }
}

/// One point of the loss history a checkpoint records (40 bytes in TRAN).
package struct CheckpointHistoryPoint: Equatable, Sendable {
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
}
