// The batched generator's draws: TextGenerator takes each round's uniform
// numbers from its one generator in stream order (one per unfinished stream,
// none for an argmax), and blocks of streams draw inside the step's fork on
// their own threads. The graphemes must be those of the plain serial loop
// (draw stream by stream with `rng`, then step), with streams finishing at
// different times (stop strings, line limits), on one thread and on two.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class BatchDrawTests: XCTestCase {
    /// A 2×16 LSTM over "a"…"h" and a newline (V = 10), small enough for blocks of streams.
    func model(threads: Int) throws -> SamplingModel {
        let tokens = (0..<8).map { String(UnicodeScalar(UInt8(97 + $0))) } + ["\n"]
        let vocabulary = try Vocabulary(graphemes: tokens)
        let config = ModelConfig(cell: .lstm, layers: 2, embed: 5, hidden: 16, vocab: 10)
        let m = Model<Float>(config: config)
        var rng = RandomGenerator(seed: 23)
        m.initialize(rng: &rng)
        return try SamplingModel(checkpoint: Checkpoint(config: config, metadata: CheckpointMetadata(), vocabulary: vocabulary,
                                                        parameters: m.parameters.array, training: nil),
                                 threads: threads)
    }

    /// The serial loop: every unfinished stream draws in stream order from `rng`, then all step.
    /// Returns each stream's text and the generator where the loop leaves it.
    func serial(_ lm: SamplingModel, streams N: Int, options: SamplingOptions, seed: UInt64, prime: [Int],
                stop: StopConditions) throws -> (texts: [String], rng: RandomGenerator) {
        let inference = lm.makeInference(streams: N)
        let sampler = Sampler(vocab: lm.vocab)
        var rng = RandomGenerator(seed: seed)
        for id in prime { try inference.step(Array(repeating: Int32(id), count: N)) }
        var out = [String](repeating: "", count: N)
        var trackers = (0..<N).map { _ in StopTracker(stop) }
        var done = [Bool](repeating: false, count: N)
        var ids = [Int32](repeating: 0, count: N)
        var logits = inference.logits
        while true {
            for s in 0..<N where !done[s] {
                ids[s] = Int32(sampler.sample(logits + s * lm.vocab, options: options, rng: &rng))
                let g = lm.vocabulary.token(Int(ids[s]))
                out[s] += g
                if trackers[s].add(g) { done[s] = true }
            }
            if done.allSatisfy({ $0 }) { return (out, rng) }
            logits = inference.step(unchecked: ids)
        }
    }

    func testBlocksOfStreamsDrawWhatTheSerialLoopDraws() throws {
        let stops = [StopConditions(length: 90, stops: ["ab", "hc"]), StopConditions(length: 70, maxLines: 2),
                     StopConditions(length: 50)]
        let options = [SamplingOptions(), SamplingOptions(temperature: 0.6, topK: 4),
                       SamplingOptions(temperature: 1.4, topP: 0.8), SamplingOptions(greedy: true)]
        for threads in [1, 2] {
            let lm = try model(threads: threads)
            for N in [1, 3, 8] {
                for (i, option) in options.enumerated() {
                    var lengths: Set<Int> = []
                    for (j, stop) in stops.enumerated() {
                        let seed = UInt64(100 * N + 10 * i + j)
                        let generator = try TextGenerator(model: lm, streams: N, options: option, seed: seed)
                        if threads == 2 && N == 8 {
                            XCTAssertGreaterThan(generator.inference.streamBlocks, 1, "the blocks' path is tested")
                        }
                        var out = [String](repeating: "", count: N)
                        try generator.generate(prime: [3, 9], stop: stop, emit: { out[$0] += $1 }, finished: { _ in })
                        let expected = try serial(lm, streams: N, options: option, seed: seed, prime: [3, 9], stop: stop).texts
                        XCTAssertEqual(out, expected, "threads \(threads) N \(N) options \(i) stop \(j)")
                        if j < 2 { lengths.formUnion(out.map(\.count)) }
                    }
                    if N == 8 && i < 3 {
                        // Streams finish at different rounds, so the uniform numbers' order matters.
                        XCTAssertGreaterThan(lengths.count, 2, "options \(i)")
                    }
                }
            }
        }
    }

    /// With argmax, or streams that end by length alone, no stream's draws
    /// wait for another's, and each block of streams runs all its rounds on its
    /// own thread (`drawBlocksApart`): the same graphemes as the serial loop,
    /// `finished` once per stream after its last grapheme, and the generator
    /// left where the serial loop leaves it.
    func testBlocksThatRunApartDrawWhatTheSerialLoopDraws() throws {
        let lm = try model(threads: 2)
        let cases: [(SamplingOptions, StopConditions)] = [
            (SamplingOptions(), StopConditions(length: 120)),
            (SamplingOptions(temperature: 0.7, topK: 3), StopConditions(length: 2)),
            (SamplingOptions(greedy: true), StopConditions(length: 80, stops: ["ha"], maxLines: 3)),
        ]
        for N in [4, 5, 8] {
            for (i, (option, stop)) in cases.enumerated() {
                let seed = UInt64(7 * N + i)
                let generator = try TextGenerator(model: lm, streams: N, options: option, seed: seed)
                XCTAssertTrue(generator.inference.stepsBlocksInParallel, "N \(N): the blocks run apart")
                var out = [String](repeating: "", count: N)
                var finishedAt = [Int](repeating: -1, count: N), events = 0
                try generator.generate(prime: [3, 9], stop: stop, emit: { s, g in
                    XCTAssertEqual(finishedAt[s], -1, "stream \(s) emits after it finished")
                    out[s] += g
                    events += 1
                }, finished: { s in
                    XCTAssertEqual(finishedAt[s], -1, "stream \(s) finished twice")
                    finishedAt[s] = events
                })
                let expected = try serial(lm, streams: N, options: option, seed: seed, prime: [3, 9], stop: stop)
                XCTAssertEqual(out, expected.texts, "N \(N) case \(i)")
                XCTAssertFalse(finishedAt.contains(-1), "every stream finished: N \(N) case \(i)")
                XCTAssertEqual(generator.rng, expected.rng, "the generator's state afterwards: N \(N) case \(i)")
            }
        }
    }
}
