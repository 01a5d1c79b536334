// Sampling maths: temperature, top-k, top-p, exact inverse-CDF draws,
// `<unk>` masking; scoring against the training path; the batched generator.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class SamplingTests: XCTestCase {
    /// Logits for V = 7 (id 0 is `<unk>`, given a large logit that must never win).
    let logits: [Float] = [9, 2.0, 0.5, 1.5, -1.0, 0.0, 1.9]

    /// softmax(l / T) over ids 1..<V, by the formula, in Double.
    func reference(_ l: [Float], temperature t: Double) -> [Double] {
        var w = l.map { exp(Double($0) / t) }
        w[0] = 0
        let s = w.reduce(0, +)
        return w.map { $0 / s }
    }

    /// Draws `n` samples and checks each frequency is within 5 standard errors of `expected`.
    func assertFrequencies(_ options: SamplingOptions, expected: [Double], draws n: Int = 60_000,
                           file: StaticString = #filePath, line: UInt = #line) {
        let sampler = Sampler(vocab: logits.count)
        var rng = RandomGenerator(seed: 2024)
        var counts = [Int](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in
            for _ in 0..<n { counts[sampler.sample(l.baseAddress!, options: options, rng: &rng)] += 1 }
        }
        for (i, p) in expected.enumerated() {
            let f = Double(counts[i]) / Double(n)
            let se = max((p * (1 - p) / Double(n)).squareRoot(), 1e-9)
            XCTAssertLessThanOrEqual(abs(f - p), 5 * se + 1e-12, "id \(i): frequency \(f), expected \(p)", file: file, line: line)
            if p == 0 { XCTAssertEqual(counts[i], 0, "id \(i) must never be drawn", file: file, line: line) }
        }
    }

    func testTemperedDistributionMatchesFormula() {
        let sampler = Sampler(vocab: logits.count)
        for t in [0.25, 0.7, 1.0, 1.6] {
            let d = logits.withUnsafeBufferPointer { sampler.samplingDistribution($0.baseAddress!, options: SamplingOptions(temperature: t)) }
            let r = reference(logits, temperature: t)
            for i in 0..<logits.count { XCTAssertEqual(d[i], r[i], accuracy: 1e-12) }
            XCTAssertEqual(d[0], 0, "<unk> is masked")
        }
    }

    func testFrequenciesFollowTheTemperedDistribution() {
        assertFrequencies(SamplingOptions(temperature: 1), expected: reference(logits, temperature: 1))
        assertFrequencies(SamplingOptions(temperature: 0.6), expected: reference(logits, temperature: 0.6))
        assertFrequencies(SamplingOptions(temperature: 2.5), expected: reference(logits, temperature: 2.5))
    }

    func testTopKKeepsTheKMostLikely() {
        // At T = 0.8 the order is 1 (2.0), 6 (1.9), 3 (1.5), 2, 5, 4.
        let r = reference(logits, temperature: 0.8)
        let kept = [1, 6, 3]
        let mass = kept.map { r[$0] }.reduce(0, +)
        var expected = [Double](repeating: 0, count: logits.count)
        for i in kept { expected[i] = r[i] / mass }
        assertFrequencies(SamplingOptions(temperature: 0.8, topK: 3), expected: expected)
    }

    func testTopPKeepsTheSmallestNucleus() {
        let r = reference(logits, temperature: 1)
        // Cumulative mass most-likely-first: find the prefix reaching 0.6.
        let order = (1..<logits.count).sorted { r[$0] > r[$1] }
        var acc = 0.0, kept: [Int] = []
        for i in order { acc += r[i]; kept.append(i); if acc >= 0.6 { break } }
        XCTAssertEqual(kept, [1, 6], "two graphemes hold ≥ 60% here")
        let mass = kept.map { r[$0] }.reduce(0, +)
        var expected = [Double](repeating: 0, count: logits.count)
        for i in kept { expected[i] = r[i] / mass }
        assertFrequencies(SamplingOptions(topP: 0.6), expected: expected)
        // The sampler's own description agrees.
        let d = logits.withUnsafeBufferPointer { Sampler(vocab: 7).samplingDistribution($0.baseAddress!, options: SamplingOptions(topP: 0.6)) }
        for i in 0..<7 { XCTAssertEqual(d[i], expected[i], accuracy: 1e-12) }
        // top-k then top-p: top-k 4 at T = 0.5, then the nucleus of those.
        let opts = SamplingOptions(temperature: 0.5, topK: 4, topP: 0.9)
        let r2 = reference(logits, temperature: 0.5)
        let top4 = (1..<7).sorted { r2[$0] > r2[$1] }.prefix(4)
        let m4 = top4.map { r2[$0] }.reduce(0, +)
        var acc2 = 0.0, kept2: [Int] = []
        for i in top4 { acc2 += r2[i] / m4; kept2.append(i); if acc2 >= 0.9 { break } }
        let m2 = kept2.map { r2[$0] }.reduce(0, +)
        var expected2 = [Double](repeating: 0, count: 7)
        for i in kept2 { expected2[i] = r2[i] / m2 }
        assertFrequencies(opts, expected: expected2)
    }

    func testTopPOfOneIsPlainSampling() {
        assertFrequencies(SamplingOptions(topP: 1), expected: reference(logits, temperature: 1))
    }

    func testGreedyAndTopK1AreArgmaxAndDrawNothing() {
        let sampler = Sampler(vocab: logits.count)
        var rng = RandomGenerator(seed: 1)
        let before = rng
        logits.withUnsafeBufferPointer { l in
            XCTAssertEqual(sampler.sample(l.baseAddress!, options: SamplingOptions(greedy: true), rng: &rng), 1)
            XCTAssertEqual(sampler.sample(l.baseAddress!, options: SamplingOptions(temperature: 3, topK: 1), rng: &rng), 1)
        }
        XCTAssertEqual(rng, before)
        // Ties go to the lower id.
        let tied: [Float] = [0, 1, 3, 3, 2]
        tied.withUnsafeBufferPointer { XCTAssertEqual(sampler.argmax($0.baseAddress!), 2) }
    }

    func testExtremeLogitsStayFinite() {
        let extreme: [Float] = [0, 80, -80, 79.5, -.greatestFiniteMagnitude, 0]
        let sampler = Sampler(vocab: extreme.count)
        var rng = RandomGenerator(seed: 3)
        extreme.withUnsafeBufferPointer { l in
            for t in [1e-4, 0.01, 1, 100] {
                let d = sampler.samplingDistribution(l.baseAddress!, options: SamplingOptions(temperature: t))
                XCTAssertTrue(d.allSatisfy { $0.isFinite && $0 >= 0 })
                XCTAssertEqual(d.reduce(0, +), 1, accuracy: 1e-12)
                for _ in 0..<200 {
                    let id = sampler.sample(l.baseAddress!, options: SamplingOptions(temperature: t), rng: &rng)
                    XCTAssertTrue((1..<extreme.count).contains(id))
                    if t <= 0.01 { XCTAssertEqual(id, 1) }
                }
            }
        }
    }

    func testOptionProblems() {
        XCTAssertNil(SamplingOptions().problem())
        XCTAssertNotNil(SamplingOptions(temperature: 0).problem())
        XCTAssertNotNil(SamplingOptions(temperature: .nan).problem())
        XCTAssertNotNil(SamplingOptions(topK: 0).problem())
        XCTAssertNotNil(SamplingOptions(topP: 0).problem())
        XCTAssertNotNil(SamplingOptions(topP: 1.5).problem())
        XCTAssertNil(SamplingOptions(topP: 1).problem())
        // Typed values (the CLI words them with --temp, --top-k, --top-p). Mutation caught:
        // the checks reordered, or a value other than the one given reported.
        XCTAssertEqual(SamplingOptions(temperature: -1, topK: 0).problem(), .temperature(-1))
        XCTAssertEqual(SamplingOptions(topK: 0, topP: 2).problem(), .topK(0))
        XCTAssertEqual(SamplingOptions(topP: 1.5).problem(), .topP(1.5))
    }

    // MARK: - The model's own distribution (predict, score)

    func testRankedAndBitsAgree() {
        logits.withUnsafeBufferPointer { l in
            let p = l.baseAddress!
            let ranked = ModelDistribution.ranked(p, count: 7, top: 10)
            XCTAssertEqual(ranked.map(\.id), [1, 6, 3, 2, 5, 4], "all but <unk>, most likely first")
            // q over the full softmax, <unk> included.
            let s = logits.map { exp(Double($0)) }.reduce(0, +)
            for r in ranked {
                XCTAssertEqual(r.probability, exp(Double(logits[r.id])) / s, accuracy: 1e-12)
                XCTAssertEqual(pow(2, -ModelDistribution.bits(p, count: 7, id: r.id)), r.probability, accuracy: 1e-12)
            }
            XCTAssertEqual(ModelDistribution.ranked(p, count: 7, top: 2).map(\.id), [1, 6])
        }
    }

    // MARK: - Scoring agrees with the training path

    func randomModel(cell: CellKind = .lstm, vocab: Int = 9, seed: UInt64 = 5) -> SamplingModel {
        let tokens = (0..<(vocab - 1)).map { String(UnicodeScalar(UInt8(97 + $0))) }
        let vocabulary = try! Vocabulary(graphemes: tokens)
        let config = ModelConfig(cell: cell, layers: 2, embed: 5, hidden: 7, vocab: vocab)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: seed)
        m.initialize(rng: &rng)
        return try! SamplingModel(checkpoint: Checkpoint(config: config, metadata: CheckpointMetadata(), vocabulary: vocabulary,
                                                    parameters: m.parameters.array, training: nil))
    }

    func testScoreEqualsTrainingLossOverTheSameText() throws {
        for cell in CellKind.allCases {
            let lm = randomModel(cell: cell)
            let ids = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 8, 7, 2, 0, 1]
            var perGrapheme: [Double?] = []
            let (n, bits) = try TextScorer(model: lm).score(ids) { _, b in perGrapheme.append(b) }
            XCTAssertEqual(n, ids.count - 1)
            XCTAssertNil(perGrapheme[0], "the first grapheme is not scored")
            // Training path: inputs ids[0..<n], targets ids[1...], one stream.
            let m = Model<Float>(config: lm.config)
            let params = lm.makeInference().weights
            m.parameters.base.update(from: params.base, count: params.count)
            let inputs = ids.dropLast().map(Int32.init), targets = ids.dropFirst().map(Int32.init)
            var rowLoss = [Double](repeating: 0, count: n)
            var rng = RandomGenerator(seed: 0)
            let nats = m.forward(inputs: inputs, targets: targets, steps: n, state: m.makeState(batch: 1),
                                 training: false, rng: &rng, rowLoss: &rowLoss)
            XCTAssertEqual(bits, nats / log(2), accuracy: 1e-4 * max(1, bits), "\(cell)")
            for t in 0..<n { XCTAssertEqual(perGrapheme[t + 1]!, rowLoss[t] / log(2), accuracy: 1e-4, "\(cell) t=\(t)") }
        }
    }

    // MARK: - Generator

    func testGeneratorIsDeterministicAndBatchesAgree() throws {
        let lm = randomModel()
        func run(_ n: Int, _ options: SamplingOptions, seed: UInt64, prime: [Int] = [2, 3]) throws -> [String] {
            var out = [String](repeating: "", count: n)
            try TextGenerator(model: lm, streams: n, options: options, seed: seed)
                .generate(prime: prime, stop: StopConditions(length: 40), emit: { out[$0] += $1 }, finished: { _ in })
            return out
        }
        XCTAssertEqual(try run(1, SamplingOptions(), seed: 9), try run(1, SamplingOptions(), seed: 9))
        XCTAssertNotEqual(try run(1, SamplingOptions(), seed: 9), try run(1, SamplingOptions(), seed: 10))
        let batch = try run(4, SamplingOptions(), seed: 9)
        XCTAssertEqual(batch, try run(4, SamplingOptions(), seed: 9))
        XCTAssertEqual(Set(batch).count, 4, "independent streams differ")
        XCTAssertTrue(batch.allSatisfy { $0.count == 40 && !$0.contains("<unk>") })
        // Greedy: every stream of a batch equals the single greedy stream.
        let greedy = try run(1, SamplingOptions(greedy: true), seed: 1)[0]
        XCTAssertEqual(try run(3, SamplingOptions(greedy: true), seed: 2), [greedy, greedy, greedy])
        // No prime and no newline in the vocabulary: a uniform first grapheme, then on.
        XCTAssertEqual(try run(2, SamplingOptions(), seed: 4, prime: []).map(\.count), [40, 40])
    }

    func testStopTracker() {
        var t = StopTracker(StopConditions(length: 100, stops: ["ab", "👨‍👩‍👧"]))
        XCTAssertFalse(t.add("x"))
        XCTAssertFalse(t.add("a"))
        XCTAssertTrue(t.add("b"), "a stop string across graphemes")
        var u = StopTracker(StopConditions(length: 100, stops: ["👨‍👩‍👧"]))
        XCTAssertFalse(u.add("👨"))
        XCTAssertFalse(u.add("a"))
        XCTAssertTrue(u.add("👨‍👩‍👧"))
        var lines = StopTracker(StopConditions(length: 100, maxLines: 2))
        XCTAssertFalse(lines.add("a"))
        XCTAssertFalse(lines.add("\r\n"))
        XCTAssertFalse(lines.add("b"))
        XCTAssertTrue(lines.add("\n"))
        var length = StopTracker(StopConditions(length: 2))
        XCTAssertFalse(length.add("a"))
        XCTAssertTrue(length.add("a"))
        // A long run without a match keeps the tail short and still matches later.
        var long = StopTracker(StopConditions(length: 100_000, stops: ["END"]))
        for _ in 0..<5_000 { XCTAssertFalse(long.add("x")) }
        XCTAssertLessThan(long.tail.count, 100)
        XCTAssertFalse(long.add("E")); XCTAssertFalse(long.add("N")); XCTAssertTrue(long.add("D"))
    }
}
