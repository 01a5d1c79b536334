// GraphemeEscaping: how a grapheme, or any text in a message, is shown on one
// line. One escaping for every command: `escapeGrapheme` for a grapheme
// (tokenize, predict, score, fill, info's vocabulary), `oneLine` for a path or
// a name inside a message or report (errors, notes, info's file and corpus).

/// A one-line, readable form of grapheme `g`, used wherever a single
/// grapheme is printed (`tokenize`, `predict`, `score`, `fill`, `info`).
///
/// - A grapheme with something visible in it is printed as is, except that a
///   backslash is doubled (`\\`), so every escape below is unambiguous. Emoji
///   ZWJ sequences, flags and letters with combining marks stay whole.
/// - A grapheme made only of invisible code points (controls, whitespace,
///   format characters such as U+200D, other default-ignorable code points)
///   is spelled out code point by code point: `\n`, `\r`, `\t`, `\s` (space),
///   and `U+XXXX` for the rest, so `"\r\n"` prints as `\r\n` and a lone
///   ZERO WIDTH JOINER as `U+200D`.
package func escapeGrapheme(_ g: String) -> String {
    var visible = false
    for s in g.unicodeScalars where !isInvisible(s) { visible = true; break }
    if visible {
        guard g.unicodeScalars.contains("\\") else { return g }
        var out = String.UnicodeScalarView()
        for s in g.unicodeScalars {
            out.append(s)
            if s == "\\" { out.append(s) }
        }
        return String(out)
    }
    var out = ""
    for s in g.unicodeScalars { out += escapedScalar(s) }
    return out
}

/// Whether `s` shows nothing by itself: a control, whitespace, a format
/// character, or another default-ignorable code point (e.g. variation selectors).
func isInvisible(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x21 || (s.value >= 0x7F && s.value < 0xA0) { return true }
    if s.value < 0x7F { return false }
    let p = s.properties
    switch p.generalCategory {
    case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
    default: return p.isWhitespace || p.isDefaultIgnorableCodePoint
    }
}

/// `text` with every scalar that would break or garble a one-line message
/// escaped as `escapeGrapheme` spells it — `\n`, `\r`, `\t`, else `U+XXXX` —
/// and everything else kept as is: C0 controls, DEL, C1 controls, U+2028 and
/// U+2029 (so "a\nb" shows as `a\nb`, ESC as `U+001B`).
package func oneLine(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: breaksLine) else { return text }
    var out = ""
    for s in text.unicodeScalars {
        if breaksLine(s) { out += escapedScalar(s) } else { out.unicodeScalars.append(s) }
    }
    return out
}

/// Whether `s` is a control character or a line or paragraph separator.
func breaksLine(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
}

/// The escape for one invisible scalar: `\n`, `\r`, `\t`, `\s`, else `U+XXXX`.
func escapedScalar(_ s: Unicode.Scalar) -> String {
    switch s {
    case "\n": return "\\n"
    case "\r": return "\\r"
    case "\t": return "\\t"
    case " ": return "\\s"
    default:
        let hex = String(s.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
