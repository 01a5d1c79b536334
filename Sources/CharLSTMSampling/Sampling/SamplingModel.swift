// SamplingModel: a checkpoint made ready for sample, predict and score — its
// vocabulary, the tokenizer with the normalization it was trained with, and
// InferenceModels stepping its weights.
//
// Read from a file, the weights are not copied: binary32 or binary16, they are
// used where they lie in the mapped file (MappedCheckpoint), by one stream or
// several (`--num N` also keeps a copy cut into 16-column panels); binary16
// ones are widened to binary32 only when something asks for `weights.base`.

/// A trained model as the sampling commands use it.
import CharLSTMSupport
import CharLSTMText
import CharLSTMModel
import CharLSTMCheckpoint

public final class SamplingModel {
    /// The model's shape; `config.normalization` is applied to all text fed to it.
    package let config: ModelConfig
    /// The graphemes the model knows (id 0 is `<unk>`).
    package let vocabulary: Vocabulary
    /// Facts about the training run (for --verbose).
    package let metadata: CheckpointMetadata
    /// The one segmenter, with the checkpoint's normalization (same as training).
    package let tokenizer: GraphemeTokenizer
    /// The weights (P), layout order, shared read-only by every InferenceModel made here.
    private let weights: InferenceWeights
    /// Whether every weight is exactly a binary16 value (a checkpoint exported
    /// with `--half`): then batch-1 stepping reads binary16 weights, half the
    /// memory traffic, with results equal to Float32 up to summation order.
    package let weightsAreHalfExact: Bool
    /// The compute threads every stepper, scorer and adapter made from this
    /// model works on (`threads` where it was made).
    package let compute: ComputeThreads

    /// `weightsAreHalfExact`: the file stored its weights as binary16 (then they
    /// are exact binary16 values); nil checks every weight. Copies the weights.
    /// - Throws: `.bidirectionalModel` unless `checkpoint` holds a forward
    ///   (left-to-right) model; `.vocabularySize`, `.parameterCount` or
    ///   `.invalidConfig` when its parts do not fit its config.
    /// `threads`: the compute threads (≥ 1) of everything made from this model.
    public init(checkpoint: Checkpoint, weightsAreHalfExact: Bool? = nil, threads: Int = 1) throws(SamplingError) {
        try Self.check(checkpoint)
        compute = ComputeThreads(threads: threads)
        config = checkpoint.config
        vocabulary = checkpoint.vocabulary
        metadata = checkpoint.metadata
        let buffer = Buffer<Float>(count: checkpoint.parameters.count)
        _ = buffer.pointer.update(fromContentsOf: checkpoint.parameters)
        tokenizer = GraphemeTokenizer(normalization: checkpoint.config.normalization)
        let halfExact = weightsAreHalfExact ?? checkpoint.parameters.allSatisfy { Float(Float16($0)) == $0 }
        self.weightsAreHalfExact = halfExact
        weights = InferenceWeights(sharing: buffer, half: halfExact)
    }

    /// Reads and validates the checkpoint at `path` (as `CheckpointFile.read`
    /// does), using its weights in place in the mapped file. Refuses a
    /// bidirectional (fill) model. `threads` as for `init(checkpoint:)`.
    public convenience init(path: String, threads: Int = 1) throws(CheckpointError) {
        try self.init(path: path, compute: ComputeThreads(threads: threads))
    }

    /// The same on a given compute context (tests force kernel choices with one).
    package init(path: String, compute: ComputeThreads) throws(CheckpointError) {
        let file = try MappedCheckpoint(path: path)
        self.compute = compute
        if file.config.direction != .forward { throw .bidirectionalModel(path: path) }
        config = file.config
        vocabulary = file.vocabulary
        metadata = file.metadata
        tokenizer = GraphemeTokenizer(normalization: file.config.normalization)
        weightsAreHalfExact = file.file.halfWeights
        weights = SamplingModel.inPlaceWeights(of: file)
    }

    /// The model of `base` stepping `parameters` (P, binary32) in place, not
    /// copied: it sees every later change (DynamicEvaluator's adapted weights).
    init(_ base: SamplingModel, sharing parameters: Buffer<Float>) {
        config = base.config
        vocabulary = base.vocabulary
        metadata = base.metadata
        tokenizer = base.tokenizer
        compute = base.compute
        weightsAreHalfExact = false
        weights = InferenceWeights(sharing: parameters, half: false)
    }

    /// The weights as binary32 (P), layout order (binary16 ones widened once, exactly).
    var floatWeights: UnsafePointer<Float> { weights.base }

    /// Refuses a checkpoint value that cannot be sampled from: a bidirectional
    /// model, or a vocabulary or weights that do not fit the config.
    static func check(_ checkpoint: Checkpoint) throws(SamplingError) {
        if checkpoint.config.direction != .forward { throw .bidirectionalModel }
        try checkFits(checkpoint)
    }

    /// Refuses a checkpoint value whose vocabulary or weights do not fit its config (either direction).
    static func checkFits(_ checkpoint: Checkpoint) throws(SamplingError) {
        try InferenceModel.check(config: checkpoint.config, weightCount: checkpoint.parameters.count, streams: 1)
        guard checkpoint.vocabulary.count == checkpoint.config.vocab else {
            throw .vocabularySize(given: checkpoint.vocabulary.count, needed: checkpoint.config.vocab)
        }
    }

    /// The weights of a mapped checkpoint without copying what can be read in place.
    private static func inPlaceWeights(of file: MappedCheckpoint) -> InferenceWeights {
        let P = file.parameterCount
        #if _endian(little)
        let stored = file.weights.baseAddress!   // 64-byte aligned: the file is page aligned, the section at a multiple of 64
        if !file.file.halfWeights {
            return InferenceWeights(floats: stored.assumingMemoryBound(to: Float.self), half: nil, count: P, owners: [file])
        }
        // binary16 in the file: stepping reads it there; binary32 is widened
        // from it only if something asks for it.
        return InferenceWeights(floats: nil, half: stored.assumingMemoryBound(to: UInt16.self), count: P, owners: [file])
        #else
        let buffer = Buffer<Float>(count: P)
        let values = file.file.halfWeights ? CheckpointDecoder.readHalves(file.weights, count: P)
                                           : CheckpointDecoder.readFloats(file.weights, count: P)
        values.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: P) }
        return InferenceWeights(sharing: buffer, half: file.file.halfWeights)
        #endif
    }

    /// V, the vocabulary size.
    public var vocab: Int { config.vocab }

    /// A fresh stepper for `streams` (≥ 1) parallel streams (state zero).
    package func makeInference(streams: Int = 1) -> InferenceModel {
        InferenceModel(config: config, checkedWeights: weights, streams: streams, compute: compute)
    }

    /// The id of the newline grapheme, if the model knows it.
    package var newlineID: Int? { vocabulary.id(of: "\n") }

    /// Text cut into graphemes with the model's normalization, and their ids
    /// (graphemes outside the vocabulary become `<unk>` and are counted).
    /// Refuses the first id outside the vocabulary (0..<vocab) with `.idOutOfRange`.
    package static func check(_ ids: [Int], vocab: Int) throws(SamplingError) {
        for id in ids where id < 0 || id >= vocab { throw .idOutOfRange(id: id, vocab: vocab) }
    }

    /// The grapheme of `id` ("<unk>" for 0); nil outside the vocabulary.
    public func grapheme(_ id: Int) -> String? {
        id >= 0 && id < vocab ? vocabulary.token(id) : nil
    }

    public func encode(_ text: String) -> EncodedText {
        EncodedText(graphemes: tokenizer.graphemes(in: text), vocabulary: vocabulary)
    }

    /// Raw bytes (validated UTF-8, `lossy` replaces bad sequences) cut into
    /// graphemes with the model's normalization, and their ids.
    public func encode(utf8 bytes: [UInt8], source: String, lossy: Bool) throws(TextError) -> EncodedText {
        let (graphemes, replaced) = try tokenizer.graphemes(utf8: bytes, source: source, lossy: lossy)
        var result = EncodedText(graphemes: graphemes, vocabulary: vocabulary)
        result.replaced = replaced
        return result
    }

    /// `text` normalized as the model's text is (graphemes joined), e.g. for stop strings.
    package func normalize(_ text: String) -> String {
        tokenizer.graphemes(in: text).joined()
    }
}

/// Text as a model sees it.
public struct EncodedText: Equatable, Sendable {
    /// The normalized graphemes, in order.
    public var graphemes: [String]
    /// Their ids (0 for graphemes outside the vocabulary).
    public var ids: [Int]
    /// How many graphemes are outside the vocabulary (fed as `<unk>`).
    public var unknown: Int
    /// How many invalid UTF-8 sequences were replaced by U+FFFD (lossy reads).
    public var replaced: Int = 0

    package init(graphemes: [String], vocabulary: Vocabulary) {
        self.graphemes = graphemes
        (ids, unknown) = vocabulary.encode(graphemes)
    }

    public var isEmpty: Bool { graphemes.isEmpty }
    public var count: Int { graphemes.count }
}
