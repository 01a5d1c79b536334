// CLIErrorMessage: the library's errors are typed values described in the
// library's own words; the CLI words those a flag can fix with that flag.
// Used by `runCommand` and predict's fast path for every error they print.

import CharLSTM

/// The line for a library error that names a flag; nil to print the error's own description.
func cliMessage(for error: any Error) -> String? {
    switch error {
    case let e as TrainingError: e.cliMessage
    case let e as TextError: e.cliMessage
    case let e as CheckpointError: e.cliMessage
    case let e as BenchmarkError: e.cliMessage
    case let e as CheckpointNotFound: e.cliMessage
    default: nil
    }
}

extension CheckpointNotFound {
    /// How to get a checkpoint, in commands; otherwise the description.
    var cliMessage: String {
        if case .noneFound = self {
            return "no checkpoint found: train one with `charlstm train FILE` "
                + "(writes checkpoints/latest.ckpt) or pass one with -m PATH"
        }
        return description
    }
}

extension TextError {
    /// `--lossy` for invalid UTF-8; otherwise the description.
    var cliMessage: String {
        if case .invalidUTF8(let source, let offset) = self {
            return "\(oneLine(source)): invalid UTF-8 at byte offset \(offset); convert it to UTF-8 "
                + "(e.g. iconv -f latin1 -t utf-8) or pass --lossy to replace bad sequences with U+FFFD"
        }
        return description
    }
}

extension CheckpointError {
    /// `--bidirectional` for a fill model given to sample, predict or score; `--half` for
    /// weights that binary16 cannot hold; otherwise the description.
    var cliMessage: String {
        switch self {
        case .bidirectionalModel: description + " (trained without --bidirectional)"
        case .halfPrecisionOverflow(let path, let index, let value):
            "cannot write \(oneLine(path)): weight \(index) (\(value)) is outside the Float16 range ±65504; export without --half"
        default: description
        }
    }
}

extension BenchmarkError {
    /// `--batch`/`--seq` for a small corpus, `--lr` for a failed step; otherwise the description.
    var cliMessage: String {
        switch self {
        case .corpusTooSmall(let batch, let seq, let needed, let have):
            "corpus too small for --batch \(batch) --seq \(seq): need at least \(needed) graphemes, have \(have)"
        case .trainingFailed(let step, let failure):
            "training failed at step \(step): \(failure); try a lower --lr"
        case .invalidModel: description
        }
    }
}
