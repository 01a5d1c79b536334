// ScoreSummary: the totals of `score` across its inputs.
//
// Each input is scored from the zero state (TextScorer.score), so an input of
// n graphemes adds n − 1 scored graphemes; the summary's bits per grapheme is
// the total bits over all scored graphemes (not a mean of per-input means),
// and the perplexity is 2^(bits per grapheme). With adaptation every input
// also starts from the trained weights.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Bits and counts summed over the inputs of one `score` run.
public struct ScoreSummary: Equatable, Sendable {
    /// Inputs added.
    public var inputs = 0
    /// Graphemes scored (each input's first is not).
    public var scored = 0
    /// Their total bits.
    public var totalBits = 0.0
    /// Graphemes outside the vocabulary (scored as `<unk>`).
    public var unknown = 0
    /// All graphemes of the inputs, scored or not.
    public var graphemes = 0

    public init() {}

    /// Adds one input: its text and what `TextScorer.score` returned for it.
    public mutating func add(_ text: EncodedText, scored n: Int, bits: Double) {
        inputs += 1
        scored += n
        totalBits += bits
        unknown += text.unknown
        graphemes += text.count
    }

    /// Scores `text` from the zero state with `scorer` and adds it;
    /// `each(t, bits)` as for `TextScorer.score`.
    public mutating func score(_ text: EncodedText, with scorer: TextScorer,
                               each: ((Int, Double?) -> Void)? = nil) {
        let (n, bits) = scorer.score(text.ids, each: each)
        add(text, scored: n, bits: bits)
    }

    /// Scores `text` with `evaluator` (from the zero state and the trained
    /// weights, adapting as it reads: DynamicEvaluator.score) and adds it.
    public mutating func score(_ text: EncodedText, adapting evaluator: DynamicEvaluator,
                               each: ((Int, Double?) -> Void)? = nil) {
        let (n, bits) = evaluator.score(text.ids, each: each)
        add(text, scored: n, bits: bits)
    }

    /// Average bits per scored grapheme; nil when nothing was scored.
    public var bitsPerGrapheme: Double? { scored > 0 ? totalBits / Double(scored) : nil }

    /// 2^(bits per grapheme); nil when nothing was scored.
    public var perplexity: Double? { bitsPerGrapheme.map { pow(2, $0) } }
}
