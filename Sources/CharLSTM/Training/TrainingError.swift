// TrainingError: every way a training run can be refused or stopped, one line each.

/// Why training cannot start or had to stop. Each description is one line saying what to do.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The corpus cannot fill two validation windows of the shortest accepted length.
    case corpusTooSmall(graphemes: Int, validation: Int, needed: Int, steps: Int)
    /// `given` initial parameters for a model of `needed` (the config's parameter count).
    case initialParameters(given: Int, needed: Int)
    /// The checkpoint given to --resume cannot continue on this corpus or has no training state.
    case incompatibleResume(path: String, reason: String)
    /// A resumed run whose last step, `target`, is not above the checkpoint's `step`. `flag` is
    /// what set the target ("--steps 60", "--epochs 1"); nil for the run's own planned total.
    case nothingToResume(step: Int, target: Int, flag: String?)
    /// Training diverged (non-finite or exploding loss) `failures` times in a row.
    case diverged(failures: Int, step: Int, learningRate: Double)
    /// A checkpoint could not be written (message from the checkpoint layer).
    case checkpointWrite(String)
    /// Any other output file (log, plot, directory) could not be written.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .corpusTooSmall(let n, let v, let needed, let steps):
            return "corpus too small: \(n) graphemes leave \(v) for validation; need at least \(needed) graphemes "
                + "(2 validation windows of \(steps) steps); use a larger corpus or a larger --val-frac"
        case .initialParameters(let given, let needed):
            return "the initial weights hold \(given) values but the model's config needs \(needed); "
                + "start from the weights of a model with the same cell, sizes and vocabulary"
        case .incompatibleResume(let path, let reason):
            return "cannot resume from \(path): \(reason)"
        case .nothingToResume(let step, let target, let flag):
            guard let flag else {
                return "nothing to do: the checkpoint's run is complete at step \(step) of \(target); "
                    + "give --steps above \(step) to train further (--steps counts from the start of the run)"
            }
            if flag.hasPrefix("--steps") {
                return "nothing to do: \(flag) is not above the checkpoint's step \(step) "
                    + "(--steps counts from the start of the run: --steps \(step + target) trains \(target) more)"
            }
            return "nothing to do: \(flag) ends at step \(target), not above the checkpoint's step \(step) "
                + "(\(flag.split(separator: " ").first ?? "") counts from the start of the run)"
        case .diverged(let failures, let step, let lr):
            return "training diverged \(failures) times in a row (non-finite or exploding loss) near step \(step), "
                + "even at learning rate \(shortNumber(lr)); restart with a lower --lr, a lower --grad-clip or a smaller model"
        case .checkpointWrite(let message):
            return message
        case .output(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

/// A number for messages: up to 4 significant digits, no trailing noise (2e-3 → "0.002").
func shortNumber(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    if x == 0 { return "0" }
    let a = abs(x)
    if a >= 1e-4 && a < 1e6 {
        let digits = max(0, min(8, 3 - log10i(a)))
        var s = fixed(x, digits)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
    return scientific(x)
}

/// ⌊log10 a⌋ for a > 0.
func log10i(_ a: Double) -> Int {
    var e = 0, v = a
    while v >= 10 { v /= 10; e += 1 }
    while v < 1 { v *= 10; e -= 1 }
    return e
}

/// `x` with `digits` digits after the point (no Foundation).
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = x < 0
    let r = (abs(x) * scale).rounded()
    guard r < 9e15 else { return String(x) }
    let n = UInt64(r)
    let whole = n / UInt64(scale), frac = n % UInt64(scale)
    var s = (negative && n != 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return s
}

/// `x` as `d.dde±N` with three significant digits.
func scientific(_ x: Double) -> String {
    guard x.isFinite, x != 0 else { return fixed(x, 0) }
    let e = log10i(abs(x))
    var m = x
    if e > 0 { for _ in 0..<e { m /= 10 } } else { for _ in 0..<(-e) { m *= 10 } }
    var s = fixed(m, 2)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s + "e" + String(e)
}
