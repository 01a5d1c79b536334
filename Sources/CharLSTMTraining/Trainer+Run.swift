// Trainer+Run: the training loop around `trainStep` — evaluation, checkpoints,
// early stopping, interruption and recovery from divergence.
//
//   while step < total:
//     stop requested (Ctrl-C)?            → save NAME-latest, end (interrupted)
//     trainStep()
//       failed (NaN/Inf/exploding)?      → roll back to the last good snapshot,
//                                           halve the lr, tell the observer;
//                                           give up after `maxConsecutiveFailures`
//     every historyEvery steps            → train-only history point
//     every evalEvery steps and at the end → validation bpc; NAME-best on
//                                           improvement; new snapshot; patience
//     every checkpointEvery steps          → NAME-latest
//   at the end: NAME-latest, test bpc, latest.ckpt (copy of best), loss plot

import CharLSTMSupport
import CharLSTMCheckpoint
#if canImport(Glibc)
import Glibc
#endif

/// How long to train and how often to evaluate and save.
package struct RunSettings: Equatable, Sendable {
    /// Train until this many optimizer steps in total (a resumed run counts the steps it inherits).
    package var totalSteps: Int
    /// Evaluate the validation part every this many steps (and at the end).
    package var evalEvery: Int
    /// Write NAME-latest.ckpt every this many steps (0: only at the end).
    package var checkpointEvery: Int
    /// Stop after this many evaluations without improvement (0: never).
    package var patience: Int = 0
    /// Record a training-loss history point every this many steps (for the plot).
    package var historyEvery: Int = 10
    /// Consecutive failures (NaN/Inf/exploding loss) before giving up.
    package var maxConsecutiveFailures: Int = 3
    /// Where checkpoints and the plot go; nil writes nothing (tests).
    package var outputs: TrainingOutputs?

    package init(totalSteps: Int, evalEvery: Int, checkpointEvery: Int, patience: Int = 0,
                historyEvery: Int = 10, outputs: TrainingOutputs? = nil) {
        self.totalSteps = totalSteps
        self.evalEvery = evalEvery
        self.checkpointEvery = checkpointEvery
        self.patience = patience
        self.historyEvery = historyEvery
        self.outputs = outputs
    }
}

/// Progress after one step.
package struct StepReport: Sendable {
    package var step: Int
    package var totalSteps: Int
    package var epoch: Double
    /// This step's training loss, bits per grapheme.
    package var trainBPC: Double
    /// Training graphemes per second in this process (steps only).
    package var charsPerSecond: Double
    /// Seconds since the run started (this process).
    package var elapsed: Double
    /// Estimated seconds to the end (including evaluations).
    package var eta: Double
}

/// Result of one evaluation.
package struct EvaluationReport: Sendable {
    package var point: HistoryPoint
    /// Whether the validation loss is the best so far (NAME-best.ckpt was written).
    package var improved: Bool
    package var bestValBPC: Double
    package var totalSteps: Int
    package var charsPerSecond: Double
    package var elapsed: Double
}

/// A rollback after a failed step.
package struct RecoveryReport: Sendable {
    /// What went wrong ("the loss is NaN").
    package var reason: String
    /// The step that failed (1-based).
    package var failedStep: Int
    /// The step the run went back to.
    package var rolledBackTo: Int
    /// The new (halved) learning rate.
    package var learningRate: Double
    /// Failures in a row so far.
    package var consecutiveFailures: Int
    package var maxConsecutiveFailures: Int
}

/// How a run ended.
package enum RunEnd: String, Equatable, Sendable {
    /// All planned steps were taken.
    case completed
    /// --patience evaluations passed without improvement.
    case earlyStopped = "early_stopped"
    /// The observer asked to stop (SIGINT/SIGTERM).
    case interrupted
}

/// What a run did.
package struct RunSummary: Sendable {
    package var end: RunEnd
    package var step: Int
    package var epoch: Double
    package var stepsThisRun: Int
    package var seconds: Double
    package var charsPerSecond: Double
    package var lastTrainBPC: Double?
    package var lastValBPC: Double?
    package var bestValBPC: Double?
    package var testBPC: Double?
    package var recoveries: Int
    /// Files written (nil when not written).
    package var latestCheckpoint: String?
    package var bestCheckpoint: String?
    package var currentCheckpoint: String?
    package var plot: String?
}

/// Receives progress; decides whether to stop. All methods have empty defaults.
package protocol TrainingObserver: AnyObject {
    /// Polled before every step and between evaluation windows.
    var shouldStop: Bool { get }
    func didStep(_ report: StepReport)
    func didEvaluate(_ report: EvaluationReport)
    func didRecover(_ report: RecoveryReport)
    /// A checkpoint was written.
    func didSave(path: String)
}

extension TrainingObserver {
    package var shouldStop: Bool { false }
    package func didStep(_ report: StepReport) {}
    package func didEvaluate(_ report: EvaluationReport) {}
    package func didRecover(_ report: RecoveryReport) {}
    package func didSave(path: String) {}
}

/// An observer that ignores everything.
package final class SilentObserver: TrainingObserver {
    package init() {}
}

extension Trainer {
    /// The checkpoint of the current state (weights, config, vocabulary, training state).
    package func makeCheckpoint() -> Checkpoint {
        let meta = CheckpointMetadata(step: step, epoch: epoch, bestValBPC: bestValBPC, corpusName: corpusName,
                                      createdAt: Int64(time(nil)))
        return Checkpoint(config: model.config, metadata: meta, vocabulary: vocabulary,
                          parameters: model.parameters.array, training: trainingState())
    }

    /// Writes the current state to `path` (atomic). Refuses non-finite weights.
    package func save(to path: String) throws(TrainingError) {
        guard parametersAreFinite else {
            throw .checkpointWrite("refusing to write \(path): the weights are not finite")
        }
        do {
            try CheckpointFile.write(makeCheckpoint(), to: path)
        } catch {
            throw .checkpointWrite(error.description)
        }
    }

    /// Writes the loss plot, titled `title`, to `path` with the checkpoints' atomic write.
    func writePlot(to path: String, title: String) throws(TrainingError) {
        do {
            try AtomicFile.write(Array(LossPlot(history: history, title: title).svg().utf8), to: path)
        } catch .writeFailed(let p, let reason) {
            throw .output(path: p, reason: reason)
        } catch .isDirectory {
            throw .outputIsDirectory(path: path)
        } catch {
            throw .output(path: path, reason: error.description)
        }
    }

    /// Trains to `settings.totalSteps` (see the file header).
    package func run(_ settings: RunSettings, observer: TrainingObserver = SilentObserver()) throws(TrainingError) -> RunSummary {
        options.totalSteps = settings.totalSteps
        let evalEvery = max(1, settings.evalEvery), historyEvery = max(1, settings.historyEvery)
        let started = monotonicSeconds()
        var stepSeconds = 0.0
        let firstStep = step
        var failures = 0, recoveries = 0
        var lastTrain: Double?, lastVal: Double?
        var end = RunEnd.completed
        var wroteBest = false
        var summary = RunSummary(end: .completed, step: step, epoch: fractionalEpoch, stepsThisRun: 0, seconds: 0,
                                 charsPerSecond: 0, recoveries: 0)
        takeSnapshot()

        func charsPerSecond() -> Double {
            stepSeconds > 0 ? Double((step - firstStep) * graphemesPerStep) / stepSeconds : 0
        }

        func fail(_ reason: String, failedStep: Int) throws(TrainingError) {
            failures += 1
            if failures >= settings.maxConsecutiveFailures {
                throw .diverged(failures: failures, step: failedStep, learningRate: learningRate)
            }
            let back = rollBack()
            recoveries += 1
            observer.didRecover(RecoveryReport(reason: reason, failedStep: failedStep, rolledBackTo: back,
                                               learningRate: learningRate, consecutiveFailures: failures,
                                               maxConsecutiveFailures: settings.maxConsecutiveFailures))
        }

        loop: while step < settings.totalSteps {
            if observer.shouldStop { end = .interrupted; break }
            let t0 = monotonicSeconds()
            let result = trainStep()
            stepSeconds += monotonicSeconds() - t0
            switch result {
            case .failed(let reason):
                try fail(reason, failedStep: step + 1)
                continue loop
            case .updated(let bpc):
                lastTrain = bpc
                let elapsed = monotonicSeconds() - started
                let done = step - firstStep
                observer.didStep(StepReport(
                    step: step, totalSteps: settings.totalSteps, epoch: fractionalEpoch, trainBPC: bpc,
                    charsPerSecond: charsPerSecond(), elapsed: elapsed,
                    eta: done > 0 ? elapsed / Double(done) * Double(settings.totalSteps - step) : 0))
            }

            let evaluating = step % evalEvery == 0 || step == settings.totalSteps
            if !evaluating && step % historyEvery == 0 { recordPoint(valBPC: .nan) }
            if evaluating {
                guard let val = evaluateValidation(shouldStop: { observer.shouldStop }) else {
                    end = .interrupted
                    break loop
                }
                if !val.isFinite {
                    try fail("the validation loss is \(val.isNaN ? "NaN" : "infinite")", failedStep: step)
                    continue loop
                }
                lastVal = val
                let point = recordPoint(valBPC: val)
                let improved = bestValBPC.map { val < $0 } ?? true
                if improved {
                    bestValBPC = val
                    if let outputs = settings.outputs {
                        try save(to: outputs.bestPath)
                        wroteBest = true
                        observer.didSave(path: outputs.bestPath)
                    }
                }
                failures = 0
                takeSnapshot()
                observer.didEvaluate(EvaluationReport(
                    point: point, improved: improved, bestValBPC: bestValBPC ?? val, totalSteps: settings.totalSteps,
                    charsPerSecond: charsPerSecond(), elapsed: monotonicSeconds() - started))
                if settings.patience > 0, evaluationsSinceBest >= settings.patience, step < settings.totalSteps {
                    end = .earlyStopped
                    break loop
                }
            }
            if settings.checkpointEvery > 0, step % settings.checkpointEvery == 0, step < settings.totalSteps,
               let outputs = settings.outputs {
                try save(to: outputs.latestPath)
                observer.didSave(path: outputs.latestPath)
            }
        }

        if end != .interrupted, lastVal == nil {
            // No evaluation this run (a resumed run with nothing left to do): still report one.
            if let val = evaluateValidation(shouldStop: { observer.shouldStop }), val.isFinite {
                lastVal = val
                if bestValBPC == nil { bestValBPC = val }
            }
        }
        if end != .interrupted {
            summary.testBPC = evaluateTest(shouldStop: { observer.shouldStop })
        }
        if let outputs = settings.outputs {
            try save(to: outputs.latestPath)
            observer.didSave(path: outputs.latestPath)
            summary.latestCheckpoint = outputs.latestPath
            // latest.ckpt: a copy of the best checkpoint of this run (or of the latest
            // if no evaluation finished yet), so `charlstm sample` uses it by default.
            let source = (wroteBest || bestValBPC != nil) && fileExists(outputs.bestPath) ? outputs.bestPath : outputs.latestPath
            do {
                try CheckpointFile.copy(source, to: outputs.currentPath)
            } catch {
                throw .checkpointWrite(error.description)
            }
            if fileExists(outputs.bestPath) { summary.bestCheckpoint = outputs.bestPath }
            summary.currentCheckpoint = outputs.currentPath
            try writePlot(to: outputs.plotPath, title: outputs.name)
            summary.plot = outputs.plotPath
        }
        summary.end = end
        summary.step = step
        summary.epoch = fractionalEpoch
        summary.stepsThisRun = step - firstStep
        summary.seconds = monotonicSeconds() - started
        summary.charsPerSecond = charsPerSecond()
        summary.lastTrainBPC = lastTrain
        summary.lastValBPC = lastVal
        summary.bestValBPC = bestValBPC
        summary.recoveries = recoveries
        return summary
    }
}
