// MPILaunch: whether this process was started by an MPI launcher, read from the
// environment the launcher sets (no flag, no library loaded).
//
//   mpirun / mpiexec (Open MPI)   OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK
//   srun --mpi=pmix (Slurm)       PMIX_RANK with SLURM_NTASKS
//
// A world of one (`mpirun -np 1`, or no launcher) trains in one process as
// before and never loads libmpi.

#if canImport(Glibc)
import Glibc
#endif

/// The launch environment of a data-parallel run.
package enum MPILaunch {
    /// The number of processes the launcher started (nil: not started by one).
    package static var worldSize: Int? {
        if let n = integer("OMPI_COMM_WORLD_SIZE") { return n }
        if integer("PMIX_RANK") != nil, let n = integer("SLURM_NTASKS") { return n }
        return nil
    }

    /// This process's rank as the launcher set it (0 when not started by one).
    package static var rank: Int {
        integer("OMPI_COMM_WORLD_RANK") ?? integer("PMIX_RANK") ?? 0
    }

    /// Whether training runs across several processes (a launcher started more than one).
    package static var isDistributed: Bool { (worldSize ?? 1) > 1 }

    /// Whether this process is one of several and not rank 0: it leaves the reporting to rank 0.
    package static var isSecondary: Bool { isDistributed && rank != 0 }

    static func integer(_ name: String) -> Int? {
        guard let p = getenv(name) else { return nil }
        return Int(String(cString: p))
    }
}
