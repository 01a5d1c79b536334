// ShowModel: a checkpoint opened for `charlstm show` — a forward model (what
// sample, predict and score use) or a bidirectional fill model — with what the
// page reports about it and the two ways of running it over a text:
//   predictions  for each position t, the model's distribution over grapheme t:
//                forward, from g_0 … g_{t-1} (t ≥ 1; as `predict` and `score`);
//                bidirectional, from both sides (every t; as `fill`)
//   activations  per position, every signal of every unit (NeuronSignal), read
//                from InferenceModel.layerObserver; for a bidirectional model
//                from its forward (left-to-right) stack.
//
// Dimension key: T positions, L layers, H hidden, V vocabulary, NS signals per
// layer, S = L·NS·H series; series j = (l·NS + s)·H + u (layer l, signal s, unit u).

/// A checkpoint ready to be shown.
import CharLSTMSupport
import CharLSTMText
import CharLSTMModel
import CharLSTMCheckpoint

package final class ShowModel {
    package let path: String
    package let config: ModelConfig
    package let vocabulary: Vocabulary
    package let metadata: CheckpointMetadata
    package let file: CheckpointFileInfo
    /// The loss history; nil for a weights-only checkpoint.
    package let history: [CheckpointHistoryPoint]?
    /// P, the number of weights.
    package let parameterCount: Int
    /// The signals each layer has, in series order.
    package let signals: [NeuronSignal]
    /// The forward model (nil for a bidirectional one).
    package let sampling: SamplingModel?
    private let bidirectional: BidirectionalModel<Float>?
    /// The weights stepped for activations of a bidirectional model (its forward stack).
    private let stackWeights: InferenceWeights?
    package let tokenizer: GraphemeTokenizer

    /// Reads and validates the checkpoint at `path` (every check `CheckpointFile.read` makes).
    /// `threads`: the compute threads (≥ 1) the model is run on.
    package init(path: String, threads: Int = 1) throws(CheckpointError) {
        let (checkpoint, info) = try CheckpointFile.readWithInfo(path)
        self.path = path
        config = checkpoint.config
        vocabulary = checkpoint.vocabulary
        metadata = checkpoint.metadata
        file = info
        history = checkpoint.training?.history
        parameterCount = checkpoint.parameters.count
        signals = NeuronSignal.signals(for: checkpoint.config.cell)
        tokenizer = GraphemeTokenizer(normalization: checkpoint.config.normalization)
        if checkpoint.config.direction == .forward {
            // The same weights, read the same way, as sample, predict and score.
            sampling = try SamplingModel(path: path, threads: threads)
            bidirectional = nil
            stackWeights = nil
        } else {
            sampling = nil
            let model = BidirectionalModel<Float>(config: checkpoint.config, compute: ComputeThreads(threads: threads))
            checkpoint.parameters.withUnsafeBufferPointer { model.parameters.base.update(from: $0.baseAddress!, count: $0.count) }
            bidirectional = model
            stackWeights = InferenceWeights(sharing: model.parameters)
        }
    }

    /// Whether this is a bidirectional (fill) model.
    package var isBidirectional: Bool { config.direction == .bidirectional }

    /// NS·H, the series of one layer; S = L · this.
    var seriesPerLayer: Int { signals.count * config.hidden }
    /// S, all series.
    var seriesCount: Int { config.layers * seriesPerLayer }

    /// Raw bytes cut into graphemes with the model's normalization, and their ids.
    package func encode(utf8 bytes: [UInt8], source: String, lossy: Bool) throws(TextError) -> EncodedText {
        let (graphemes, replaced) = try tokenizer.graphemes(utf8: bytes, source: source, lossy: lossy)
        var result = EncodedText(graphemes: graphemes, vocabulary: vocabulary)
        result.replaced = replaced
        return result
    }

    /// A stepper over the stack whose units are shown.
    func makeInference() -> InferenceModel {
        if let sampling { return sampling.makeInference(streams: 1) }
        return InferenceModel(config: config, checkedWeights: stackWeights!, streams: 1, compute: bidirectional!.compute)
    }

    /// Runs the shown stack over `ids` from the zero state. For each position t,
    /// `before(t, logits)` (forward models only, t ≥ 1) gets the logits (V)
    /// predicting ids[t], then `each(t, row)` the S activations after reading ids[t].
    func run(_ ids: [Int], before: ((Int, UnsafePointer<Float>) -> Void)?,
             each: (Int, UnsafePointer<Float>) -> Void) {
        let inference = makeInference()
        let H = config.hidden, NS = signals.count
        let row = UnsafeMutablePointer<Float>.allocate(capacity: max(1, seriesCount))
        defer { row.deallocate() }
        let signals = self.signals
        inference.layerObserver = { l, _, gates, cell, hidden in
            for (k, signal) in signals.enumerated() {
                let dst = row + (l * NS + k) * H
                switch signal.source {
                case .gate(let block): dst.update(from: gates + block * H, count: H)
                case .cell: if let cell { dst.update(from: cell, count: H) }
                case .hidden: dst.update(from: hidden, count: H)
                }
            }
        }
        defer { inference.layerObserver = nil }
        inference.reset()
        var id: [Int32] = [0]
        let forward = sampling != nil
        for t in 0..<ids.count {
            if forward, t > 0, let before { before(t, inference.logits) }
            id[0] = Int32(ids[t])
            id.withUnsafeBufferPointer { _ = inference.step(unchecked: $0.baseAddress!) }
            each(t, UnsafePointer(row))
        }
    }

    /// A bidirectional model's probabilities (T, V): row t is p(x_t | everything but x_t).
    func bidirectionalProbabilities(_ ids: [Int]) -> [Float] {
        guard let model = bidirectional, !ids.isEmpty else { return [] }
        let T = ids.count, V = config.vocab
        let inputs = ids.map { Int32($0) }
        var rng = RandomGenerator(seed: 0)
        let state = RecurrentState<Float>(config: config, batch: 1)
        return inputs.withUnsafeBufferPointer { p -> [Float] in
            _ = model.forward(inputs: p.baseAddress!, targets: p.baseAddress!, steps: T, state: state,
                              training: false, rng: &rng)
            return Array(UnsafeBufferPointer(start: model.probabilities, count: T * V))
        }
    }
}
