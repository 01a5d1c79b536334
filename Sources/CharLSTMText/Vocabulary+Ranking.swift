// Vocabulary+Ranking: the vocabulary a corpus's grapheme counts give, and the map from
// distinct graphemes to final ids. One rule for one process (GraphemeCounter) and for
// counts merged across processes (ShardedCorpus):
//
//   id 0 <unk>, then descending count, ties by UTF-8 bytes (lexicographic);
//   a grapheme rarer than minCount, or past maxVocab entries (counting <unk>), maps to <unk>.

/// The final vocabulary of distinct graphemes `keys` (UTF-8 bytes) with `counts`, and for each key its id.
import CharLSTMSupport

package struct RankedVocabulary {
    package let vocabulary: Vocabulary
    /// keys[i] → id (0: <unk>).
    let map: [UInt32]
    /// Occurrences mapped to <unk>.
    package let unknown: Int

    /// Ranks by frequency (see the file header).
    init(keys: [[UInt8]], counts: [Int], maxVocab: Int?, minCount: Int) throws(TextError) {
        let distinct = keys.count
        var map = [UInt32](repeating: 0, count: distinct)
        var unknown = 0
        let sorted = (0 ..< distinct).sorted { a, b in
            counts[a] != counts[b] ? counts[a] > counts[b] : keys[a].lexicographicallyPrecedes(keys[b])
        }
        var kept: [String] = []
        for i in sorted {
            if counts[i] >= minCount && kept.count + 1 < (maxVocab ?? Int.max) {
                kept.append(String(decoding: keys[i], as: UTF8.self))
                map[i] = UInt32(kept.count)
            } else {
                unknown += counts[i]
            }
        }
        do { vocabulary = try Vocabulary(graphemes: kept) } catch {
            throw .invalidArgument("internal error building the vocabulary: \(error)")
        }
        self.map = map
        self.unknown = unknown
    }

    /// Maps onto a given vocabulary: keys outside it go to <unk>, counted.
    init(keys: [[UInt8]], counts: [Int], vocabulary: Vocabulary) {
        var map = [UInt32](repeating: 0, count: keys.count)
        var unknown = 0
        for i in keys.indices {
            if let id = vocabulary.id(of: String(decoding: keys[i], as: UTF8.self)) {
                map[i] = UInt32(id)
            } else {
                unknown += counts[i]
            }
        }
        self.vocabulary = vocabulary
        self.map = map
        self.unknown = unknown
    }

    package init(keys: [[UInt8]], counts: [Int], order: VocabularyOrder) throws(TextError) {
        switch order {
        case .fixed(let v): self.init(keys: keys, counts: counts, vocabulary: v)
        case .frequency(let maxVocab, let minCount): try self.init(keys: keys, counts: counts, maxVocab: maxVocab, minCount: minCount)
        }
    }
}
