// InterruptSignal: SIGINT/SIGTERM become a flag that `charlstm train` hands the
// training loop through its observer (`TrainingObserver.shouldStop`).
//
// The first signal only records its number; the loop finishes the current
// step, writes NAME-latest.ckpt and exits with 128 + signal (130, 143).
// A second signal exits at once with the same status: every file charlstm
// writes is replaced atomically, so nothing is left torn.

#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The first signal received (0 while none). Touched before the handler is installed,
/// so the handler never runs a lazy global initialiser.
private let receivedSignal = Atomic<Int32>(0)

/// Async-signal-safe: one atomic exchange, and `_exit` on the second signal.
private func handleInterrupt(_ signal: Int32) {
    if receivedSignal.exchange(signal, ordering: .sequentiallyConsistent) != 0 {
        _exit(128 + signal)
    }
}

/// Graceful stop on SIGINT (Ctrl-C) and SIGTERM.
enum InterruptSignal {
    /// Installs the handlers for SIGINT and SIGTERM.
    static func install() {
        _ = receivedSignal.load(ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { handleInterrupt($0) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// The signal received, or 0.
    static var received: Int32 { receivedSignal.load(ordering: .relaxed) }

    /// A conventional name for a signal number ("SIGINT").
    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
