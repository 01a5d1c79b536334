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

import CharLSTMSupport
import CharLSTMModel
import CharLSTMSampling
import CharLSTMTraining
#if canImport(Glibc)
import Glibc
#endif

/// Settings of one benchmark run (the peer's flags).
package struct BenchmarkSettings: Sendable {
    package var hidden = 128, layers = 2, embed = 64, batch = 50, seq = 50
    package var steps = 100, warmup = 5, threads = 2
    package var learningRate = 2e-3
    package var seed: UInt64 = 0
    package var evaluate = false
    package var sampleSteps = 0
    /// The LSTM forget-gate bias at initialisation; nil draws it like the other
    /// biases, as PyTorch (the peer) does.
    package var forgetBias: Double? = InitialisationDefaults.forgetBias
    /// How the recurrent weights start.
    package var recurrentInit: RecurrentInitialisation = InitialisationDefaults.recurrent
    /// How the recurrent layers' biases start.
    package var biasInit: BiasInitialisation = InitialisationDefaults.bias
    /// Weight drop on the recurrent weights in the timed steps, as `charlstm train --weight-drop` (0: off).
    package var weightDrop: Double = 0
    /// Dropout between layers in the timed steps, as `charlstm train --dropout` (0: off).
    package var dropout: Double = 0
    /// How its masks vary within a window, as `charlstm train --dropout-mask`.
    package var dropoutMask: DropoutMask = .step
    package init() {}
}

/// What one run measured (the peer's JSON keys).
package struct BenchmarkResult: Sendable {
    package var params: Int
    package var vocab: Int
    /// Mean training loss (nats) of the last 10 steps.
    package var trainLossLast: Double
    package var trainCharsPerSecond: Double
    package var valBPC: Double?
    package var sampleCharsPerSecond: Double?
    package var peakRSSMiB: Double?
    /// The OpenBLAS core and charlstm's SIMD level that ran.
    package var kernels: KernelChoice?

    /// One JSON line with the peer's keys plus `peak_rss_mib`, `blas_core` and `simd`.
    package var json: String {
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

/// Why a benchmark cannot run, in the library's words (the CLI names its flags).
package enum BenchmarkError: Error, Equatable, CustomStringConvertible {
    /// The corpus has `have` graphemes where `batch` streams of `seq` steps need `needed`.
    case corpusTooSmall(batch: Int, seq: Int, needed: Int, have: Int)
    /// The model asked for is invalid (`ModelConfig.problem()`).
    case invalidModel(String)
    /// Training failed (`failure`: NaN, Inf or exploding loss) at `step` (1-based).
    case trainingFailed(step: Int, failure: String)

    package var description: String {
        switch self {
        case .corpusTooSmall(let batch, let seq, let needed, let have):
            "corpus too small for \(batch) streams of \(seq) steps: need at least \(needed) graphemes, have \(have)"
        case .invalidModel(let problem):
            problem
        case .trainingFailed(let step, let failure):
            "training failed at step \(step): \(failure); try a lower learning rate"
        }
    }
}

/// Runs the benchmark protocol on `ids` (a corpus encoded with a vocabulary of `vocab` entries).
package func runBenchmark(ids: any TokenSource, vocab: Int, settings s: BenchmarkSettings) throws(BenchmarkError) -> BenchmarkResult {
    let nVal = ids.count / 10
    let trainCount = ids.count - nVal
    let span = trainCount / max(s.batch, 1)
    guard s.batch >= 1, s.seq >= 1, span >= s.seq + 1, nVal > s.seq + 1 else {
        throw .corpusTooSmall(batch: s.batch, seq: s.seq, needed: ((s.seq + 1) * s.batch) * 10 / 9 + 1, have: ids.count)
    }
    let config = ModelConfig(cell: .lstm, layers: s.layers, embed: s.embed, hidden: s.hidden, vocab: vocab,
                             dropout: Float(s.dropout))
    if let problem = config.problem() { throw .invalidModel(problem) }
    let compute = ComputeThreads(threads: s.threads)   // this run's threads
    let model = Model<Float>(config: config, compute: compute)
    model.weightDrop = Float(s.weightDrop)
    model.dropoutMask = s.dropoutMask
    var rng = RandomGenerator(seed: s.seed)
    model.initialize(rng: &rng, forgetBias: s.forgetBias, recurrent: s.recurrentInit, bias: s.biasInit)
    var optimizer: Optimizer<Float>? = Optimizer<Float>(kind: .adam, parameterCount: model.parameterCount,
                                                                   compute: compute)
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
            throw .trainingFailed(step: step + 1, failure: "\(failure)")
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
                                       streams: 1, compute: compute)
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
