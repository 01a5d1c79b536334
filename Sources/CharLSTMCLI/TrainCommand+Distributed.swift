// TrainCommand+Distributed: `charlstm train` as one process of an mpirun job.
//
// A process knows mpirun (or srun --mpi=pmix) started it from the environment
// (MPILaunch); then it loads libmpi and joins the others. Rank 0 prints every
// line; the others print nothing. Failures:
//   - libmpi missing: rank 0 says so, every process exits 1 (none has joined);
//   - different corpus or arguments: one allgather at start finds it, rank 0 says so;
//   - setting up (reading the corpus, the checkpoint): the processes agree on
//     whether any failed before any other collective, and the first that failed says why;
//   - later errors: rank 0 reports, the others exit 1 without a word; a process
//     that dies makes mpirun end the rest (no process waits forever).

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

extension TrainCommand {
    /// The process group when mpirun started several processes, nil otherwise (libmpi not loaded).
    func joinProcessGroup() throws -> ProcessGroup? {
        guard MPILaunch.isDistributed else { return nil }
        do {
            return try ProcessGroup.join()
        } catch {
            if MPILaunch.isSecondary { throw ExitCode(1) }
            throw error
        }
    }

    /// `train(group:)` on every process of `group`: rank 0 alone reports errors.
    func train(inGroup group: ProcessGroup) throws {
        do {
            try RunAgreement.check(group, corpus: corpus, arguments: Array(CommandLine.arguments.dropFirst()))
            try train(group: group)
        } catch let error as AgreedFailure {
            if let reason = error.reason as? TrainingSetupError {
                throw LeavingGroup(error: ValidationError(message(for: reason)), group: group)
            }
            throw LeavingGroup(error: error.reason, group: group)
        } catch {
            if agreedOnEveryProcess(error) { throw LeavingGroup(error: group.isWriter ? error : nil, group: group) }
            if !group.isWriter { throw ExitCode(1) }
            throw error
        }
        group.finalize()
    }

    /// Errors every process meets at the same point, after which all can leave the group together.
    func agreedOnEveryProcess(_ error: any Error) -> Bool {
        switch error {
        case DistributedError.communication: return false
        case is DistributedError: return true
        case TrainingError.diverged, TrainingError.nothingToResume: return true
        case TrainingError.distributed(let e): if case .communication = e { return false } else { return true }
        default: return false
        }
    }
}

extension TrainCommand {
    /// Across processes, rank 0's line on the cost of the step's reduction.
    func reportReduction(_ trainer: Trainer, _ summary: RunSummary, _ progress: TrainingProgress) {
        guard let p = trainer.dataParallel, p.reductions > 0, summary.charsPerSecond > 0 else { return }
        let perStep = p.reductionSeconds / Double(p.reductions)
        let stepTime = Double(trainer.graphemesPerStep) / summary.charsPerSecond
        progress.info("all-reduce of \(QuantityText.grouped(trainer.model.parameterCount)) gradients: "
                      + "\(fixed(perStep * 1000, 2)) ms per step on average (\(fixed(100 * perStep / stepTime, 1))% of the step time)")
    }
}

/// An error every process of `group` met at the same point. runCommand prints `error` (nil: the
/// process stays silent) and only then leaves the group: MPI_Finalize waits for every process, so
/// no process exits, and no mpirun ends the job, before the reporting one has written its line.
struct LeavingGroup: Error {
    var error: (any Error)?
    var group: ProcessGroup
}

/// A setup failure some process met: `reason` on the first process that failed, nil elsewhere.
struct AgreedFailure: Error {
    var reason: (any Error)?
}

/// Runs `body` (its only collectives are ShardedCorpus's, which every process reaches with
/// the same setup, and which turn a failure on one process into `.peerFailed` on the others);
/// across processes they then agree whether any failed,
/// so that none goes on into a collective that another will never reach.
func agreeOnSetup<T>(_ group: ProcessGroup?, _ body: () throws -> T) throws -> T {
    guard let group else { return try body() }
    let result = Result { try body() }
    // 2: this process failed; 1: it stopped because another did (ShardedCorpus), whose error is reported.
    var failed = 0.0
    if case .failure(let error) = result { failed = (error as? DistributedError) == .peerFailed ? 1 : 2 }
    let flags = try group.gather([failed]).map { $0[0] }
    guard let worst = flags.max(), worst > 0, let first = flags.firstIndex(of: worst) else { return try result.get() }
    if first == group.rank, case .failure(let error) = result { throw AgreedFailure(reason: error) }
    throw AgreedFailure(reason: nil)
}
