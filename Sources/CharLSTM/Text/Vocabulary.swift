// Vocabulary: the mapping between graphemes and integer ids.

/// The graphemes a model knows, in id order. Id 0 is always `<unk>`, which
/// stands for any grapheme outside the vocabulary and is never sampled.
public struct Vocabulary: Equatable, Sendable {
    /// The reserved token at id 0.
    public static let unknownToken = "<unk>"
    /// The id of `<unk>`.
    public static let unknownID = 0

    /// All tokens in id order; `tokens[0] == Vocabulary.unknownToken`.
    public let tokens: [String]
    private let ids: [String: Int]

    /// Number of entries V, including `<unk>`.
    public var count: Int { tokens.count }

    /// A vocabulary from tokens in id order. The first must be `<unk>`; the
    /// rest must be distinct and non-empty.
    public init(tokens: [String]) throws(VocabularyError) {
        guard tokens.first == Self.unknownToken else { throw .missingUnknown }
        var ids = [String: Int](minimumCapacity: tokens.count)
        for (i, t) in tokens.enumerated() {
            if t.isEmpty { throw .emptyToken(id: i) }
            if ids.updateValue(i, forKey: t) != nil { throw .duplicate(t) }
        }
        self.tokens = tokens
        self.ids = ids
    }

    /// A vocabulary of `<unk>` followed by `graphemes` in the given order.
    public init(graphemes: [String]) throws(VocabularyError) {
        try self.init(tokens: [Self.unknownToken] + graphemes)
    }

    /// The id of `grapheme`, or nil when it is not in the vocabulary.
    @inline(__always)
    public func id(of grapheme: String) -> Int? { ids[grapheme] }

    /// The grapheme for `id` (`<unk>` for 0).
    @inline(__always)
    public func token(_ id: Int) -> String { tokens[id] }
}

/// Why a list of tokens is not a valid vocabulary.
public enum VocabularyError: Error, Equatable, CustomStringConvertible {
    case missingUnknown
    case emptyToken(id: Int)
    case duplicate(String)

    public var description: String {
        switch self {
        case .missingUnknown: "vocabulary does not start with <unk>"
        case .emptyToken(let id): "vocabulary entry \(id) is empty"
        case .duplicate(let t): "vocabulary lists \(t.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")) twice"
        }
    }
}
