// HoleMarking: which graphemes of a text are holes for HoleFiller, and the
// text with the holes filled.
//
// Dimension key: n graphemes of text.
//
// A grapheme equal to the mask is a hole. A grapheme outside the vocabulary
// is a hole with `maskAllUnknown`, else it is fed as `<unk>` and counted.
// Every other grapheme is fed as its id.

/// A text (n graphemes) as HoleFiller reads it.
import CharLSTMText

package struct MarkedText: Equatable, Sendable {
    /// The ids to feed (n); `<unk>` at holes and unknown graphemes.
    package var ids: [Int]
    /// The holes' positions (grapheme indices), ascending.
    package var holes: [Int]
    /// Graphemes outside the vocabulary fed as `<unk>` (not holes).
    package var unknown: Int

    /// Marks the holes of `graphemes` (already normalized) for `vocabulary`:
    /// every `mask` (one normalized grapheme), and with `maskAllUnknown`
    /// every grapheme the vocabulary lacks.
    package init(graphemes: [String], mask: String, maskAllUnknown: Bool, vocabulary: Vocabulary) {
        ids = [Int](repeating: Vocabulary.unknownID, count: graphemes.count)
        holes = []
        unknown = 0
        for (t, g) in graphemes.enumerated() {
            if g == mask { holes.append(t); continue }
            if let id = vocabulary.id(of: g) { ids[t] = id; continue }
            if maskAllUnknown { holes.append(t) } else { unknown += 1 }
        }
    }

    /// `graphemes` with each filled hole replaced by its first candidate.
    package static func filling(_ graphemes: [String], with filled: [FilledHole], vocabulary: Vocabulary) -> [String] {
        var output = graphemes
        for h in filled { output[h.position] = vocabulary.token(h.candidates[0].id) }
        return output
    }
}
