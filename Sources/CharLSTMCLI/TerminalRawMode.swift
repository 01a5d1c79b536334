// TerminalRawMode: stdin's terminal in non-canonical, no-echo mode (one key at
// a time, not shown) while `sample --interactive` runs, restored on leaving and
// on SIGINT, SIGTERM and SIGHUP (which then end the process as they would).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The terminal settings to restore (set while raw mode is on).
nonisolated(unsafe) private var savedTerminal: termios? = nil

private func restoreTerminal() {
    if var t = savedTerminal { tcsetattr(0, TCSANOW, &t) }
}

/// Raw mode on stdin's terminal; `leave()` (idempotent) restores it.
struct TerminalRawMode {
    /// Enters raw mode (nothing when stdin is not a terminal) and installs the signal handlers.
    static func enter() -> TerminalRawMode {
        var t = termios()
        guard tcgetattr(0, &t) == 0 else { return TerminalRawMode() }
        savedTerminal = t
        t.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSANOW, &t)
        // Ctrl-C and friends: restore the terminal, then end as the signal would.
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                restoreTerminal()
                _exit(128 + sig)
            }
        }
        return TerminalRawMode()
    }

    /// Restores the terminal settings saved by `enter()`.
    func leave() {
        restoreTerminal()
        savedTerminal = nil
    }
}
