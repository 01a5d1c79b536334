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
//
// Across processes every decision above is taken on reduced values (the step's
// loss and gradient norm, the validation loss, the stop flag carried in the
// step's reduction), so all processes take the same path; each save is a
// collective (the carried state is gathered) and only rank 0 writes files and
// reports to the observer (Trainer+DataParallel.swift).

import CharLSTMSupport
import CharLSTMCheckpoint
#if canImport(Glibc)
import Glibc
#endif

/// How long to train and how often to evaluate and save.
public struct RunSettings: Equatable, Sendable {
    /// Train until this many optimizer steps in total (a resumed run counts the steps it inherits).
    public var totalSteps: Int
    /// Evaluate the validation part every this many steps (and at the end).
    public var evalEvery: Int
    /// Write NAME-latest.ckpt every this many steps (0: only at the end).
    public var checkpointEvery: Int
    /// Stop after this many evaluations without improvement (0: never).
    public var patience: Int = 0
    /// Record a training-loss history point every this many steps (for the plot).
    public var historyEvery: Int = 10
    /// Linear learning-rate warm-up over the first this many steps of the run (0: none); not
    /// recorded in checkpoints, like `patience`: give it again when resuming inside the warm-up.
    package var warmupSteps: Int = 0
    /// Consecutive failures (NaN/Inf/exploding loss) before giving up.
    public var maxConsecutiveFailures: Int = 3
    /// Where checkpoints and the plot go; nil writes nothing (tests).
    public var outputs: TrainingOutputs?

    public init(totalSteps: Int, evalEvery: Int, checkpointEvery: Int, patience: Int = 0,
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
public struct StepReport: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Double
    /// This step's training loss, bits per grapheme.
    public var trainBPC: Double
    /// Training graphemes per second in this process (steps only).
    public var charsPerSecond: Double
    /// Seconds since the run started (this process).
    public var elapsed: Double
    /// Estimated seconds to the end (including evaluations).
    public var eta: Double
}

/// Result of one evaluation.
public struct EvaluationReport: Sendable {
    public var point: HistoryPoint
    /// Steps averaged into the weights evaluated (`--average-from`); 0: the training weights.
    public var averagedSteps: Int = 0
    /// Whether the validation loss is the best so far (NAME-best.ckpt was written).
    public var improved: Bool
    public var bestValBPC: Double
    public var totalSteps: Int
    public var charsPerSecond: Double
    public var elapsed: Double
}

/// A rollback after a failed step.
public struct RecoveryReport: Sendable {
    /// What went wrong ("the loss is NaN").
    public var reason: String
    /// The step that failed (1-based).
    public var failedStep: Int
    /// The step the run went back to.
    public var rolledBackTo: Int
    /// The new (halved) learning rate.
    public var learningRate: Double
    /// Failures in a row so far.
    public var consecutiveFailures: Int
    public var maxConsecutiveFailures: Int
}

/// How a run ended.
public enum RunEnd: String, Equatable, Sendable {
    /// All planned steps were taken.
    case completed
    /// --patience evaluations passed without improvement.
    case earlyStopped = "early_stopped"
    /// The observer asked to stop (SIGINT/SIGTERM).
    case interrupted
}

/// What a run did.
public struct RunSummary: Sendable {
    public var end: RunEnd
    public var step: Int
    public var epoch: Double
    public var stepsThisRun: Int
    public var seconds: Double
    public var charsPerSecond: Double
    public var lastTrainBPC: Double?
    public var lastValBPC: Double?
    public var bestValBPC: Double?
    public var testBPC: Double?
    public var recoveries: Int
    /// Files written (nil when not written).
    public var latestCheckpoint: String?
    public var bestCheckpoint: String?
    public var currentCheckpoint: String?
    public var plot: String?
}

/// Receives progress; decides whether to stop. All methods have empty defaults.
public protocol TrainingObserver: AnyObject {
    /// Polled before every step and between evaluation windows.
    var shouldStop: Bool { get }
    func didStep(_ report: StepReport)
    func didEvaluate(_ report: EvaluationReport)
    func didRecover(_ report: RecoveryReport)
    /// A checkpoint was written.
    func didSave(path: String)
}

extension TrainingObserver {
    public var shouldStop: Bool { false }
    public func didStep(_ report: StepReport) {}
    public func didEvaluate(_ report: EvaluationReport) {}
    public func didRecover(_ report: RecoveryReport) {}
    public func didSave(path: String) {}
}

/// An observer that ignores everything.
public final class SilentObserver: TrainingObserver {
    public init() {}
}

extension Trainer {
    /// The checkpoint of the current state (weights, config, vocabulary, training state).
    public func makeCheckpoint() -> Checkpoint {
        let meta = CheckpointMetadata(step: step, epoch: epoch, bestValBPC: bestValBPC, corpusName: corpusName,
                                      createdAt: Int64(time(nil)))
        return Checkpoint(config: model.config, metadata: meta, vocabulary: vocabulary,
                          parameters: model.parameters.array, training: trainingState())
    }

    /// Writes the current state to `path` (atomic). Refuses non-finite weights.
    /// Across processes a collective: every process gathers, rank 0 writes.
    public func save(to path: String) throws(TrainingError) {
        guard parametersAreFinite else {
            throw .checkpointWrite("refusing to write \(path): the weights are not finite")
        }
        let checkpoint = makeCheckpoint()
        if let failure = dataParallel?.failure { throw .distributed(failure) }
        guard writesFiles else { return }
        do {
            try CheckpointFile.write(checkpoint, to: path)
        } catch {
            throw .checkpointWrite(error.description)
        }
    }

    /// Writes the loss plot, titled `title`, to `path` with the checkpoints' atomic write.
    func writePlot(to path: String, title: String) throws(TrainingError) {
        guard writesFiles else { return }
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
    public func run(_ settings: RunSettings, observer given: TrainingObserver = SilentObserver()) throws(TrainingError) -> RunSummary {
        let observer = dataParallel?.observer(wrapping: given) ?? given
        // Every process starts from rank 0's parameters (a collective: none runs before `run`).
        try dataParallel?.shareInitialParameters(model.parameters)
        options.totalSteps = settings.totalSteps
        warmupSteps = settings.warmupSteps
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
            if let failure = dataParallel?.failure { throw .distributed(failure) }
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
                // From --average-from on, the averaged weights are evaluated and, when they
                // improve, saved as NAME-best; training continues on the training weights.
                let averaged = averagedSteps
                var evaluated: Double?, point: HistoryPoint?, improved = false
                try withAveragedWeights { () throws(TrainingError) in
                    evaluated = evaluateValidation(shouldStop: { observer.shouldStop })
                    guard let val = evaluated, val.isFinite else { return }
                    lastVal = val
                    point = recordPoint(valBPC: val)
                    improved = bestValBPC.map { val < $0 } ?? true
                    if improved {
                        bestValBPC = val
                        if let outputs = settings.outputs {
                            try save(to: outputs.bestPath)
                            wroteBest = true
                            observer.didSave(path: outputs.bestPath)
                        }
                    }
                }
                guard let val = evaluated else {
                    end = .interrupted
                    break loop
                }
                guard let point else {
                    try fail("the validation loss is \(val.isNaN ? "NaN" : "infinite")", failedStep: step)
                    continue loop
                }
                failures = 0
                takeSnapshot()
                observer.didEvaluate(EvaluationReport(
                    point: point, averagedSteps: averaged, improved: improved, bestValBPC: bestValBPC ?? val, totalSteps: settings.totalSteps,
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

        try withAveragedWeights { () throws(TrainingError) in
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
        }
        if let outputs = settings.outputs {
            try save(to: outputs.latestPath)
            observer.didSave(path: outputs.latestPath)
            summary.latestCheckpoint = outputs.latestPath
            // latest.ckpt: a copy of the best checkpoint of this run (or of the latest
            // if no evaluation finished yet), so `charlstm sample` uses it by default.
            let source = (wroteBest || bestValBPC != nil) && fileExists(outputs.bestPath) ? outputs.bestPath : outputs.latestPath
            do {
                if writesFiles { try CheckpointFile.copy(source, to: outputs.currentPath) }
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
