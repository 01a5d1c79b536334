// HoleFiller: restores missing graphemes ("holes") in otherwise known text.
//
// Dimension key: n graphemes of text, V vocabulary, H hidden.
//
// With a bidirectional model (see BidirectionalModel) each hole h gets
// p(x_h | everything but x_h) from one forward pass over the text around it;
// holes are filled jointly by iterative refinement:
//   round 0: every hole is fed as <unk>; each hole takes its most likely grapheme
//   round r: the text with all holes filled is run again and each hole is
//            re-predicted with the others filled (x_h itself is never seen);
//            only every other hole is updated (red-black: the even-numbered
//            ones in odd rounds, the odd-numbered ones in even rounds), so two
//            neighbouring holes never change at once and cannot swap forever
//   stop after two rounds in a row change nothing, or after `rounds` rounds.
// Long texts run in windows: a core of `core` graphemes plus up to `context`
// graphemes on each side, only for cores that hold a hole; so memory stays
// bounded and text far from any hole costs nothing. Windows of the same
// length (all but those at the ends of the text) run as parallel streams of
// one batch, so the per-step products are small GEMMs rather than GEMVs.
//
// With a left-to-right model only the left context exists: the text is fed
// from the start, and at each hole the model's most likely grapheme is chosen
// and fed on (a greedy completion of each hole). This is the baseline a
// bidirectional model is measured against.
//
// Candidates carry the model's own probabilities (temperature 1, normalised
// over the whole vocabulary including <unk>, as `predict` reports them);
// <unk> is never chosen.

/// One candidate for a hole: a grapheme id and its probability.
import CharLSTMSupport
import CharLSTMText
import CharLSTMModel
import CharLSTMCheckpoint

public struct FillCandidate: Equatable, Sendable {
    public var id: Int
    public var probability: Double
}

/// A filled hole: its position (grapheme index in the text) and the ranked
/// candidates from the last round; `candidates[0]` is the grapheme filled in.
public struct FilledHole: Equatable, Sendable {
    public var position: Int
    public var candidates: [FillCandidate]
}

/// Fills holes in text with a bidirectional model (both sides) or a
/// left-to-right model (left side only).
public final class HoleFiller {
    package let config: ModelConfig
    package let vocabulary: Vocabulary
    package let metadata: CheckpointMetadata
    /// The segmenter with the model's normalization.
    package let tokenizer: GraphemeTokenizer
    /// Graphemes of a window's core, and of context on each side of it.
    package let core: Int, context: Int

    private let bidirectional: BidirectionalModel<Float>?
    private let leftToRight: SamplingModel?
    /// a batch of windows' ids, (T, B) time-major, T ≤ core + 2·context
    private var windowIds: [Int32] = []
    /// log-probabilities of one position, (V), for ranking
    private var logProbabilities: [Float]

    /// `weightsAreHalfExact` as for SamplingModel (the file stored binary16 weights).
    /// - Throws: `.vocabularySize`, `.parameterCount` or `.invalidConfig` when
    ///   the checkpoint's parts do not fit its config.
    /// `threads`: the compute threads (≥ 1) the windows are run on.
    public init(checkpoint: Checkpoint, weightsAreHalfExact: Bool? = nil, core: Int = 256,
                context: Int = 128, threads: Int = 1) throws(SamplingError) {
        try SamplingModel.checkFits(checkpoint)
        config = checkpoint.config
        vocabulary = checkpoint.vocabulary
        metadata = checkpoint.metadata
        tokenizer = GraphemeTokenizer(normalization: checkpoint.config.normalization)
        self.core = max(1, core)
        self.context = max(0, context)
        logProbabilities = [Float](repeating: 0, count: checkpoint.config.vocab)
        switch checkpoint.config.direction {
        case .bidirectional:
            let model = BidirectionalModel<Float>(config: checkpoint.config, compute: ComputeThreads(threads: threads))
            checkpoint.parameters.withUnsafeBufferPointer { model.parameters.base.update(from: $0.baseAddress!, count: $0.count) }
            bidirectional = model
            leftToRight = nil
        case .forward:
            bidirectional = nil
            leftToRight = try SamplingModel(checkpoint: checkpoint, weightsAreHalfExact: weightsAreHalfExact, threads: threads)
        }
    }

    /// Reads and validates the checkpoint at `path` (either direction).
    public convenience init(path: String, threads: Int = 1) throws(CheckpointError) {
        let (checkpoint, file) = try CheckpointFile.readWithInfo(path)
        do {
            try self.init(checkpoint: checkpoint, weightsAreHalfExact: file.halfWeights, threads: threads)
        } catch {
            // The decoder has checked these sizes already.
            throw .inconsistent(path: path, what: error.description)
        }
    }

    /// Whether holes are filled from both sides (a bidirectional model).
    package var readsBothSides: Bool { bidirectional != nil }

    /// Fills `holes` (grapheme positions in `ids`, any order, no duplicates;
    /// the ids at holes are ignored). Returns one FilledHole per hole, by
    /// position, each with the `top` (≥ 1) most likely candidates from its
    /// last prediction. At most `rounds` (≥ 1) passes over the text, the first
    /// included (bidirectional models only; see the file header).
    /// - Throws: `.idOutOfRange` for an id outside the vocabulary, `.invalidHole`
    ///   for a hole outside `ids` or given twice (nothing is filled).
    public func fill(ids: [Int], holes: [Int], top: Int, rounds: Int = 5) throws(SamplingError) -> [FilledHole] {
        try SamplingModel.check(ids, vocab: config.vocab)
        let holes = holes.sorted()
        for (k, h) in holes.enumerated() where h < 0 || h >= ids.count || (k > 0 && holes[k - 1] == h) {
            throw .invalidHole(position: h, count: ids.count)
        }
        guard !holes.isEmpty else { return [] }
        if leftToRight != nil { return fillLeftToRight(ids: ids, holes: holes, top: max(1, top)) }
        var current = ids
        for h in holes { current[h] = Vocabulary.unknownID }
        var result = predictBothSides(current, holes: holes, top: max(1, top))
        for r in result { current[r.position] = r.candidates[0].id }
        // One hole never sees itself, so refining could not change it.
        if holes.count == 1 { return result }
        var quietRounds = 0
        for round in 1..<max(1, rounds) {
            // Red-black refinement: even-numbered holes in odd rounds, odd-numbered
            // in even rounds, so two neighbouring holes never change at once (they
            // could swap forever, each following the other's old value).
            let parity = (round + 1) % 2
            let again = predictBothSides(current, holes: holes, top: max(1, top))
            var changed = false
            for k in stride(from: parity, to: holes.count, by: 2) {
                result[k] = again[k]
                if current[holes[k]] != again[k].candidates[0].id {
                    current[holes[k]] = again[k].candidates[0].id
                    changed = true
                }
            }
            quietRounds = changed ? 0 : quietRounds + 1
            if quietRounds == 2 { break }   // a red and a black round without change
        }
        return result
    }

    // MARK: - Both sides

    /// The windows the text is run in: one per core of `core` graphemes that
    /// holds a hole, with up to `context` graphemes on each side.
    private struct Window {
        /// Graphemes lo..<hi of the text.
        var lo: Int, hi: Int
        /// Indices (into the sorted holes) of the holes in the core.
        var holes: Range<Int>
        var length: Int { hi - lo }
    }

    /// Most windows (all but those at the ends of the text) have the same length
    /// and run together, as parallel streams of one batch of at most this many.
    static let maxBatch = 16

    /// One prediction for every hole from the text `ids` as it stands.
    private func predictBothSides(_ ids: [Int], holes: [Int], top: Int) -> [FilledHole] {
        guard let model = bidirectional else { return [] }
        let n = ids.count, V = config.vocab
        var windows: [Window] = []
        var next = 0
        while next < holes.count {
            let start = holes[next] / core * core, end = min(n, start + core)
            var last = next
            while last < holes.count, holes[last] < end { last += 1 }
            windows.append(Window(lo: max(0, start - context), hi: min(n, end + context), holes: next..<last))
            next = last
        }
        // Group windows of equal length (in text order), then run each group in batches.
        var groups: [Int: [Int]] = [:]
        for (w, window) in windows.enumerated() { groups[window.length, default: []].append(w) }
        var out = [FilledHole](repeating: FilledHole(position: 0, candidates: []), count: holes.count)
        var unused = RandomGenerator(seed: 0)   // no dropout at inference
        for length in groups.keys.sorted() {
            let members = groups[length]!
            for first in stride(from: 0, to: members.count, by: Self.maxBatch) {
                let batch = members[first..<min(members.count, first + Self.maxBatch)].map { windows[$0] }
                let B = batch.count
                // (T, B) time-major ids: row t·B + b is grapheme lo_b + t.
                windowIds.removeAll(keepingCapacity: true)
                for t in 0..<length { for w in batch { windowIds.append(Int32(ids[w.lo + t])) } }
                windowIds.withUnsafeBufferPointer { x in
                    _ = model.forward(inputs: x.baseAddress!, targets: x.baseAddress!, steps: length,
                                      state: model.makeState(batch: B), training: false, rng: &unused)
                }
                let p = model.probabilities
                for (b, w) in batch.enumerated() {
                    for k in w.holes {
                        let row = p + ((holes[k] - w.lo) * B + b) * V
                        for v in 0..<V { logProbabilities[v] = row[v] > 0 ? Float.log(row[v]) : -.infinity }
                        out[k] = FilledHole(position: holes[k], candidates: rank(top: top))
                    }
                }
            }
        }
        return out
    }

    // MARK: - Left side only

    private func fillLeftToRight(ids: [Int], holes: [Int], top: Int) -> [FilledHole] {
        guard let lm = leftToRight else { return [] }
        let inference = lm.makeInference(streams: 1)
        var id: [Int32] = [0]
        func feed(_ i: Int) {
            id[0] = Int32(i)
            id.withUnsafeBufferPointer { _ = inference.step(unchecked: $0.baseAddress!) }
        }
        // A hole at the very start has no left context: condition it on a line
        // break (text starts after one) when the model knows it.
        if holes[0] == 0, let nl = lm.newlineID { feed(nl) }
        var out: [FilledHole] = []
        var next = 0
        for t in 0..<ids.count {
            var x = ids[t]
            if next < holes.count, holes[next] == t {
                let logits = inference.logits
                for v in 0..<config.vocab { logProbabilities[v] = logits[v] }
                let hole = FilledHole(position: t, candidates: rank(top: top))
                x = hole.candidates[0].id
                out.append(hole)
                next += 1
                if next == holes.count { break }
            }
            feed(x)
        }
        return out
    }

    /// The `top` most likely ids in `logProbabilities` (treated as logits), never `<unk>`.
    private func rank(top: Int) -> [FillCandidate] {
        logProbabilities.withUnsafeBufferPointer { l in
            ModelDistribution.ranked(l.baseAddress!, count: config.vocab, top: top).map {
                FillCandidate(id: $0.id, probability: $0.probability)
            }
        }
    }
}
