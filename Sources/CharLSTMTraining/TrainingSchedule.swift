// TrainingSchedule: how many steps a run takes and how often it evaluates and
// records the loss, from what the user asked for.
//
//   total steps:  --steps N          → N
//                 --epochs E         → E · windows per epoch  (capped at maxSteps)
//                 neither, resumed   → the run's planned total (from its checkpoint)
//                 neither, new       → 10 epochs              (capped at maxSteps)
//   evaluation:   given, else total / 10 within [10, 1000]
//   history:      a train-loss point every evalEvery / 5 steps within [1, 10]
//
// A resumed run whose total is not above the checkpoint's step has nothing to do.

/// How long a run trains, as the user asked for it.
public enum TrainingLength: Equatable, Sendable {
    /// Until this many optimizer steps in total, counted from the start of the run.
    case steps(Int)
    /// This many passes over the training part.
    case epochs(Int)
}

/// The step counts a run follows (see the file header).
package struct TrainingSchedule: Equatable, Sendable {
    /// The most steps a run may plan.
    package static let maxSteps = 1_000_000_000
    /// Passes over the training part when no length is given.
    package static let defaultEpochs = 10

    package var totalSteps: Int
    package var evalEvery: Int
    package var historyEvery: Int

    package init(totalSteps: Int, evalEvery: Int, historyEvery: Int) {
        self.totalSteps = totalSteps
        self.evalEvery = evalEvery
        self.historyEvery = historyEvery
    }

    /// The schedule for `length` (nil: not given) over `windowsPerEpoch` steps per epoch.
    /// `resumed` is the checkpoint's (step, planned total) when the run continues one; then a
    /// total not above its step throws `TrainingError.nothingToResume`.
    package init(length: TrainingLength?, windowsPerEpoch: Int, resumed: (step: Int, plannedTotal: Int)? = nil,
                evalEvery: Int? = nil) throws(TrainingError) {
        let total: Int
        switch length {
        case .steps(let n)?: total = n
        case .epochs(let e)?: total = Self.cappedProduct(e, windowsPerEpoch)
        case nil: total = resumed?.plannedTotal ?? Self.cappedProduct(Self.defaultEpochs, windowsPerEpoch)
        }
        if let resumed, total <= resumed.step {
            throw .nothingToResume(step: resumed.step, target: total, length: length)
        }
        let eval = evalEvery ?? Self.defaultEvalEvery(totalSteps: total)
        self.init(totalSteps: total, evalEvery: eval, historyEvery: Self.defaultHistoryEvery(evalEvery: eval))
    }

    /// Refuses weight averaging that would average nothing: `from` (the last step not
    /// averaged) not below the run's total.
    package func checkAverage(from: Int?) throws(TrainingError) {
        if let from, from >= totalSteps { throw .averageFromNotBeforeEnd(from: from, total: totalSteps) }
    }

    /// Evaluate ten times a run, but at most every 1000 and at least every 10 steps.
    package static func defaultEvalEvery(totalSteps: Int) -> Int { min(1000, max(10, totalSteps / 10)) }

    /// About five train-loss points between evaluations, at least one every 10 steps.
    package static func defaultHistoryEvery(evalEvery: Int) -> Int { max(1, min(10, evalEvery / 5)) }

    /// The loop's settings for this schedule.
    package func runSettings(checkpointEvery: Int, patience: Int, outputs: TrainingOutputs?) -> RunSettings {
        RunSettings(totalSteps: totalSteps, evalEvery: evalEvery, checkpointEvery: checkpointEvery,
                    patience: patience, historyEvery: historyEvery, outputs: outputs)
    }

    /// min(maxSteps, a · b) without overflow.
    static func cappedProduct(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? maxSteps : min(maxSteps, p)
    }
}
