// BrokenPipeSignal: `charlstm ... | head -c 100` ends quietly.

#if canImport(Glibc)
import Glibc
#endif

/// Makes writes to a closed pipe return EPIPE instead of killing the process,
/// so the writer can end quietly (`OutputStream.standardOutput` then exits 0).
/// Called once at start-up by the executables.
func ignoreBrokenPipeSignal() {
    signal(SIGPIPE, SIG_IGN)
}
