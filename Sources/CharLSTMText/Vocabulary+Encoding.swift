// Vocabulary+Encoding: graphemes ⇄ ids, and the large-vocabulary warning.

extension Vocabulary {
    /// Ids of graphemes; unknown ones become `<unk>` (0) and are counted.
    /// Graphemes are matched byte for byte, so they must come from a
    /// `GraphemeTokenizer` with the vocabulary's normalization.
    package func encode(_ graphemes: [String]) -> (ids: [Int], unknown: Int) {
        var unknown = 0
        let ids = graphemes.map { g -> Int in
            if let id = id(of: g) { return id }
            unknown += 1
            return Self.unknownID
        }
        return (ids, unknown)
    }

    /// The text of `ids`: their tokens concatenated. Id 0 gives the literal
    /// `<unk>`; an id outside the vocabulary gives U+FFFD.
    package func decode(_ ids: [Int]) -> String {
        var out = ""
        for id in ids {
            if id >= 0 && id < count { out += tokens[id] } else { out += "\u{FFFD}" }
        }
        return out
    }

    /// Vocabularies larger than this deserve a warning (the output layer and the
    /// embedding grow linearly with it); the CLI's says how to cap them.
    package static let largeSizeThreshold = 10_000

    /// Whether a vocabulary of `count` entries is over `largeSizeThreshold`.
    package static func isLarge(count: Int) -> Bool { count > largeSizeThreshold }
}
