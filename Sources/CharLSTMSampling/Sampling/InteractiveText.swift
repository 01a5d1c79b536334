// InteractiveText: a text written together with a model, one grapheme at a
// time: the text so far and the model's most likely next graphemes.
//
//   take(k)     append candidate k (0-based) of the ranked list
//   sampleOne   append a grapheme sampled with the sampling options
//   type(s)     append the graphemes of s (outside the vocabulary: <unk>)
//   undo        take back the last grapheme (the model re-reads the text from zero)
//
// The keys, the screen and the terminal of `charlstm sample --interactive` are
// the CLI's (CharLSTMCLI/InteractiveSession.swift); this is what they act on.

/// The text so far, and the candidates for the next grapheme.
import CharLSTMSupport
import CharLSTMText

package final class InteractiveText {
    package let model: SamplingModel
    package let options: SamplingOptions
    /// How many candidates are ranked (1 to 9).
    package let choices: Int
    private let scorer: TextScorer
    private let sampler: Sampler
    private var rng: RandomGenerator
    /// The text so far, as graphemes, and their ids.
    package private(set) var graphemes: [String] = []
    package private(set) var ids: [Int] = []
    /// The most likely next graphemes, most likely first, with their probabilities.
    package private(set) var candidates: [(id: Int, probability: Double)] = []

    package init(model: SamplingModel, options: SamplingOptions, seed: UInt64, choices: Int, prime: EncodedText) {
        self.model = model
        self.options = options
        self.choices = max(1, min(9, choices))
        scorer = TextScorer(model: model)
        sampler = Sampler(vocab: model.vocab)
        rng = RandomGenerator(seed: seed)
        graphemes = prime.graphemes
        ids = prime.ids
        refeed()
    }

    /// The text so far.
    package var text: String { graphemes.joined() }

    /// Appends candidate `k` (0-based); false when there is no such candidate.
    @discardableResult
    package func take(_ k: Int) -> Bool {
        guard candidates.indices.contains(k) else { return false }
        append(candidates[k].id, model.vocabulary.token(candidates[k].id))
        return true
    }

    /// Appends one grapheme sampled from the model with `options`.
    package func sampleOne() {
        let id = sampler.sample(scorer.logits, options: options, rng: &rng)
        append(id, model.vocabulary.token(id))
    }

    /// Appends the graphemes of `text`; returns how many are outside the vocabulary (fed as <unk>).
    @discardableResult
    package func type(_ text: String) -> Int {
        let encoded = model.encode(text)
        for (g, id) in zip(encoded.graphemes, encoded.ids) { append(id, g) }
        return encoded.unknown
    }

    /// Takes back the last grapheme; false when the text is empty.
    @discardableResult
    package func undo() -> Bool {
        guard !graphemes.isEmpty else { return false }
        graphemes.removeLast()
        ids.removeLast()
        refeed()
        return true
    }

    /// Feeds the whole text again from the zero state (after an undo, and at the start).
    private func refeed() {
        scorer.restart()
        if ids.isEmpty {
            // No context: a newline, as `sample` starts (or <unk> if the model has no newline).
            scorer.feed([model.newlineID ?? Vocabulary.unknownID])
        } else {
            scorer.feed(ids)
        }
        rank()
    }

    private func rank() {
        candidates = ModelDistribution.ranked(scorer.logits, count: model.vocab, top: choices)
    }

    private func append(_ id: Int, _ g: String) {
        graphemes.append(g)
        ids.append(id)
        scorer.feed([id])
        rank()
    }
}
