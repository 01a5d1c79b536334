// SamplingError: every way a model can be refused for stepping, or a step
// refused, through the library API. Each description is one line saying what
// is wrong and what to do.

/// Why weights or ids were refused by InferenceModel, SamplingModel or HoleFiller.
public enum SamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A config no model can have (ModelConfig.problem()).
    case invalidConfig(String)
    /// `given` weights where the model's config (its layout) needs exactly `needed`.
    case parameterCount(given: Int, needed: Int)
    /// A vocabulary of `given` graphemes for a config whose vocabulary size is `needed`.
    case vocabularySize(given: Int, needed: Int)
    /// A stream count below 1.
    case streamCount(Int)
    /// A step was given `given` ids for a model stepping `streams` streams.
    case idCount(given: Int, streams: Int)
    /// A grapheme id outside the vocabulary, 0..<vocab.
    case idOutOfRange(id: Int, vocab: Int)
    /// A bidirectional (fill) model where a left-to-right one is needed.
    case bidirectionalModel
    /// A hole position outside the text (0..<count), or given twice.
    case invalidHole(position: Int, count: Int)

    public var description: String {
        switch self {
        case .invalidConfig(let problem):
            return "invalid model config: \(problem)"
        case .vocabularySize(let given, let needed):
            return "the vocabulary has \(given) graphemes but the model's config has \(needed); "
                + "pass the vocabulary the model was trained with"
        case .parameterCount(let given, let needed):
            return "the model has \(given) weights but its config needs \(needed); "
                + "pass the weights of a model with this config (layers, sizes, vocabulary)"
        case .streamCount(let n):
            return "cannot step \(n) streams; ask for 1 or more"
        case .idCount(let given, let streams):
            return "a step got \(given) grapheme ids for \(streams) streams; pass one id per stream"
        case .idOutOfRange(let id, let vocab):
            return "grapheme id \(id) is outside the vocabulary (0..<\(vocab)); encode text with the model's vocabulary"
        case .invalidHole(let position, let count):
            return "hole position \(position) is outside the text (0..<\(count)) or given twice; "
                + "pass each hole's grapheme position once"
        case .bidirectionalModel:
            return "a bidirectional model fills holes in known text and cannot generate left to right; "
                + "use a model trained without bidirectional reading"
        }
    }
}
