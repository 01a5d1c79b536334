// TrainingError: every way a training run can be refused or stopped, as typed
// values. Each description is one line in the library's own terms; `charlstm
// train` words the ones a flag can fix with that flag (CharLSTMCLI,
// TrainingError+CLI.swift).

/// Why training cannot start or had to stop.
import CharLSTMSupport

public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The corpus cannot fill two validation windows of the shortest accepted length.
    case corpusTooSmall(graphemes: Int, validation: Int, needed: Int, steps: Int)
    /// `given` initial parameters for a model of `needed` (the config's parameter count).
    case initialParameters(given: Int, needed: Int)
    /// The checkpoint at `path` is weights only: it holds no training state to resume.
    case noTrainingState(path: String)
    /// The checkpoint given to resume cannot continue on this corpus.
    case incompatibleResume(path: String, reason: String)
    /// A resumed run whose last step, `target`, is not above the checkpoint's `step`. `length`
    /// is what set the target; nil for the run's own planned total.
    case nothingToResume(step: Int, target: Int, length: TrainingLength?)
    /// Training diverged (non-finite or exploding loss) `failures` times in a row.
    case diverged(failures: Int, step: Int, learningRate: Double)
    /// A checkpoint could not be written (message from the checkpoint layer).
    case checkpointWrite(String)
    /// The output directory at `path` cannot be created or written (`reason`).
    case outputDirectory(path: String, reason: String)
    /// The evaluation log at `path` cannot be opened (`reason`).
    case logFile(path: String, reason: String)
    /// An output file's path is a directory.
    case outputIsDirectory(path: String)
    /// Any other output file (the plot) could not be written.
    case output(path: String, reason: String)
    /// A data-parallel run cannot start or continue (DistributedError).
    case distributed(DistributedError)
    /// Weight averaging after step `from` in a run that ends at step `total`: nothing would be averaged.
    case averageFromNotBeforeEnd(from: Int, total: Int)

    public var description: String {
        switch self {
        case .corpusTooSmall(let n, let v, let needed, let steps):
            return "corpus too small: \(n) graphemes leave \(v) for validation; need at least \(needed) graphemes "
                + "(2 validation windows of \(steps) steps); use a larger corpus or a larger validation fraction"
        case .initialParameters(let given, let needed):
            return "the initial weights hold \(given) values but the model's config needs \(needed); "
                + "start from the weights of a model with the same cell, sizes and vocabulary"
        case .noTrainingState(let path):
            return "cannot resume from \(path): it holds no training state (a weights-only export); "
                + "start a new run from its weights instead"
        case .incompatibleResume(let path, let reason):
            return "cannot resume from \(path): \(reason)"
        case .nothingToResume(let step, let target, _):
            return "nothing to do: the run ends at step \(target), not above the checkpoint's step \(step)"
        case .diverged(let failures, let step, let lr):
            return "training diverged \(failures) times in a row (non-finite or exploding loss) near step \(step), "
                + "even at learning rate \(shortNumber(lr)); restart with a lower learning rate, a lower gradient clip or a smaller model"
        case .checkpointWrite(let message):
            return message
        case .outputDirectory(let path, let reason):
            return "cannot write \(path): \(reason); choose another output directory"
        case .logFile(let path, let reason):
            return "cannot write \(path): \(reason); choose another log path"
        case .outputIsDirectory(let path):
            return "cannot write \(path): it is a directory; remove it or choose another output directory"
        case .output(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .distributed(let error):
            return error.description
        case .averageFromNotBeforeEnd(let from, let total):
            return "weight averaging after step \(from) would average nothing: the run ends at step \(total); "
                + "average from an earlier step or train longer"
        }
    }
}
