// BatchGeometry: the batch size B and window length T a corpus can feed.
//
// Training needs one window per stream: train ≥ B·(T + 1).
// Validation runs Bv ≤ B streams and needs two windows per stream:
// validation ≥ Bv·(2T + 1) with Bv ≥ 1.
// When the corpus is too small for the requested B×T, B shrinks first, then T,
// down to `minimumSteps`; below that the corpus is refused.

/// The batch geometry chosen for a corpus.
package struct BatchGeometry: Equatable, Sendable {
    /// B for training.
    package var batch: Int
    /// T for training and evaluation.
    package var steps: Int
    /// Bv, streams for validation (≤ B).
    package var validationBatch: Int
    /// Streams for the final test evaluation (0 when the test part is too small).
    package var testBatch: Int

    /// Shortest window accepted when shrinking.
    package static let minimumSteps = 8

    /// Smallest validation part that fits two windows of `steps` in one stream.
    package static func minimumValidation(steps: Int) -> Int { 2 * steps + 1 }

    /// The largest geometry not above `batch` × `steps` that `split` can feed.
    /// Throws `corpusTooSmall` when even one stream of `minimumSteps` (or `steps`, if lower) does not fit.
    package static func fit(split: CorpusSplit, batch: Int, steps: Int, validationFraction: Double,
                           corpusCount: Int) throws(TrainingError) -> BatchGeometry {
        let nTrain = split.train.count, nVal = split.validation.count
        var B = max(1, batch), T = max(1, steps)
        // Shrink T only when one stream cannot hold it.
        let floorT = min(T, minimumSteps)
        let fitT = min(T, nTrain - 1, (nVal - 1) / 2)
        if fitT < floorT {
            let needVal = minimumValidation(steps: floorT)
            let fromVal = validationFraction > 0 ? Int((Double(needVal) / validationFraction).rounded(.up)) : Int.max
            let need = max(fromVal, needVal + floorT + 1)
            throw .corpusTooSmall(graphemes: corpusCount, validation: nVal, needed: need, steps: floorT)
        }
        T = fitT
        B = max(1, min(B, nTrain / (T + 1)))
        let Bv = max(1, min(B, nVal / minimumValidation(steps: T)))
        let nTest = split.test.count
        let Bt = nTest >= T + 1 ? max(1, min(B, nTest / (T + 1))) : 0
        return BatchGeometry(batch: B, steps: T, validationBatch: Bv, testBatch: Bt)
    }
}
