// Vocabulary: the mapping between graphemes and integer ids.

/// The graphemes a model knows, in id order. Id 0 is always `<unk>`, which
/// stands for any grapheme outside the vocabulary and is never sampled.
package struct Vocabulary: Equatable, Sendable {
    /// The reserved token at id 0.
    package static let unknownToken = "<unk>"
    /// The id of `<unk>`.
    package static let unknownID = 0

    /// All tokens in id order; `tokens[0] == Vocabulary.unknownToken`.
    package let tokens: [String]
    /// Keyed by UTF-8 bytes: Swift's `String ==` treats canonically
    /// equivalent strings ("é" and "e" + U+0301) as equal, but with
    /// `--normalize none` they are different graphemes.
    private let ids: [GraphemeKey: Int]

    /// Number of entries V, including `<unk>`.
    package var count: Int { tokens.count }

    /// A vocabulary from tokens in id order. The first must be `<unk>`; the
    /// rest must be distinct and non-empty.
    package init(tokens: [String]) throws(VocabularyError) {
        guard tokens.first == Self.unknownToken else { throw .missingUnknown }
        var ids = [GraphemeKey: Int](minimumCapacity: tokens.count)
        for (i, t) in tokens.enumerated() {
            if t.isEmpty { throw .emptyToken(id: i) }
            if ids.updateValue(i, forKey: GraphemeKey(t)) != nil { throw .duplicate(t) }
        }
        self.tokens = tokens
        self.ids = ids
    }

    /// A vocabulary of `<unk>` followed by `graphemes` in the given order.
    package init(graphemes: [String]) throws(VocabularyError) {
        try self.init(tokens: [Self.unknownToken] + graphemes)
    }

    /// The id of `grapheme`, or nil when it is not in the vocabulary.
    @inline(__always)
    package func id(of grapheme: String) -> Int? { ids[GraphemeKey(grapheme)] }

    /// The grapheme for `id` (`<unk>` for 0).
    @inline(__always)
    package func token(_ id: Int) -> String { tokens[id] }

    /// Equal when the tokens are the same byte for byte, in the same order.
    package static func == (a: Vocabulary, b: Vocabulary) -> Bool {
        a.tokens.count == b.tokens.count && zip(a.tokens, b.tokens).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }
}

/// A string compared and hashed by its UTF-8 bytes (not by canonical equivalence).
struct GraphemeKey: Hashable {
    let text: String
    init(_ text: String) { self.text = text }

    static func == (a: GraphemeKey, b: GraphemeKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var t = text
        t.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Why a list of tokens is not a valid vocabulary.
package enum VocabularyError: Error, Equatable, CustomStringConvertible {
    case missingUnknown
    case emptyToken(id: Int)
    case duplicate(String)

    package var description: String {
        switch self {
        case .missingUnknown: "vocabulary does not start with <unk>"
        case .emptyToken(let id): "vocabulary entry \(id) is empty"
        case .duplicate(let t): "vocabulary lists \(t.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")) twice"
        }
    }
}
