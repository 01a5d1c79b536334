// DistributedError: why a data-parallel run cannot start or continue.

import CharLSTMSupport

/// A failure of the process group or of the agreement between its processes.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// libmpi could not be loaded or initialised (`reason`: the loader's words).
    case unavailable(reason: String)
    /// A collective operation failed.
    case communication(String)
    /// `count` of the `size` processes see another corpus file than rank 0 (size or content).
    case corpusDiffers(path: String, count: Int, size: Int)
    /// `count` of the `size` processes were started with other arguments than rank 0.
    case settingsDiffer(count: Int, size: Int)
    /// Something this version does not do across processes.
    case unsupported(UnsupportedAcrossProcesses)
    /// Another process failed while the processes set up together (it reports why).
    case peerFailed

    public var description: String {
        switch self {
        case .unavailable(let reason):
            return "\(reason); install Open MPI (apt-get install openmpi-bin) or set CHARLSTM_MPI to its libmpi.so"
        case .communication(let what):
            return "communication between the processes failed (\(what))"
        case .corpusDiffers(let path, let count, let size):
            return "\(count) of the \(size) processes see a different \(path) than rank 0 (size or content); every process must read the same file (a shared file system)"
        case .settingsDiffer(let count, let size):
            return "\(count) of the \(size) processes were started with other arguments than rank 0; start every process with the same command"
        case .unsupported(let what):
            return what.description
        case .peerFailed:
            return "another process failed to set up; see its error"
        }
    }
}

/// What this version does not train across processes.
public enum UnsupportedAcrossProcesses: Equatable, Sendable, CustomStringConvertible {
    /// A bidirectional (fill) model.
    case bidirectional
    /// Dropout of this probability with step masks: each process would draw other masks than one process does.
    case dropout(Double)
    /// A global batch of `batch` streams, fewer than the `processes`.
    case fewerStreamsThanProcesses(batch: Int, processes: Int)

    public var description: String {
        switch self {
        case .bidirectional:
            return "a bidirectional (fill) model is not trained across processes; train it in one process"
        case .dropout(let p):
            return "dropout (\(shortNumber(p))) with step masks is not supported across processes: each would draw other masks than one process; "
                + "use window masks (drawn alike by every process), train without dropout, or in one process"
        case .fewerStreamsThanProcesses(let batch, let processes):
            return "a batch of \(batch) streams is fewer than the \(processes) processes; "
                + "use a batch of at least \(processes) streams (or fewer processes)"
        }
    }
}
