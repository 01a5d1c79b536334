// Scoring and prediction: the model's probability of text, one grapheme at a time.
//
// Dimension key: V vocabulary.
//
// The first grapheme of a text has no context, so it is not scored, exactly
// as in training, where the first grapheme of the corpus is never a target:
// a text of n graphemes gets n − 1 scores, grapheme t (t ≥ 1) costing
// bits_t = −log2 q(g_t | g_0 … g_{t−1}) under the model's full softmax
// (`ModelDistribution`). `predict` after text X reports the same q for each
// candidate, so 2^(−bits) from `score` equals the probability from `predict`.
// Graphemes outside the vocabulary are fed and scored as `<unk>`.

/// Runs a model over text and reports what it predicts or how surprised it is.
public final class TextScorer {
    package let model: SamplingModel
    private let inference: InferenceModel
    private var id: [Int32] = [0]

    public init(model: SamplingModel) {
        self.model = model
        inference = model.makeInference(streams: 1)
    }

    /// Zeroes the state.
    public func reset() { inference.reset() }

    /// Feeds `ids` (continuing from the current state) and returns the logits
    /// (V) for the next grapheme; nil if `ids` is empty and nothing was fed yet
    /// since the last reset.
    @discardableResult
    package func feed(_ ids: [Int]) -> UnsafePointer<Float>? {
        for i in ids { step(i) }
        return fed ? inference.logits : nil
    }

    private var fed = false

    @inline(__always)
    private func step(_ i: Int) {
        id[0] = Int32(i)
        id.withUnsafeBufferPointer { _ = inference.step(unchecked: $0.baseAddress!) }
        fed = true
    }

    /// Clears the state and the "something fed" mark.
    package func restart() {
        inference.reset()
        fed = false
    }

    /// The logits (V) after the last `feed`.
    package var logits: UnsafePointer<Float> { inference.logits }

    /// Scores `ids` from the zero state. `each(t, bits)` is called for every
    /// grapheme, with nil bits for the first (not scored). Returns the number
    /// of scored graphemes (count − 1, or 0) and their total bits.
    /// - Throws: `.idOutOfRange` for an id outside the vocabulary (nothing is scored).
    public func score(_ ids: [Int], each: ((Int, Double?) -> Void)? = nil) throws(SamplingError) -> (scored: Int, bits: Double) {
        try SamplingModel.check(ids, vocab: model.vocab)
        if !ids.isEmpty { each?(0, nil) }
        var total = 0.0
        let V = model.vocab
        try forEachPrediction(ids) { t, logits in
            let b = ModelDistribution.bits(logits, count: V, id: ids[t])
            total += b
            each?(t, b)
        }
        return (max(0, ids.count - 1), total)
    }

    /// Reads `ids` from the zero state and calls `body(t, logits)` for every
    /// t ≥ 1 with the logits (V) that predict grapheme t from the ones before it.
    /// - Throws: `.idOutOfRange` for an id outside the vocabulary (nothing is read).
    package func forEachPrediction(_ ids: [Int], _ body: (Int, UnsafePointer<Float>) -> Void) throws(SamplingError) {
        try SamplingModel.check(ids, vocab: model.vocab)
        restart()
        guard let first = ids.first else { return }
        step(first)
        for t in 1..<ids.count {
            body(t, inference.logits)
            if t + 1 < ids.count { step(ids[t]) }
        }
    }
}
