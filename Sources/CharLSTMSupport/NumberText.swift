// NumberText: numbers as text without Foundation, the one formatter of
// decimals that every message, report and plot uses (train's progress and
// summary, bench, score, info, show, the loss plot).

/// A number for messages: up to 4 significant digits, no trailing noise (2e-3 → "0.002").
package func shortNumber(_ x: Double) -> String {
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

/// `x` with exactly `digits` digits after the point, rounded half away from
/// zero ("2.3140"); no minus sign when it rounds to zero; "nan", "inf" and
/// "-inf" as such; beyond 9e15 (after scaling) Swift's own form ("1e+20").
package func fixed(_ x: Double, _ digits: Int) -> String {
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
