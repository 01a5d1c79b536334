// TextFeatures: simple, named properties of each position of a text, which
// `charlstm show` correlates with every unit to find interpretable ones
// (Karpathy, Johnson & Fei-Fei 2015 found cells for line length, quotes and
// bracket depth).
//
// Each feature describes the text up to and including grapheme t, the state a
// forward model has after reading it. Values per position: (T, K) row-major.

/// The named features of a text, position by position.
package struct TextFeatures: Sendable {
    /// The feature names, K of them, in column order.
    package static let names = [
        "position in line", "start of a line", "inside double quotes", "bracket/parenthesis depth",
        "whitespace", "letter", "digit", "upper-case letter", "punctuation", "position in word",
        "end of a sentence",
    ]
    /// K.
    package static var count: Int { names.count }

    /// T, positions.
    package let positions: Int
    /// (T, K) values, row t for grapheme t.
    package let values: [Float]

    /// The features of `graphemes`.
    package init(graphemes: [String]) {
        let K = Self.count
        positions = graphemes.count
        var v = [Float](repeating: 0, count: graphemes.count * K)
        var column = 0, quoted = false, depth = 0, wordPosition = 0
        for (t, g) in graphemes.enumerated() {
            let first = g.unicodeScalars.first ?? " "
            let props = first.properties
            let isNewline = g == "\n" || g == "\r\n" || g == "\r"
            let isSpace = isNewline || props.isWhitespace
            let isLetter = props.isAlphabetic
            let isDigit = props.numericType == .decimal
            switch g {
            case "\"": quoted.toggle()
            case "\u{201C}": quoted = true
            case "\u{201D}": quoted = false
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            default: break
            }
            wordPosition = isLetter ? wordPosition + 1 : 0
            let row = t * K
            v[row + 0] = Float(column)
            v[row + 1] = column == 0 ? 1 : 0
            v[row + 2] = quoted || g == "\u{201D}" || (g == "\"" && !quoted) ? 1 : 0
            v[row + 3] = Float(depth + (g == ")" || g == "]" || g == "}" ? 1 : 0))
            v[row + 4] = isSpace ? 1 : 0
            v[row + 5] = isLetter ? 1 : 0
            v[row + 6] = isDigit ? 1 : 0
            v[row + 7] = props.isUppercase ? 1 : 0
            v[row + 8] = !isLetter && !isDigit && !isSpace && Self.isPunctuation(first) ? 1 : 0
            v[row + 9] = Float(wordPosition)
            v[row + 10] = g == "." || g == "!" || g == "?" ? 1 : 0
            column = isNewline ? 0 : column + 1
        }
        values = v
    }

    private static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }
}
