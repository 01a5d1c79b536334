// Vocabulary+Encoding: graphemes ⇄ ids, and the large-vocabulary warning.

extension Vocabulary {
    /// Ids of graphemes; unknown ones become `<unk>` (0) and are counted.
    /// Graphemes are matched byte for byte, so they must come from a
    /// `GraphemeTokenizer` with the vocabulary's normalization.
    public func encode(_ graphemes: [String]) -> (ids: [Int], unknown: Int) {
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
    public func decode(_ ids: [Int]) -> String {
        var out = ""
        for id in ids {
            if id >= 0 && id < count { out += tokens[id] } else { out += "\u{FFFD}" }
        }
        return out
    }

    /// Vocabularies larger than this get a warning (the output layer and the
    /// embedding grow linearly with it).
    public static let largeSizeThreshold = 10_000

    /// Large-vocabulary warning text (nil if fine): above 10,000 entries, says
    /// how to cap it with `--max-vocab` / `--min-count`.
    public static func sizeWarning(count: Int) -> String? {
        guard count > largeSizeThreshold else { return nil }
        return "the vocabulary has \(count) entries (over \(largeSizeThreshold)); the model's embedding "
            + "and output layers grow with it: cap it with --max-vocab N (e.g. --max-vocab 5000) or "
            + "--min-count N (e.g. --min-count 5); rarer graphemes then map to <unk>"
    }
}
