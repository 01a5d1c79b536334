// GraphemeEscaping: how a grapheme is shown on one line (tokenize, predict, score).

/// A one-line, readable form of grapheme `g`, used wherever a single
/// grapheme is printed (`tokenize`, `predict`, `score`).
///
/// - A grapheme with something visible in it is printed as is, except the
///   backslash, printed `\\` (so every escape below is unambiguous). Emoji ZWJ
///   sequences, flags and letters with combining marks stay whole.
/// - A grapheme made only of invisible code points (controls, whitespace,
///   format characters such as U+200D, other default-ignorable code points)
///   is spelled out code point by code point: `\n`, `\r`, `\t`, `\s` (space),
///   and `U+XXXX` for the rest, so `"\r\n"` prints as `\r\n` and a lone
///   ZERO WIDTH JOINER as `U+200D`.
public func escapeGrapheme(_ g: String) -> String {
    if g == "\\" { return "\\\\" }
    var visible = false
    for s in g.unicodeScalars where !isInvisible(s) { visible = true; break }
    if visible { return g }
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
