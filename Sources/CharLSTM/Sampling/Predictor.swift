// Predictor: what a model expects after some text — the ranked next graphemes,
// or a greedy completion — for `charlstm predict`.
//
// Dimension key: V vocabulary.
//
// The context is fed to one stream of a greedy TextGenerator, so a completion
// is TextGenerator's own draw loop continued from that state (the same
// graphemes as `sample --greedy --prime TEXT`). Ranked probabilities are the
// model's own (`ModelDistribution.ranked`: temperature 1 over all V, `<unk>`
// never listed), the same that TextScorer turns into bits.
//
// Streaming (`feedLine`): each line starts from the zero state, or, with
// `carry`, continues from the previous one with a line break fed between
// lines (`<unk>` if the model has no line break). A completion advances the
// state through its graphemes but the last, so with `carry` the next line
// continues after them.
//
// Adapting (`init(model:adapting:)`, `predict --adapt`): everything fed is
// first read by a DynamicEvaluator, which takes an update after every K
// graphemes and at the end of each `feed` (so after every line with --lines),
// then fed to the generator, which steps the adapted weights. Completions are
// the model's own text: it does not learn from them.

/// One ranked candidate for the next grapheme.
public struct RankedGrapheme: Equatable, Sendable {
    public var id: Int
    /// The grapheme (unescaped).
    public var grapheme: String
    /// q_id over the whole vocabulary.
    public var probability: Double
}

/// Feeds text to a model and reports its predictions for what follows.
public final class Predictor {
    public let model: SamplingModel
    private let generator: TextGenerator
    /// Whether anything has been fed since the last `restart`.
    public private(set) var hasContext = false
    /// Whether `feedLine` has seen a line since the last `restart`.
    private var lineFed = false

    /// Learns from what is fed (nil: never).
    public let evaluator: DynamicEvaluator?

    public init(model: SamplingModel) {
        self.model = model
        evaluator = nil
        generator = TextGenerator(model: model, streams: 1, options: SamplingOptions(greedy: true), seed: 0)
    }

    /// A predictor whose model learns from the text fed (see the file header).
    /// - Throws: the first setting out of range.
    public init(model: SamplingModel, adapting settings: AdaptationSettings) throws(AdaptationProblem) {
        let evaluator = try DynamicEvaluator(model: model, settings: settings)
        self.evaluator = evaluator
        self.model = evaluator.adaptedModel
        generator = TextGenerator(model: self.model, streams: 1, options: SamplingOptions(greedy: true), seed: 0)
    }

    /// Zeroes the state; nothing is fed. Adapted weights are kept.
    public func restart() {
        generator.reset()
        evaluator?.restart()
        hasContext = false
        lineFed = false
    }

    /// Feeds `ids`, continuing from the current state (adapting: the model learns from them first).
    public func feed(_ ids: [Int]) {
        if let evaluator {
            evaluator.feed(ids)
            evaluator.flush()
        }
        generator.feed(ids)
        if !ids.isEmpty { hasContext = true }
    }

    /// Feeds one input line (ids, without its line break): from the zero state,
    /// or with `carry` after the lines so far and a line break.
    public func feedLine(_ ids: [Int], carry: Bool) {
        var ids = ids
        if carry {
            if lineFed { ids.insert(model.newlineID ?? Vocabulary.unknownID, at: 0) }
        } else {
            restart()
        }
        feed(ids)
        lineFed = true
    }

    /// The `top` most likely next graphemes (never `<unk>`), most likely first.
    /// Call only when `hasContext`.
    public func ranked(top: Int) -> [RankedGrapheme] {
        ModelDistribution.ranked(generator.logits, count: model.vocab, top: top).map {
            RankedGrapheme(id: $0.id, grapheme: model.vocabulary.token($0.id), probability: $0.probability)
        }
    }

    /// The greedy completion of `length` graphemes; the state moves through
    /// all of them but the last. Call only when `hasContext`.
    public func complete(length: Int) -> String {
        var completion = ""
        generator.continueGenerating(stop: StopConditions(length: length),
                                     emit: { _, g in completion += g }, finished: { _ in })
        return completion
    }

    /// Text from stdin as a context: `echo TEXT |` adds one line break ("\n"
    /// or "\r\n") that is not part of TEXT, so one is dropped.
    public static func droppingTrailingLineBreak(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == 0x0A { bytes.removeLast(); if bytes.last == 0x0D { bytes.removeLast() } }
        return bytes
    }
}
