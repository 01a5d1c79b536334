// TextGenerator: N samples drawn as one batch of N streams.
//
// Dimension key: N streams, V vocabulary.
//
// All streams start from the same context (the prime; without one, a newline
// if the model knows it, else a first grapheme drawn uniformly from the
// vocabulary). Each step draws one grapheme per unfinished stream, in stream
// order, from one generator, then advances all N streams with one batched
// step (a GEMM per layer; GEMV when N = 1). The draws' uniform numbers are
// taken from the generator in stream order, and the draws themselves (softmax
// over V, inverse CDF) run per block of streams inside the step's fork. A stream finishes after `length`
// graphemes, after the grapheme that completes a stop string, or after the
// grapheme that ends its `maxLines`-th line. Same seed, model and settings ⇒
// the same graphemes. When no stream's draws depend on another's (argmax, or
// streams that end by length alone, so every round takes N numbers), each
// block of streams instead runs all its rounds on its own thread, taking its
// numbers from a copy of the generator (`drawBlocksApart`): the same
// graphemes, with one fork-join in all rather than one per grapheme. `feed`
// and `continueGenerating` run the same loop from a state the caller fed,
// without a reset (Predictor's completions).

/// When a stream of generated text ends.
import CharLSTMSupport

public struct StopConditions: Equatable, Sendable {
    /// Most graphemes to generate per stream (≥ 0).
    public var length: Int
    /// Stop right after the first occurrence of any of these (already normalized) in the generated text.
    public var stops: [String]
    /// Stop right after the grapheme that ends this many lines (≥ 1; nil: no limit).
    public var maxLines: Int?

    public init(length: Int, stops: [String] = [], maxLines: Int? = nil) {
        self.length = length
        self.stops = stops
        self.maxLines = maxLines
    }
}

/// Draws samples from a model, N streams at a time.
public final class TextGenerator {
    package let model: SamplingModel
    package let options: SamplingOptions
    /// N.
    package let streams: Int
    let inference: InferenceModel
    private let sampler: Sampler
    /// One sampler (its scratch) per block of streams a step runs on its own thread.
    private let samplers: [Sampler]
    /// The one generator every draw comes from.
    package private(set) var rng: RandomGenerator

    /// - Throws: `.streamCount` for fewer than 1 stream.
    public convenience init(model: SamplingModel, streams: Int, options: SamplingOptions, seed: UInt64) throws(SamplingError) {
        guard streams >= 1 else { throw .streamCount(streams) }
        self.init(model: model, checkedStreams: streams, options: options, seed: seed)
    }

    /// `init(model:streams:options:seed:)` for a stream count known to be at least 1.
    package init(model: SamplingModel, checkedStreams streams: Int, options: SamplingOptions, seed: UInt64) {
        self.model = model
        self.options = options
        self.streams = streams
        inference = model.makeInference(streams: streams)
        sampler = Sampler(vocab: model.vocab)
        samplers = [sampler] + (1..<max(inference.streamBlocks, 1)).map { _ in Sampler(vocab: model.vocab) }
        rng = RandomGenerator(seed: seed)
    }

    /// Generates from `prime` (ids; may be empty) until every stream stops.
    /// `emit(stream, grapheme)` is called for each generated grapheme in order
    /// per stream, as soon as it is drawn (when blocks of streams run apart, a
    /// later block's graphemes once its block is done; one call at a time in
    /// any case); `finished(stream)` once per stream, after its last grapheme.
    /// - Throws: `.idOutOfRange` for a prime id outside the vocabulary (nothing is generated).
    public func generate(prime: [Int], stop: StopConditions,
                         emit: (Int, String) -> Void, finished: (Int) -> Void) throws(SamplingError) {
        try SamplingModel.check(prime, vocab: model.vocab)
        generate(checkedPrime: prime, stop: stop, emit: emit, finished: finished)
    }

    /// `generate` for a prime known to be in the vocabulary.
    package func generate(checkedPrime prime: [Int], stop: StopConditions,
                          emit: (Int, String) -> Void, finished: (Int) -> Void) {
        inference.reset()
        if stop.length == 0 {
            for s in 0..<streams { finished(s) }
            return
        }
        // Context: the prime, else an implicit newline (not printed); with
        // neither, the first grapheme is uniform over the vocabulary (without <unk>).
        let uniformFirst = prime.isEmpty && model.newlineID == nil
        if !uniformFirst { feedChecked(prime.isEmpty ? [model.newlineID!] : prime) }
        draw(stop: stop, uniformFirst: uniformFirst, emit: emit, finished: finished)
    }

    /// Zeroes every stream's state (for `feed` and `continueGenerating`).
    public func reset() { inference.reset() }

    /// Feeds `ids` to every stream, continuing from the current state.
    /// - Throws: `.idOutOfRange` for an id outside the vocabulary (nothing is fed).
    public func feed(_ ids: [Int]) throws(SamplingError) {
        try SamplingModel.check(ids, vocab: model.vocab)
        feedChecked(ids)
    }

    /// `feed` for ids known to be in the vocabulary.
    private func feedChecked(_ ids: [Int]) {
        var step = [Int32](repeating: 0, count: streams)
        for id in ids {
            for s in 0..<streams { step[s] = Int32(id) }
            inference.step(unchecked: step)
        }
    }

    /// The logits (N×V) for the next grapheme of each stream, after the last `feed`.
    package var logits: UnsafePointer<Float> { inference.logits }

    /// Generates as `generate` does, but from the current state (what `feed`
    /// left; nothing is reset and no context is added). Afterwards every
    /// generated grapheme but the last has been fed.
    public func continueGenerating(stop: StopConditions, emit: (Int, String) -> Void, finished: (Int) -> Void) {
        if stop.length == 0 {
            for s in 0..<streams { finished(s) }
            return
        }
        draw(stop: stop, uniformFirst: false, emit: emit, finished: finished)
    }

    /// The draw loop: from the current logits until every stream stops.
    /// Each round emits the drawn graphemes in stream order, takes the next
    /// round's uniform numbers from `rng` in stream order (one per unfinished
    /// stream, none for an argmax: what drawing stream by stream takes), then
    /// steps; each block of streams draws its next graphemes from its logits
    /// on the thread that stepped it (`InferenceModel.step(unchecked:then:)`).
    private func draw(stop: StopConditions, uniformFirst: Bool,
                      emit: (Int, String) -> Void, finished: (Int) -> Void) {
        let N = streams, V = model.vocab, options = options
        // Per stream: the drawn id (the next step's input), whether it is
        // finished, and its next draw's uniform number. Blocks of streams
        // write their own entries from the threads that step them.
        let ids = UnsafeMutableBufferPointer<Int32>.allocate(capacity: N)
        let done = UnsafeMutableBufferPointer<Bool>.allocate(capacity: N)
        let uniforms = UnsafeMutableBufferPointer<Double>.allocate(capacity: N)
        defer { ids.deallocate(); done.deallocate(); uniforms.deallocate() }
        ids.initialize(repeating: 0)
        done.initialize(repeating: false)
        uniforms.initialize(repeating: 0)
        var trackers = (0..<N).map { _ in StopTracker(stop) }
        var remaining = N
        let logits = inference.logits, samplers = samplers, argmax = options.isArgmax
        for s in 0..<N {
            ids[s] = Int32(uniformFirst ? 1 + rng.nextInt(below: V - 1)
                                        : sampler.sample(logits + s * V, options: options, rng: &rng))
        }
        let apart = inference.stepsBlocksInParallel && (argmax || trackers[0].endsByLengthAlone)
        while true {
            for s in 0..<N where !done[s] {
                let g = model.vocabulary.token(Int(ids[s]))
                emit(s, g)
                if trackers[s].add(g) { done[s] = true; remaining -= 1; finished(s) }
            }
            if remaining == 0 { return }
            if apart {
                // No stream's draws depend on another's: each block runs to its end on its own thread.
                drawBlocksApart(ids: ids, done: done, uniforms: uniforms, trackers: trackers, emit: emit, finished: finished)
                return
            }
            if !argmax { for s in 0..<N where !done[s] { uniforms[s] = rng.nextDouble() } }
            inference.step(unchecked: ids.baseAddress!) { block, range in
                let sampler = samplers[block]
                for s in range where !done[s] {
                    ids[s] = Int32(sampler.sample(logits + s * V, options: options, uniform: uniforms[s]))
                }
            }
        }
    }
}

extension TextGenerator {
    /// The draw loop when no stream's draws depend on another's: with argmax
    /// (no uniform numbers), or when streams end by length alone (every
    /// unfinished stream draws in every round, so stream s's uniform in round r
    /// is the generator's number r·N + s from here, and each block takes its
    /// own from a copy of the generator). Each block of streams then runs all
    /// its rounds on its own thread (`InferenceModel.forEachBlock`): one
    /// fork-join in all instead of one per grapheme. Every stream draws what
    /// the round-by-round loop draws for it. Block 0's graphemes are emitted as
    /// drawn, from the thread that steps them (the only thread that calls `emit`
    /// and `finished` meanwhile); each later block's are kept and emitted
    /// stream by stream, in order, once all blocks are done. Afterwards `rng`
    /// stands where the round-by-round loop leaves it.
    /// `ids` (N): the first round's draws, already emitted; `done`, `trackers`: after that round.
    fileprivate func drawBlocksApart(ids: UnsafeMutableBufferPointer<Int32>, done: UnsafeMutableBufferPointer<Bool>,
                                     uniforms: UnsafeMutableBufferPointer<Double>, trackers: [StopTracker],
                                     emit: (Int, String) -> Void, finished: (Int) -> Void) {
        let N = streams, V = model.vocab, options = options, argmax = options.isArgmax
        let logits = inference.logits, samplers = samplers, vocabulary = model.vocabulary
        let blocks = inference.streamBlocks
        // Per block: its streams' trackers and, for blocks after the first, the ids they drew (per stream).
        let tracked = UnsafeMutableBufferPointer<StopTracker>.allocate(capacity: N)
        _ = tracked.initialize(from: trackers)
        let kept = UnsafeMutableBufferPointer<[Int32]>.allocate(capacity: N)
        kept.initialize(repeating: [])
        let ends = UnsafeMutableBufferPointer<RandomGenerator>.allocate(capacity: blocks)
        _ = ends.initialize(from: repeatElement(rng, count: blocks))
        defer {
            tracked.deinitialize().deallocate(); kept.deinitialize().deallocate()
            ends.deinitialize().deallocate()
        }
        inference.forEachBlock { block, range in
            var rng = ends[block], left = range.count(where: { !done[$0] })
            let sampler = samplers[block]
            while left > 0 {
                if !argmax {
                    // Round r's numbers r·N ..< (r + 1)·N: the ones before this block's, its own, the ones after.
                    for _ in 0..<range.lowerBound { _ = rng.next() }
                    for s in range { uniforms[s] = rng.nextDouble() }
                    for _ in range.upperBound..<N { _ = rng.next() }
                }
                inference.step(block: range, ids: UnsafePointer(ids.baseAddress!))
                for s in range where !done[s] {
                    let id = Int32(sampler.sample(logits + s * V, options: options, uniform: uniforms[s]))
                    ids[s] = id
                    let g = vocabulary.token(Int(id))
                    if block == 0 { emit(s, g) } else { kept[s].append(id) }
                    if tracked[s].add(g) {
                        done[s] = true
                        left -= 1
                        if block == 0 { finished(s) }
                    }
                }
            }
            ends[block] = rng
        }
        // The later blocks' streams, each whole; one that ended in the first
        // round (kept nothing) was finished then.
        for s in inference.blockStreams(1).lowerBound ..< N where !kept[s].isEmpty {
            for id in kept[s] { emit(s, vocabulary.token(Int(id))) }
            finished(s)
        }
        // Every block took as many rounds' numbers (with argmax, none).
        rng = ends[0]
    }
}

/// Tracks one stream's length, lines and stop strings.
struct StopTracker {
    let length: Int
    let stops: [[UInt8]]
    let maxLines: Int?
    var produced = 0
    var lines = 0
    /// The last generated bytes (enough to hold the longest stop string).
    var tail: [UInt8] = []
    let keep: Int

    init(_ c: StopConditions) {
        length = c.length
        stops = c.stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        maxLines = c.maxLines
        keep = stops.map(\.count).max() ?? 0
    }

    /// Whether the stream ends after `length` graphemes and nothing else.
    var endsByLengthAlone: Bool { stops.isEmpty && maxLines == nil }

    /// Records grapheme `g`; true when the stream must stop after it.
    mutating func add(_ g: String) -> Bool {
        produced += 1
        var stop = produced >= length
        if let maxLines, g.utf8.contains(0x0A) || g == "\r" {
            lines += 1
            if lines >= maxLines { stop = true }
        }
        if keep > 0 {
            let start = tail.count
            tail.append(contentsOf: g.utf8)
            // A stop string counts if it ends inside this grapheme's bytes.
            search: for s in stops where s.count <= tail.count {
                let firstEnd = max(start + 1, s.count)
                if firstEnd > tail.count { continue }
                for end in firstEnd...tail.count where tail[(end - s.count)..<end].elementsEqual(s) {
                    stop = true
                    break search
                }
            }
            if tail.count > 4 * keep + 64 { tail.removeFirst(tail.count - keep) }
        }
        return stop
    }
}
