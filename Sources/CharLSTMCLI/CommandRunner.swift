// CommandRunner: how the thin executables start a command.
//
// Every failure a user can cause ends with one line on stderr,
// `charlstm: error: <what happened and what to do>`, and exit status 1
// (130/143 after SIGINT/SIGTERM). --help and --version exit 0 as usual.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

/// Parses the command line for `Root` (or its subcommands) and runs it.
public func runCommand<Root: ParsableCommand>(_ root: Root.Type, name: String) -> Never {
    ignoreBrokenPipeSignal()
    var parsed = false
    do {
        var command = try Root.parseAsRoot()
        parsed = true
        try command.run()
        OutputStream.standardOutput.flush()
        exit(0)
    } catch var error {
        OutputStream.standardOutput.flush()
        // An error met by every process of an mpirun job: report it first, then leave the group.
        var leaving: ProcessGroup?
        if let left = error as? LeavingGroup {
            guard let reported = left.error else {
                left.group.finalize()
                exit(1)
            }
            leaving = left.group
            error = reported
        }
        let code = Root.exitCode(for: error)
        if code == .success {
            // --help, --version, completion scripts: print them as ArgumentParser would.
            Root.exit(withError: error)
        }
        if let exitCode = error as? ExitCode {
            exit(exitCode.rawValue)
        }
        // Started by mpirun: every process parses the same command line, so rank 0 alone reports a bad one.
        if !parsed && MPILaunch.isSecondary { exit(1) }
        let message: String
        if let worded = cliMessage(for: error) {
            message = worded
        } else if error is CustomStringConvertible && !(error is ValidationError) && Root.fullMessage(for: error).isEmpty {
            message = String(describing: error)
        } else {
            // Keep only the first line (ArgumentParser adds usage and a help hint).
            message = Root.fullMessage(for: error)
                .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? String(describing: error)
        }
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        OutputStream.standardError.line("\(name): error: \(text)")
        leaving?.finalize()
        exit(1)
    }
}
