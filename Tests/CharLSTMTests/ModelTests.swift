// Model behaviour: carried state, the sampling path, learning, determinism.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

/// Runs `model` forward over `ids` (one stream) in windows of `chunk` steps, carrying state.
private func sequenceLoss(_ model: Model<Float>, _ ids: [Int32], chunk: Int, rowLoss: inout [Double]) -> Double {
    let state = model.makeState(batch: 1)
    var rng = RandomGenerator(seed: 0)
    var total = 0.0
    var start = 0
    while start < ids.count - 1 {
        let n = min(chunk, ids.count - 1 - start)
        let inputs = Array(ids[start..<(start + n)]), targets = Array(ids[(start + 1)...(start + n)])
        var rows = [Double](repeating: 0, count: n)
        total += rows.withUnsafeMutableBufferPointer { r in
            model.forward(inputs: inputs, targets: targets, steps: n, state: state, training: false, rng: &rng, rowLoss: r.baseAddress)
        }
        rowLoss += rows
        start += n
    }
    return total
}

final class ModelTests: XCTestCase {
    private func model(_ cell: CellKind, layers: Int = 2, seed: UInt64 = 1) -> Model<Float> {
        let m = Model<Float>(config: ModelConfig(cell: cell, layers: layers, embed: 6, hidden: 9, vocab: 11))
        var rng = RandomGenerator(seed: seed)
        m.initialize(rng: &rng)
        return m
    }

    private func randomIDs(_ n: Int, seed: UInt64) -> [Int32] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in Int32(rng.nextInt(below: 11)) }
    }

    /// Running a sequence in 3 chunks while carrying (h, c) equals running it in one pass.
    func testChunkedEqualsWhole() {
        for cell in CellKind.allCases {
            let m = model(cell)
            let ids = randomIDs(31, seed: 5)
            var whole = [Double](), chunked = [Double]()
            let a = sequenceLoss(m, ids, chunk: 30, rowLoss: &whole)
            let b = sequenceLoss(m, ids, chunk: 10, rowLoss: &chunked)
            XCTAssertEqual(whole.count, 30)
            XCTAssertEqual(a, b, accuracy: 1e-4, "\(cell)")
            for (x, y) in zip(whole, chunked) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(cell)") }
            // And carrying state matters: restarting from zero at each chunk differs.
            var fresh = [Double]()
            for s in stride(from: 0, to: 30, by: 10) {
                var part = [Double]()
                _ = sequenceLoss(m, Array(ids[s...(s + 10)]), chunk: 10, rowLoss: &part)
                fresh += part
            }
            XCTAssertGreaterThan(zip(whole, fresh).map { abs($0 - $1) }.max()!, 1e-4, "\(cell) state carried")
        }
    }

    /// The one-step sampling path gives the training path's probabilities, for 1 and 3 streams.
    func testInferenceModelMatchesWindowForward() throws {
        for cell in CellKind.allCases {
            for layers in [1, 3] {
                let m = model(cell, layers: layers, seed: 9)
                let streams = 3, steps = 7, V = 11
                let ids = randomIDs(streams * (steps + 1), seed: 11)   // time-major (T+1, B)
                let inputs = Array(ids[0..<(steps * streams)]), targets = Array(ids[streams...])
                var rng = RandomGenerator(seed: 0)
                _ = m.forward(inputs: inputs, targets: targets, steps: steps, state: m.makeState(batch: streams), training: false, rng: &rng)
                let probs = m.probabilities
                for n in [1, streams] {
                    let inf = try InferenceModel(config: m.config, parameters: m.parameters.array, streams: n)
                    for t in 0..<steps {
                        let row = Array(inputs[(t * streams)..<(t * streams + n)])
                        let logits = row.withUnsafeBufferPointer { inf.step(unchecked: $0.baseAddress!) }
                        for s in 0..<n {
                            let l = (0..<V).map { logits[s * V + $0] }
                            let mx = l.max()!
                            let e = l.map { expf($0 - mx) }, z = e.reduce(0, +)
                            for v in 0..<V {
                                XCTAssertEqual(e[v] / z, probs[(t * streams + s) * V + v], accuracy: 1e-5, "\(cell) L\(layers) N\(n) t\(t)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Batch-1 products split across two cores (gemv_pair) give the same bits as
    /// one core, for binary32 and binary16 weights, on widths around the split.
    func testPairedBatchOneProductsAreBitIdentical() throws {
        for cell in CellKind.allCases {
            for hidden in [33, 40, 70] {   // 4H = 132, 160, 280: odd splits, tails, several strips
                let cfg = ModelConfig(cell: cell, layers: 2, embed: 6, hidden: hidden, vocab: 130)
                let m = Model<Float>(config: cfg)
                var rng = RandomGenerator(seed: 5)
                m.initialize(rng: &rng)
                for half in [false, true] {
                    let single = try InferenceModel(config: cfg, parameters: m.parameters.array, halfPrecision: half,
                                                    compute: ComputeThreads(threads: 1))
                    let paired = try InferenceModel(config: cfg, parameters: m.parameters.array, halfPrecision: half,
                                                    compute: ComputeThreads(threads: 2, pairThreshold: 1))
                    XCTAssertFalse(single.usesSecondCore)
                    XCTAssertTrue(paired.usesSecondCore)
                    var differing = 0
                    for id in randomIDs(20, seed: 9) {
                        var i = id % 130
                        let a = single.step(unchecked: &i), b = paired.step(unchecked: &i)
                        for v in 0..<130 where a[v].bitPattern != b[v].bitPattern { differing += 1 }
                    }
                    XCTAssertEqual(differing, 0, "\(cell) H\(hidden) half=\(half)")
                }
            }
        }
    }

    /// Binary16 weights in the batch-1 path: on weights that binary16 represents
    /// exactly (a `--half` checkpoint) the logits equal the Float32 path's.
    func testHalfPrecisionInferenceMatchesOnHalfExactWeights() throws {
        for cell in CellKind.allCases {
            for (layers, hidden) in [(1, 9), (3, 40)] {   // 4H = 160 exercises the 64-wide blocks and the tail
                let cfg = ModelConfig(cell: cell, layers: layers, embed: 6, hidden: hidden, vocab: 11)
                let m = Model<Float>(config: cfg)
                var rng = RandomGenerator(seed: 31)
                m.initialize(rng: &rng)
                let exact = m.parameters.array.map { Float(Float16($0)) }
                let full = try InferenceModel(config: cfg, parameters: exact)
                let half = try InferenceModel(config: cfg, parameters: exact, halfPrecision: true)
                XCTAssertTrue(half.halfPrecision)
                let ids = randomIDs(12, seed: 2)
                var worst: Float = 0
                for id in ids {
                    var i = id
                    let a = full.step(unchecked: &i), b = half.step(unchecked: &i)
                    for v in 0..<11 { worst = max(worst, abs(a[v] - b[v]) / max(1, abs(a[v]))) }
                }
                XCTAssertLessThan(worst, 1e-5, "\(cell) L\(layers) H\(hidden)")
                // And it is really reading the binary16 copy: Float32 weights that
                // binary16 cannot represent give (slightly) different logits.
                let rounded = try InferenceModel(config: cfg, parameters: m.parameters.array, halfPrecision: true)
                let plain = try InferenceModel(config: cfg, parameters: m.parameters.array)
                var i = ids[0]
                let x = rounded.step(unchecked: &i), y = plain.step(unchecked: &i)
                XCTAssertGreaterThan((0..<11).map { abs(x[$0] - y[$0]) }.max()!, 0, "\(cell)")
            }
        }
    }

    /// A corpus with a long-range dependency: "(" + k letters + ")" must close after
    /// exactly the letters, and each letter run repeats one of a few patterns.
    private func bracketCorpus(_ length: Int) -> [Int32] {
        var rng = RandomGenerator(seed: 17)
        let patterns: [[Int32]] = [[3, 4, 5, 6], [4, 4, 7], [5, 8, 3, 3, 9], [6, 7]]
        var out = [Int32]()
        while out.count < length {
            out.append(1)                                    // "("
            out += patterns[rng.nextInt(below: patterns.count)]
            out.append(2)                                    // ")"
            out.append(10)                                   // " "
        }
        return Array(out.prefix(length))
    }

    private func train(_ cell: CellKind, steps: Int, lr: Double) -> Double {
        let cfg = ModelConfig(cell: cell, layers: 1, embed: 8, hidden: 32, vocab: 11)
        let m = Model<Float>(config: cfg)
        var rng = RandomGenerator(seed: 1234)
        m.initialize(rng: &rng)
        let opt = Optimizer<Float>(kind: .adam, parameterCount: m.parameterCount)
        let step = TrainingStep(gradClip: 5, explodingLoss: TrainingStep.explodingLoss(vocab: cfg.vocab))
        let data = bracketCorpus(4000)
        let (B, T) = (8, 20)
        let span = data.count / B
        let state = m.makeState(batch: B)
        var pos = 0, last = [Double]()
        var inputs = [Int32](repeating: 0, count: T * B), targets = inputs
        for _ in 0..<steps {
            if pos + T + 1 > span { pos = 0; state.reset() }
            for t in 0..<T { for b in 0..<B { inputs[t * B + b] = data[b * span + pos + t]; targets[t * B + b] = data[b * span + pos + t + 1] } }
            pos += T
            switch step.run(model: .forward(m), optimizer: opt, inputs: inputs, targets: targets, steps: T,
                            state: state, rng: &rng, learningRate: lr) {
            case .updated(let loss, _): last.append(loss.mean)
            case .failed(let failure): XCTFail("\(cell) step \(last.count + 1): \(failure)"); return .nan
            }
        }
        return last.suffix(20).reduce(0, +) / 20
    }

    // Entropy floor of the corpus: only the choice of pattern (4 ways, once per ~6
    // graphemes) is unpredictable: ln 4 / 6.25 ≈ 0.22 nats per grapheme. A model that
    // ignores context sits near 2 nats. Thresholds are per cell, with a fixed seed.
    func testLSTMLearnsBrackets() { XCTAssertLessThan(train(.lstm, steps: 300, lr: 1e-2), 0.30) }
    func testGRULearnsBrackets() { XCTAssertLessThan(train(.gru, steps: 300, lr: 1e-2), 0.30) }
    func testRNNLearnsBrackets() { XCTAssertLessThan(train(.rnn, steps: 300, lr: 5e-3), 0.35) }

    /// Splitting the recurrence and the large products across threads changes
    /// nothing but rounding: loss, gradients and final state agree with one thread.
    func testThreadedComputeMatchesSingleThread() {
        for cell in CellKind.allCases {
            let cfg = ModelConfig(cell: cell, layers: 2, embed: 16, hidden: 40, vocab: 11)
            func run(threads: Int) -> (Double, [Float], [Float]) {
                // parallelGemmThreshold 0: split every product, however small
                let m = Model<Float>(config: cfg, compute: ComputeThreads(threads: threads, parallelGemmThreshold: 0))
                var rng = RandomGenerator(seed: 21)
                m.initialize(rng: &rng)
                let (B, T) = (24, 7)   // B ≥ 2 · minimumRowsPerThread, so the time loop splits
                let ids = randomIDs(B * (T + 1), seed: 8)
                let state = m.makeState(batch: B)
                m.gradients.zero()
                let loss = m.forward(inputs: Array(ids[0..<(T * B)]), targets: Array(ids[B...]), steps: T,
                                     state: state, training: true, rng: &rng)
                m.backward(lossScale: 1 / Float(T * B))
                return (loss, m.gradients.array, state.flattened())
            }
            let one = run(threads: 1), two = run(threads: 2)
            XCTAssertEqual(one.0, two.0, accuracy: 1e-4 * abs(one.0), "\(cell) loss")
            let gScale = one.1.map { abs($0) }.max()!
            XCTAssertGreaterThan(gScale, 0)
            for (a, b) in zip(one.1, two.1) { XCTAssertEqual(a, b, accuracy: 1e-4 * gScale, "\(cell) gradient") }
            for (a, b) in zip(one.2, two.2) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(cell) state") }
        }
    }

    /// Same seed ⇒ bitwise-identical parameters after N steps.
    func testSameSeedSameParameters() {
        func run() -> [Float] {
            let cfg = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 7, vocab: 11, dropout: 0.2)
            let m = Model<Float>(config: cfg)
            var rng = RandomGenerator(seed: 77)
            m.initialize(rng: &rng)
            let opt = Optimizer<Float>(kind: .adam, parameterCount: m.parameterCount)
            let ids = randomIDs(400, seed: 4)
            let state = m.makeState(batch: 4)
            let step = TrainingStep(gradClip: 5, explodingLoss: TrainingStep.explodingLoss(vocab: cfg.vocab))
            for s in 0..<10 {
                let base = s * 36
                let inputs = Array(ids[base..<(base + 36)]), targets = Array(ids[(base + 1)..<(base + 37)])
                if case .failed(let failure) = step.run(model: .forward(m), optimizer: opt, inputs: inputs, targets: targets,
                                                        steps: 9, state: state, rng: &rng, learningRate: 2e-3) {
                    XCTFail("step \(s + 1): \(failure)")
                }
            }
            return m.parameters.array
        }
        let a = run(), b = run()
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
    }
}
