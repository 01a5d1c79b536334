// JSON: the two pieces needed to print JSON without Foundation.
//
// Commands with `--json` build their one object by hand from these:
//   "{" + JSON.quote("step") + ":" + String(step) + "," + ... + "}"

/// Minimal JSON text helpers (RFC 8259).
package enum JSON {
    /// `s` as a JSON string literal, with quotes: `"`, `\` and control
    /// characters (U+0000–U+001F) escaped (`\n`, `\t`, `\r`, `\b`, `\f`, else
    /// `\u00XX`); U+2028 and U+2029 are escaped too so the output is also valid
    /// JavaScript. Everything else is copied as UTF-8.
    package static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: false)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// `d` as a JSON number in the shortest form that reads back as the same
    /// Double (`0.25`, `2.0`, `1e-05`); `null` for nil, NaN and ±infinity,
    /// which JSON cannot represent.
    package static func number(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "null" }
        return d.description
    }
}
