// DataParallel: a Trainer's side of a run across processes (a ProcessGroup).
//
// Dimension key: B streams in all, B_r this process's share, T steps, P parameters.
//
// Per step, in TrainingStep's reduction seam (after backward, before any check):
//   gradients ← gradients · (B_r·T)/(B·T)     this share's mean → its weight in the global mean
//   allreduce Σ gradients                      (P floats: one collective)
//   allreduce Σ [nats, targets, stop]          (3 doubles)
// so every process clips the same gradient, takes the same update, sees the same
// loss (NaN rollback is collective) and the same stop flag: a signal on any
// process stops all of them after the same step. Across processes `shouldStop`
// is that agreed flag; it changes only in a step's reduction, so evaluations
// (whose losses are summed the same way) run in step on every process.
//
// When `run` starts, rank 0's parameters are broadcast (setting up a Trainer runs
// no collective, so a process that fails to set up cannot leave the others waiting). Saving gathers the carried
// state of all B streams (each process places its rows in a zeroed (L, [h, c], B, H)
// buffer, and a sum assembles them exactly), so a checkpoint resumes with any number
// of processes. Only rank 0 writes files and reports to the observer.
//
// Not across processes: --bidirectional (its windows restart from zero, no
// carried state to share, but its fill loss is not split here) and dropout with
// step masks (each process would draw other masks than one process does); both
// are refused. Window dropout masks are supported: every process draws the masks
// of all B streams, as one process does, and applies its share's rows (DropoutMask.swift).
// Weight drop is supported: its masks (one per recurrent weight, WeightDrop.swift)
// come from the generator every process seeds alike and advances alike.

/// The processes a Trainer trains with, and what its step and loop need of them.
import CharLSTMSupport
import CharLSTMModel

package final class DataParallel {
    package let group: ProcessGroup
    /// B·T, the targets of a global step (the mean loss divides by it).
    let globalTargets: Int
    /// [nats, targets, stop] of the step, reduced.
    private var scalars = [Double](repeating: 0, count: 3)
    /// This process's stop request (the signal flag), read once per step.
    var localStop: () -> Bool = { false }
    /// Whether any process asked to stop, as of the last step's reduction.
    package private(set) var agreedStop = false
    /// The first collective that failed (the loop throws it).
    package private(set) var failure: DistributedError?
    func record(_ error: DistributedError) { if failure == nil { failure = error } }
    /// Seconds spent in the step's reductions (scaling and both collectives).
    package private(set) var reductionSeconds = 0.0
    package private(set) var reductions = 0

    init(group: ProcessGroup, globalTargets: Int) {
        self.group = group
        self.globalTargets = globalTargets
    }

    /// The reduction seam (TrainingStep.Reduction) across the group.
    func reduce(_ gradients: Buffer<Float>, _ loss: inout StepLoss) {
        let t0 = monotonicSeconds()
        defer { reductionSeconds += monotonicSeconds() - t0; reductions += 1 }
        if loss.targets != globalTargets {
            let weight = Float(Double(loss.targets) / Double(globalTargets))
            let g = gradients.base
            for k in 0..<gradients.count { g[k] *= weight }
        }
        scalars[0] = loss.nats
        scalars[1] = Double(loss.targets)
        scalars[2] = localStop() ? 1 : 0
        do {
            try group.sum(gradients.pointer)
            try scalars.withUnsafeMutableBufferPointer { (p) throws(DistributedError) in try group.sum(p) }
        } catch {
            if failure == nil { failure = error }
            loss = StepLoss(nats: .nan, targets: globalTargets)
            return
        }
        loss = StepLoss(nats: scalars[0], targets: Int(scalars[1].rounded()))
        agreedStop = scalars[2] > 0
    }

    /// The sum of `x` over the group (NaN, and `failure` set, if the collective fails).
    func sum(_ x: Double) -> Double {
        do { return try group.sum([x])[0] } catch {
            if failure == nil { failure = error }
            return .nan
        }
    }

    /// Makes every process start from rank 0's parameters.
    func shareInitialParameters(_ parameters: Buffer<Float>) throws(TrainingError) {
        do { try group.broadcast(parameters.pointer) } catch { throw .distributed(error) }
    }

    /// What `Trainer.run` reports to: `observer` on rank 0 (nothing elsewhere), stopping on the agreed flag.
    func observer(wrapping observer: TrainingObserver) -> TrainingObserver {
        localStop = { observer.shouldStop }
        return AgreedStopObserver(inner: observer, parallel: self)
    }

    /// Refuses what does not run across processes (see the file header).
    static func refuseUnsupported(config: ModelConfig, dropoutMask: DropoutMask, batch: Int,
                                  group: ProcessGroup) throws(TrainingError) {
        if config.direction == .bidirectional { throw .distributed(.unsupported(.bidirectional)) }
        if config.dropout > 0 && dropoutMask == .step { throw .distributed(.unsupported(.dropout(Double(config.dropout)))) }
        if batch < group.size {
            throw .distributed(.unsupported(.fewerStreamsThanProcesses(batch: batch, processes: group.size)))
        }
    }
}

/// Rank 0's observer sees every report; the stop decision is the group's.
final class AgreedStopObserver: TrainingObserver {
    let inner: TrainingObserver
    unowned let parallel: DataParallel

    init(inner: TrainingObserver, parallel: DataParallel) {
        self.inner = inner
        self.parallel = parallel
    }

    var shouldStop: Bool { parallel.agreedStop }
    func didStep(_ report: StepReport) { if parallel.group.isWriter { inner.didStep(report) } }
    func didEvaluate(_ report: EvaluationReport) { if parallel.group.isWriter { inner.didEvaluate(report) } }
    func didRecover(_ report: RecoveryReport) { if parallel.group.isWriter { inner.didRecover(report) } }
    func didSave(path: String) { if parallel.group.isWriter { inner.didSave(path: path) } }
}

extension Trainer {
    /// Whether this process writes checkpoints, the plot and the log (rank 0, or the only process).
    package var writesFiles: Bool { dataParallel?.group.isWriter ?? true }

    /// The processes training together (nil in one process).
    package var processGroup: ProcessGroup? { dataParallel?.group }

    /// Values of the carried state of all B streams, (L, [h, c], B, H).
    var carriedStateCount: Int { state.valuesPerStream * trainStreams.batch }

    /// The carried state of all B streams, (L, [h, c], B, H); across processes a collective
    /// that assembles every process's rows (on failure: empty, and `failure` is set).
    func carriedStateOfAllStreams() -> [Float] {
        guard let dataParallel else { return state.flattened() }
        var all = [Float](repeating: 0, count: carriedStateCount)
        do {
            try all.withUnsafeMutableBufferPointer { (p) throws(DistributedError) in
                state.place(into: p, streams: trainStreams.streams, of: trainStreams.batch)
                try dataParallel.group.sum(p)
            }
        } catch {
            dataParallel.record(error)
            return []
        }
        return all
    }
}
