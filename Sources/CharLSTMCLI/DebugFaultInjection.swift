// DebugFaultInjection: the NaN the tests inject, in debug builds only.
//
// `swift test` builds and runs the debug executables (SwiftPM defines DEBUG
// there). A CLI test sets CHARLSTM_DEBUG_INJECT_NAN_AT=6 to poison the gradients
// of step 6 once (6,6,6: on three attempts in a row) and watches the rollback
// or the give-up through the real `charlstm train`. A release build (make build,
// make install) compiles none of it: no flag, no variable, nothing in --help,
// and the library's hook (`Trainer.faultInjection`) is not public.

import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

#if DEBUG
/// The variable a debug `charlstm train` reads: steps (1-based), separated by commas.
let nanInjectionVariable = "CHARLSTM_DEBUG_INJECT_NAN_AT"

/// Poisons `gradients[0]` once at each step listed in CHARLSTM_DEBUG_INJECT_NAN_AT
/// (a step listed k times: on k attempts); nothing when it is unset or empty.
func installDebugNaNInjection(on trainer: Trainer) throws {
    guard let raw = getenv(nanInjectionVariable).map({ String(cString: $0) }), !raw.isEmpty else { return }
    var pending: [Int] = []
    for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
        guard let step = Int(part), step >= 1 else {
            throw CommandFailure("\(nanInjectionVariable) must list steps of at least 1 separated by commas (got \(oneLine(raw)))")
        }
        pending.append(step)
    }
    trainer.faultInjection = { step, gradients in
        if let i = pending.firstIndex(of: step) {
            pending.remove(at: i)
            gradients[0] = .nan
        }
    }
}
#else
/// Release builds: no test hook.
func installDebugNaNInjection(on trainer: Trainer) throws {}
#endif
