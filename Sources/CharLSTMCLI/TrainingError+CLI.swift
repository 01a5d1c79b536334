// TrainingError+CLI: the training errors a flag can fix, worded with that flag.
// Every other case keeps the library's description. `runCommand` prints it (CLIErrorMessage.swift).

import CharLSTM

extension TrainingError {
    /// The one line `charlstm train` prints for this error.
    var cliMessage: String {
        switch self {
        case .corpusTooSmall(let n, let v, let needed, let steps):
            return "corpus too small: \(n) graphemes leave \(v) for validation; need at least \(needed) graphemes "
                + "(2 validation windows of \(steps) steps); use a larger corpus or a larger --val-frac"
        case .noTrainingState(let path):
            return "cannot resume from \(path): it holds no training state (a weights-only export); use --init-from to fine-tune from it"
        case .nothingToResume(let step, let target, let length):
            switch length {
            case nil:
                return "nothing to do: the checkpoint's run is complete at step \(step) of \(target); "
                    + "give --steps above \(step) to train further (--steps counts from the start of the run)"
            case .steps(let n)?:
                return "nothing to do: --steps \(n) is not above the checkpoint's step \(step) "
                    + "(--steps counts from the start of the run: --steps \(step + target) trains \(target) more)"
            case .epochs(let e)?:
                return "nothing to do: --epochs \(e) ends at step \(target), not above the checkpoint's step \(step) "
                    + "(--epochs counts from the start of the run)"
            }
        case .diverged(let failures, let step, let lr):
            return "training diverged \(failures) times in a row (non-finite or exploding loss) near step \(step), "
                + "even at learning rate \(shortNumber(lr)); restart with a lower --lr, a lower --grad-clip or a smaller model"
        case .outputDirectory(let path, let reason):
            return "cannot write \(path): \(reason); pick another --out"
        case .logFile(let path, let reason):
            return "cannot write \(path): \(reason); pick another --log path"
        case .distributed(.unsupported(let what)):
            switch what {
            case .bidirectional:
                return "--bidirectional is not supported across processes; train a fill model in one process (without mpirun)"
            case .dropout(let p):
                return "dropout (\(shortNumber(p))) with step masks is not supported across processes: each would draw other masks than one process; "
                    + "add --dropout-mask window (drawn alike by every process), train with --dropout 0, or in one process"
            case .fewerStreamsThanProcesses(let batch, let processes):
                return "--batch \(batch) gives fewer streams than the \(processes) processes; "
                    + "give --batch of at least \(processes) (or use fewer processes)"
            }
        case .outputIsDirectory(let path):
            return "cannot write \(path): it is a directory; remove it or pick another --out"
        case .averageFromNotBeforeEnd(let from, let total):
            return "--average-from \(from) is not below the run's last step \(total): nothing would be averaged; "
                + "give a smaller --average-from or a larger --steps"
        default:
            return description
        }
    }
}
