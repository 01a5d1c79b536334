// QuantityText: counts, rates and durations as messages show them
// ("1,115,394", "23.4k", "1:02:03"), for train's progress and summary.

/// Counts, rates and durations as text.
package enum QuantityText {
    /// "812", "23.4k", "1.2M".
    package static func rate(_ x: Double) -> String {
        guard x.isFinite, x > 0 else { return "0" }
        if x < 1000 { return fixed(x, 0) }
        if x < 1e6 { return fixed(x / 1e3, x < 1e4 ? 2 : 1) + "k" }
        return fixed(x / 1e6, 2) + "M"
    }

    /// "0:42", "12:03", "1:02:03".
    package static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(sec))" : "\(m):\(two(sec))"
    }

    /// "1,115,394".
    package static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
