// TrainingError: every way a training run can be refused or stopped, one line each.

/// Why training cannot start or had to stop. Each description is one line saying what to do.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The corpus cannot fill two validation windows of the shortest accepted length.
    case corpusTooSmall(graphemes: Int, validation: Int, needed: Int, steps: Int)
    /// `given` initial parameters for a model of `needed` (the config's parameter count).
    case initialParameters(given: Int, needed: Int)
    /// The checkpoint given to --resume cannot continue on this corpus or has no training state.
    case incompatibleResume(path: String, reason: String)
    /// A resumed run whose last step, `target`, is not above the checkpoint's `step`. `flag` is
    /// what set the target ("--steps 60", "--epochs 1"); nil for the run's own planned total.
    case nothingToResume(step: Int, target: Int, flag: String?)
    /// Training diverged (non-finite or exploding loss) `failures` times in a row.
    case diverged(failures: Int, step: Int, learningRate: Double)
    /// A checkpoint could not be written (message from the checkpoint layer).
    case checkpointWrite(String)
    /// Any other output file (log, plot, directory) could not be written.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .corpusTooSmall(let n, let v, let needed, let steps):
            return "corpus too small: \(n) graphemes leave \(v) for validation; need at least \(needed) graphemes "
                + "(2 validation windows of \(steps) steps); use a larger corpus or a larger --val-frac"
        case .initialParameters(let given, let needed):
            return "the initial weights hold \(given) values but the model's config needs \(needed); "
                + "start from the weights of a model with the same cell, sizes and vocabulary"
        case .incompatibleResume(let path, let reason):
            return "cannot resume from \(path): \(reason)"
        case .nothingToResume(let step, let target, let flag):
            guard let flag else {
                return "nothing to do: the checkpoint's run is complete at step \(step) of \(target); "
                    + "give --steps above \(step) to train further (--steps counts from the start of the run)"
            }
            if flag.hasPrefix("--steps") {
                return "nothing to do: \(flag) is not above the checkpoint's step \(step) "
                    + "(--steps counts from the start of the run: --steps \(step + target) trains \(target) more)"
            }
            return "nothing to do: \(flag) ends at step \(target), not above the checkpoint's step \(step) "
                + "(\(flag.split(separator: " ").first ?? "") counts from the start of the run)"
        case .diverged(let failures, let step, let lr):
            return "training diverged \(failures) times in a row (non-finite or exploding loss) near step \(step), "
                + "even at learning rate \(shortNumber(lr)); restart with a lower --lr, a lower --grad-clip or a smaller model"
        case .checkpointWrite(let message):
            return message
        case .output(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}
