// SamplingProblem+CLI: an invalid sampling setting, worded with its flag.

import CharLSTM

extension SamplingProblem {
    /// The line `charlstm sample` prints.
    var cliMessage: String {
        switch self {
        case .temperature(let t): "--temp must be a number greater than 0 (got \(t))"
        case .topK(let k): "--top-k must be at least 1 (got \(k))"
        case .topP(let p): "--top-p must be in (0, 1] (got \(p))"
        }
    }
}
