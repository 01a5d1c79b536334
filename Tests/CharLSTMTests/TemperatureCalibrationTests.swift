// TemperatureCalibration: the fitted scale minimises the bits of the text it
// is fitted on, and folding it into the output layer scales every logit.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling

final class TemperatureCalibrationTests: XCTestCase {
    /// `count` rows of logits (count, V), uniform in ±`logitsWithin`, each with a
    /// target drawn from softmax(`scale` · row): the fitted scale should come out near `scale`.
    private func drawn(count: Int, vocab V: Int, logitsWithin r: Double, scale: Double,
                       seed: UInt64) -> (logits: [Float], targets: [Int32]) {
        var rng = RandomGenerator(seed: seed)
        var logits: [Float] = [], targets: [Int32] = []
        for _ in 0..<count {
            let z = (0..<V).map { _ in Float(rng.nextDouble() * 2 * r - r) }
            let w = z.map { exp(scale * Double($0)) }
            var u = rng.nextDouble() * w.reduce(0, +), y = 0
            while y < V - 1 && u >= w[y] { u -= w[y]; y += 1 }
            logits += z
            targets.append(Int32(y))
        }
        return (logits, targets)
    }

    /// Targets drawn from softmax(0.5·z) must give β ≈ 0.5, a minimum of the
    /// bits. Mutation caught: the gradient's sign flipped (Newton walks uphill,
    /// every step is refused, and β stays 1).
    func testFitRecoversTheScaleThatDrewTheTargets() {
        let (V, trueScale) = (9, 0.5)
        let (logits, targets) = drawn(count: 6000, vocab: V, logitsWithin: 4, scale: trueScale, seed: 3)
        let fit = TemperatureCalibration.fit(logits: logits, targets: targets, vocab: V)
        XCTAssertEqual(fit.scale, trueScale, accuracy: 0.03)
        XCTAssertEqual(fit.before, TemperatureCalibration.meanBits(logits: logits, targets: targets, vocab: V, scale: 1))
        XCTAssertLessThan(fit.after, fit.before - 0.1, "scaling by 1 is far from the best here")
        for s in [fit.scale * 0.99, fit.scale * 1.01] {
            XCTAssertGreaterThan(TemperatureCalibration.meanBits(logits: logits, targets: targets, vocab: V, scale: s), fit.after)
        }
    }

    /// An underconfident model (targets drawn from softmax(3·z)) gets β ≈ 3.
    func testFitSharpensAnUnderconfidentModel() {
        let V = 5
        let (logits, targets) = drawn(count: 4000, vocab: V, logitsWithin: 1, scale: 3, seed: 4)
        XCTAssertEqual(TemperatureCalibration.fit(logits: logits, targets: targets, vocab: V).scale, 3, accuracy: 0.2)
    }

    /// Folding multiplies the logits at every step by the scale, so the bias is
    /// scaled with the weights, and drops the training state. Mutation caught:
    /// scaling output.w alone (the trained fixture's output bias is not zero).
    func testFoldingScalesEveryLogit() throws {
        let c = try CheckpointFile.read(fixturesDirectory.appendingPathComponent("lstm-adam-full.ckpt").path)
        XCTAssertNotNil(c.training)
        let folded = TemperatureCalibration.folding(0.7, into: c)
        XCTAssertNil(folded.training)
        let plain = TextScorer(model: try SamplingModel(checkpoint: c))
        let scaled = TextScorer(model: try SamplingModel(checkpoint: folded))
        let ids = (0..<40).map { ($0 * 7 + 3) % c.config.vocab }
        var a: [[Float]] = [], b: [[Float]] = []
        try plain.forEachPrediction(ids) { _, z in a.append(Array(UnsafeBufferPointer(start: z, count: c.config.vocab))) }
        try scaled.forEachPrediction(ids) { _, z in b.append(Array(UnsafeBufferPointer(start: z, count: c.config.vocab))) }
        XCTAssertEqual(a.count, 39)
        for (x, y) in zip(a.joined(), b.joined()) { XCTAssertEqual(y, 0.7 * x, accuracy: 1e-5 * (1 + abs(x))) }
    }

    /// On a model, the bits before the fit are `score`'s, the bits after are
    /// `score`'s on the folded model, and a cap on the stored logits keeps
    /// every k-th prediction. Mutation caught: the cap ignored (all 99 kept).
    func testFitOnAModelAgreesWithScore() throws {
        let c = try CheckpointFile.read(fixturesDirectory.appendingPathComponent("lstm-adam-full.ckpt").path)
        let model = try SamplingModel(checkpoint: c)
        let V = c.config.vocab
        let ids = (0..<100).map { ($0 * $0 + 1) % V }
        var bits: [Double] = []
        let scored = try TextScorer(model: model).score(ids) { _, b in if let b { bits.append(b) } }
        let fit = try XCTUnwrap(try TemperatureCalibration.fit(model: model, texts: [ids, [1]]))
        XCTAssertEqual(fit.scored, 99)
        XCTAssertEqual(fit.used, 99)
        XCTAssertEqual(fit.bitsBefore, scored.bits / 99, accuracy: 1e-9)
        let after = try TextScorer(model: try SamplingModel(checkpoint: TemperatureCalibration.folding(fit.scale, into: c))).score(ids)
        XCTAssertEqual(after.bits / 99, fit.bitsAfter, accuracy: 1e-5)
        XCTAssertLessThanOrEqual(fit.bitsAfter, fit.bitsBefore)

        let strided = try XCTUnwrap(try TemperatureCalibration.fit(model: model, texts: [ids], maxStoredLogits: 10 * V))
        XCTAssertEqual(strided.used, 10, "every 10th of 99 predictions: t = 1, 11, …, 91")
        let kept = stride(from: 0, to: 99, by: 10).map { bits[$0] }
        XCTAssertEqual(strided.bitsBefore, kept.reduce(0, +) / 10, accuracy: 1e-9)
        XCTAssertNil(try TemperatureCalibration.fit(model: model, texts: [[2], []]), "nothing scored, nothing to fit")
    }
}
