// Benchmark: the training/sampling throughput protocol shared with the PyTorch peer
// (../shared/bench/peer_torch.py), so `charlstm bench` and the peer measure the same thing.
//
// Protocol: vocabulary = the corpus's distinct graphemes; the last 10% is
// validation; the rest is cut into B contiguous streams; each step takes the
// next T graphemes of every stream with the hidden state carried (reset when
// a stream runs out); Adam, gradient-norm clip 5, each step being the one
// `charlstm train` takes (TrainingStep: a step that fails its loss or gradient
// checks ends the run with an error); the first `warmup` steps are
// not timed; throughput = steps·B·T / seconds. `--eval` scores the whole
// validation part as one sequence from a zero state (bits per grapheme);
// `--sample-bench N` times N steps of batch-1 sampling at temperature 0.8.

#if canImport(Glibc)
import Glibc
#endif

/// Settings of one benchmark run (the peer's flags).
public struct BenchmarkSettings: Sendable {
    public var hidden = 128, layers = 2, embed = 64, batch = 50, seq = 50
    public var steps = 100, warmup = 5, threads = 2
    public var learningRate = 2e-3
    public var seed: UInt64 = 0
    public var evaluate = false
    public var sampleSteps = 0
    /// The LSTM forget-gate bias at initialisation; nil draws it like the other
    /// biases, as PyTorch (the peer) does.
    public var forgetBias: Double? = InitialisationDefaults.forgetBias
    /// How the recurrent weights start.
    public var recurrentInit: RecurrentInitialisation = InitialisationDefaults.recurrent
    public init() {}
}

/// What one run measured (the peer's JSON keys).
public struct BenchmarkResult: Sendable {
    public var params: Int
    public var vocab: Int
    /// Mean training loss (nats) of the last 10 steps.
    public var trainLossLast: Double
    public var trainCharsPerSecond: Double
    public var valBPC: Double?
    public var sampleCharsPerSecond: Double?
    public var peakRSSMiB: Double?
    /// The OpenBLAS core and charlstm's SIMD level that ran.
    public var kernels: KernelChoice?

    /// One JSON line with the peer's keys plus `peak_rss_mib`, `blas_core` and `simd`.
    public var json: String {
        var parts = ["\"impl\": \"charlstm\"", "\"params\": \(params)", "\"vocab\": \(vocab)",
                     "\"train_loss_last\": \(trainLossLast)", "\"train_chars_per_s\": \(trainCharsPerSecond)"]
        if let valBPC { parts.append("\"val_bpc\": \(valBPC)") }
        if let sampleCharsPerSecond { parts.append("\"sample_chars_per_s\": \(sampleCharsPerSecond)") }
        if let peakRSSMiB { parts.append("\"peak_rss_mib\": \(peakRSSMiB)") }
        if let kernels {
            parts.append("\"blas_core\": \(JSON.quote(kernels.blasCore))")
            parts.append("\"simd\": \(JSON.quote(kernels.simd))")
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// Why a benchmark cannot run.
public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs the benchmark protocol on `ids` (a corpus encoded with a vocabulary of `vocab` entries).
public func runBenchmark(ids: any TokenSource, vocab: Int, settings s: BenchmarkSettings) throws(BenchmarkError) -> BenchmarkResult {
    setBLASThreads(s.threads)
    let nVal = ids.count / 10
    let trainCount = ids.count - nVal
    let span = trainCount / max(s.batch, 1)
    guard s.batch >= 1, s.seq >= 1, span >= s.seq + 1, nVal > s.seq + 1 else {
        throw BenchmarkError(description: "corpus too small for --batch \(s.batch) --seq \(s.seq): need at least \(((s.seq + 1) * s.batch) * 10 / 9 + 1) graphemes, have \(ids.count)")
    }
    let config = ModelConfig(cell: .lstm, layers: s.layers, embed: s.embed, hidden: s.hidden, vocab: vocab)
    if let problem = config.problem() { throw BenchmarkError(description: problem) }
    let model = Model<Float>(config: config)
    var rng = RandomGenerator(seed: s.seed)
    model.initialize(rng: &rng, forgetBias: s.forgetBias, recurrent: s.recurrentInit)
    var optimizer: Optimizer<Float>? = Optimizer<Float>(kind: .adam, parameterCount: model.parameterCount)
    let (B, T) = (s.batch, s.seq)
    let state = model.makeState(batch: B)
    // The step `charlstm train` takes, with the peer's clip of 5.
    let training = TrainingStep(gradClip: 5, explodingLoss: TrainingStep.explodingLoss(vocab: vocab))
    // The peer's streams: B contiguous streams over the train part, state reset when they run out.
    let streams = BatchStreams(range: 0..<trainCount, batch: B, steps: T)
    var inputs = [Int32](repeating: 0, count: T * B), targets = inputs   // (T, B) time-major
    var window = 0
    var losses: [Double] = []
    var start = 0.0
    for step in 0..<(s.warmup + s.steps) {
        if window == streams.windowCount { window = 0; state.reset() }
        inputs.withUnsafeMutableBufferPointer { i in targets.withUnsafeMutableBufferPointer { t in
            streams.fill(window: window, from: ids, inputs: i.baseAddress!, targets: t.baseAddress!)
        } }
        window += 1
        if step == s.warmup { start = monotonicSeconds() }
        guard let optimizer else { break }   // nil only after this loop
        switch training.run(model: .forward(model), optimizer: optimizer, inputs: inputs, targets: targets,
                            steps: T, state: state, rng: &rng, learningRate: s.learningRate) {
        case .updated(let loss, _): losses.append(loss.mean)
        case .failed(let failure):
            throw BenchmarkError(description: "training failed at step \(step + 1): \(failure); try a lower --lr")
        }
    }
    let seconds = monotonicSeconds() - start
    var result = BenchmarkResult(
        params: model.parameterCount, vocab: vocab,
        trainLossLast: losses.suffix(10).reduce(0, +) / Double(min(10, losses.count)),
        trainCharsPerSecond: Double(s.steps * B * T) / seconds)

    // Not dead: releasing the moments (2P floats) here lets --eval and --sample-bench
    // reuse their pages (peak_rss_mib 40.1 → 39.2 on the default bench with --sample-bench).
    optimizer = nil
    if s.evaluate {
        var val = [Int32](repeating: 0, count: nVal)
        val.withUnsafeMutableBufferPointer { ids.copyIDs(from: trainCount, count: nVal, into: $0.baseAddress!, stride: 1) }
        let n = (val.count - 1) / T * T
        result.valBPC = evaluateSequence(model: model, ids: val, count: n, window: 1000) / Double(n) / 0.6931471805599453
    }
    if s.sampleSteps > 0 {
        // As `charlstm sample` runs a shipped model: weights rounded to binary16
        // (`export --half`; on the bundled model that moves validation bpc by 9e-6).
        let inference = InferenceModel(config: config, checkedWeights: InferenceWeights(sharing: model.parameters, half: true),
                                       streams: 1)
        let sampler = Sampler(vocab: vocab)
        let options = SamplingOptions(temperature: 0.8)
        var id: Int32 = 0
        let t0 = monotonicSeconds()
        for _ in 0..<s.sampleSteps {
            let logits = withUnsafePointer(to: &id) { inference.step(unchecked: $0) }
            id = Int32(sampler.sample(logits, options: options, rng: &rng))
        }
        result.sampleCharsPerSecond = Double(s.sampleSteps) / (monotonicSeconds() - t0)
    }
    result.peakRSSMiB = peakResidentMiB()
    result.kernels = .current
    return result
}

/// Sum of nats of ids[1...count] given ids[0..<count], one stream from a zero state, in windows.
func evaluateSequence(model: Model<Float>, ids: [Int32], count n: Int, window: Int) -> Double {
    let state = model.makeState(batch: 1)
    var rng = RandomGenerator(seed: 0)
    var total = 0.0, start = 0
    ids.withUnsafeBufferPointer { p in
        while start < n {
            let len = min(window, n - start)
            total += model.forward(inputs: p.baseAddress! + start, targets: p.baseAddress! + start + 1, steps: len,
                                   state: state, training: false, rng: &rng)
            start += len
        }
    }
    return total
}
