// Trainer: truncated-BPTT training of a Model<Float> (or a BidirectionalModel<Float>) over an encoded corpus.
//
// Dimension key: B streams (batch), T steps per window, N = T·B rows,
// H hidden, L layers, V vocabulary, P parameters.
//
// One step:
//   fill (T, B) inputs/targets from window `dataPosition` of the B train streams
//   TrainingStep: forward from the carried state, backward, check the loss,
//     clip (gradClip), optimizer update at the learning rate in force
//     (failure, nothing updated: NaN/Inf or exploding loss, non-finite gradient norm)
//   advance: next window; at the end of an epoch streams restart and the state resets.
//
// Everything the step reads or writes lives in buffers allocated once, so the
// step loop allocates nothing. A failure (NaN/Inf or exploding loss) rolls back
// to the last good in-memory snapshot (taken at start and after every good
// evaluation) and halves the learning rate: see `rollBack`.
//
// Across processes (a `ProcessGroup`, Trainer+DataParallel.swift) each one runs
// its contiguous share of the B streams (and of the evaluation streams); the
// step's reduction sums the gradients and losses, so every process takes the
// same update; only rank 0 writes files.

import CharLSTMSupport
import CharLSTMText
import CharLSTMModel
import CharLSTMCheckpoint
#if canImport(Glibc)
import Glibc
#endif

/// Trains one model on one corpus; holds the optimizer, the data position and the RNG.
public final class Trainer {
    /// Model (left to right, state carried across windows) or BidirectionalModel
    /// (both stacks restart at every window), as `config.direction` says.
    package let model: TrainingModel
    package let optimizer: Optimizer<Float>
    package let vocabulary: Vocabulary
    package let tokens: any TokenSource
    package let split: CorpusSplit
    package let geometry: BatchGeometry
    /// The B training streams, T steps per window.
    package let trainStreams: BatchStreams
    /// The Bv validation streams.
    package let validationStreams: BatchStreams
    /// The test streams, nil when the test part is shorter than one window.
    package let testStreams: BatchStreams?
    /// Hyper-parameters; `batch` and `seqLength` are the ones in force after any shrinking.
    package internal(set) var options: TrainingOptions
    /// Corpus name recorded in checkpoints.
    package var corpusName: String

    /// Optimizer steps taken.
    public internal(set) var step = 0
    /// Completed passes over the training part.
    package internal(set) var epoch = 0
    /// Next window of the current epoch.
    package internal(set) var dataPosition = 0
    /// Learning rate in force (after decay and failure halvings), before any warm-up (Trainer+Warmup.swift).
    package internal(set) var learningRate: Double
    /// Steps over which the learning rate ramps up linearly from learningRate / warmupSteps (0: none).
    package var warmupSteps = 0
    /// The one generator (initialisation, then dropout and weight drop).
    package internal(set) var rng: RandomGenerator
    /// Loss history: train-only points (valBPC NaN) and evaluation points.
    package internal(set) var history: [HistoryPoint] = []
    /// Best validation bits per grapheme so far.
    package internal(set) var bestValBPC: Double?
    /// The running mean of the weights (`--average-from`), nil when the run keeps none (WeightAverage.swift).
    package internal(set) var averaging: WeightAverage?
    /// True while the average is swapped into the model for an evaluation (and a best checkpoint).
    package internal(set) var averageSwappedIn = false

    /// Called after backward with the 1-based number of the step being taken and the
    /// gradients, before they are checked. Tests use it to inject NaN (the unit tests
    /// directly, the CLI tests through a debug `charlstm train`: DebugFaultInjection.swift).
    /// Not public: no program outside this package can reach it.
    package var faultInjection: ((Int, Buffer<Float>) -> Void)?

    /// The processes training together, nil in one process (Trainer+DataParallel.swift).
    package let dataParallel: DataParallel?

    /// Carried training state, (L, [h, c], B_r, H): this process's share B_r of the B streams.
    let state: RecurrentState<Float>
    /// Evaluation states (reset at each evaluation).
    let validationState: RecurrentState<Float>
    let testState: RecurrentState<Float>?
    /// (T, B_r) time-major ids, shared by training and evaluation windows (B_r: the largest share).
    let inputs: UnsafeMutablePointer<Int32>
    let targets: UnsafeMutablePointer<Int32>
    /// Summed nats and targets since the last history point.
    var pointNats = 0.0
    var pointTargets = 0
    /// The last good state, for rollback.
    let snapshot: Snapshot

    /// Mean loss (nats per grapheme) above which a step counts as exploding:
    /// three times that of uniform guessing over V graphemes, plus one.
    package var explodingLoss: Double { TrainingStep.explodingLoss(vocab: model.config.vocab) }

    /// A fresh run: the model is initialised from `options.seed` (or takes
    /// `initialParameters`, exactly P of them, for fine-tuning) and the corpus split by
    /// `options.valFraction`/`testFraction`. B and T shrink to fit a small corpus;
    /// compare `options.batch`/`seqLength` with what you asked for to tell the user.
    /// `forgetBias` is the LSTM forget-gate bias at initialisation (nil: drawn like
    /// the other biases), `recurrentInit` how W_h starts and `biasInit` how the
    /// recurrent layers' biases start; they are not stored, as nothing after
    /// initialisation uses them.
    package init(config: ModelConfig, vocabulary: Vocabulary, tokens: any TokenSource, options: TrainingOptions,
                corpusName: String = "", initialParameters: [Float]? = nil,
                forgetBias: Double? = InitialisationDefaults.forgetBias,
                recurrentInit: RecurrentInitialisation = InitialisationDefaults.recurrent,
                biasInit: BiasInitialisation = InitialisationDefaults.bias,
                group: ProcessGroup? = nil, threads: Int = 1) throws(TrainingError) {
        let split = CorpusSplit(count: tokens.count, validationFraction: options.valFraction,
                                testFraction: options.testFraction)
        let geometry = try BatchGeometry.fit(split: split, batch: options.batch, steps: options.seqLength,
                                             validationFraction: options.valFraction, corpusCount: tokens.count)
        var options = options
        options.batch = geometry.batch
        options.seqLength = geometry.steps
        if let group {
            try DataParallel.refuseUnsupported(config: config, dropoutMask: options.dropoutMask, batch: geometry.batch, group: group)
        }
        let share = { (count: Int) in group?.share(of: count) ?? 0..<count }
        // The compute threads of this run: its model's products and recurrence, and the optimizer's passes.
        let compute = ComputeThreads(threads: threads)
        let trainingModel = TrainingModel(config: config, compute: compute)
        trainingModel.weightDrop = Float(options.weightDrop)   // drawn from `rng` in training steps only
        trainingModel.dropoutMask = options.dropoutMask
        self.model = trainingModel
        self.optimizer = Optimizer<Float>(kind: options.optimizer, parameterCount: model.parameterCount, compute: compute)
        self.vocabulary = vocabulary
        self.tokens = tokens
        self.split = split
        self.geometry = geometry
        self.options = options
        self.corpusName = corpusName
        learningRate = options.learningRate
        rng = RandomGenerator(seed: options.seed)
        trainStreams = BatchStreams(range: split.train, batch: geometry.batch, steps: geometry.steps,
                                    streams: share(geometry.batch))
        validationStreams = BatchStreams(range: split.validation, batch: geometry.validationBatch, steps: geometry.steps,
                                         streams: share(geometry.validationBatch))
        testStreams = geometry.testBatch > 0
            ? BatchStreams(range: split.test, batch: geometry.testBatch, steps: geometry.steps,
                           streams: share(geometry.testBatch)) : nil
        state = model.makeState(batch: trainStreams.streams.count)
        // Across processes each draws the window masks of all B streams and applies its share's rows.
        if group != nil { trainingModel.dropoutShare = DropoutShare(offset: trainStreams.streams.lowerBound, batch: geometry.batch) }
        validationState = model.makeState(batch: validationStreams.streams.count)
        let model = self.model
        testState = testStreams.map { model.makeState(batch: $0.streams.count) }
        dataParallel = group.map { DataParallel(group: $0, globalTargets: geometry.batch * geometry.steps) }
        let n = max(trainStreams.streams.count, validationStreams.streams.count,
                    testStreams?.streams.count ?? 0) * geometry.steps
        inputs = .allocate(capacity: n)
        inputs.initialize(repeating: 0, count: n)
        targets = .allocate(capacity: n)
        targets.initialize(repeating: 0, count: n)
        snapshot = Snapshot(parameterCount: model.parameterCount, moment2Count: optimizer.moment2.count,
                            state: model.makeState(batch: trainStreams.streams.count))
        if let initialParameters {
            guard initialParameters.count == model.parameterCount else {
                throw .initialParameters(given: initialParameters.count, needed: model.parameterCount)
            }
            _ = model.parameters.pointer.update(fromContentsOf: initialParameters)
        } else {
            model.initialize(rng: &rng, forgetBias: forgetBias, recurrent: recurrentInit, bias: biasInit)
        }
        takeSnapshot()
    }

    /// A run resumed exactly where `checkpoint` (written by a Trainer on the same
    /// corpus) stopped: weights, moments, step, epoch, data position, RNG,
    /// learning rate, carried state and history.
    package convenience init(resuming checkpoint: Checkpoint, path: String, tokens: any TokenSource,
                            corpusName: String, group: ProcessGroup? = nil, threads: Int = 1) throws(TrainingError) {
        let saved = try checkpoint.resumableState(path: path)
        let opts = TrainingOptions(saved.options)
        let requested = (opts.batch, opts.seqLength)
        // A best checkpoint whose averaged weights were evaluated holds them in WGHT and the
        // training weights in AVRG: training continues from the training weights.
        var weights = checkpoint.parameters, average = saved.average?.weights ?? []
        if let a = saved.average, a.weightsAreAverage, a.count > 0 { Swift.swap(&weights, &average) }
        do {
            try self.init(config: checkpoint.config, vocabulary: checkpoint.vocabulary, tokens: tokens,
                          options: opts, corpusName: corpusName, initialParameters: weights,
                          group: group, threads: threads)
        } catch {
            if case .corpusTooSmall = error {
                throw .incompatibleResume(path: path, reason: "this corpus is too small for the run it continues; resume with the same corpus")
            }
            if case .initialParameters(let given, let needed) = error {
                throw .incompatibleResume(path: path, reason: "it holds \(given) parameters; its config needs \(needed)")
            }
            throw error
        }
        func refuse(_ why: String) -> TrainingError { .incompatibleResume(path: path, reason: why) }
        guard (options.batch, options.seqLength) == requested else {
            throw refuse("the corpus is smaller than the one it was trained on (batch \(requested.0) × \(requested.1) steps no longer fit); resume with the same corpus")
        }
        guard saved.dataPosition >= 0, saved.dataPosition < trainStreams.windowCount, saved.step >= 0, saved.epoch >= 0 else {
            throw refuse("its data position (window \(saved.dataPosition)) is beyond this corpus (\(trainStreams.windowCount) windows per epoch); resume with the same corpus")
        }
        guard saved.moment1.count == optimizer.moment1.count, saved.moment2.count == optimizer.moment2.count else {
            throw refuse("its optimizer moments do not match the model (\(saved.moment1.count) values for \(model.parameterCount) parameters)")
        }
        guard let generator = RandomGenerator(state: saved.rngState) else {
            throw refuse("its random generator state is invalid")
        }
        guard saved.learningRate.isFinite, saved.learningRate > 0 else {
            throw refuse("its learning rate \(saved.learningRate) is not a positive number")
        }
        // An empty carried state (allowed by the format) means streams start from zero.
        // It holds all B streams, whatever the number of processes that wrote it; this process takes its share.
        guard saved.carriedState.isEmpty
                || state.restore(from: saved.carriedState, streams: trainStreams.streams, of: trainStreams.batch) else {
            throw refuse("its carried hidden state has \(saved.carriedState.count) values; this model needs \(carriedStateCount)")
        }
        _ = optimizer.moment1.pointer.update(fromContentsOf: saved.moment1)
        _ = optimizer.moment2.pointer.update(fromContentsOf: saved.moment2)
        optimizer.step = saved.step
        step = saved.step
        epoch = saved.epoch
        dataPosition = saved.dataPosition
        rng = generator
        learningRate = saved.learningRate
        history = saved.history.map(HistoryPoint.init)
        bestValBPC = checkpoint.metadata.bestValBPC
        if let a = saved.average {
            guard average.count == (a.count > 0 ? model.parameterCount : 0) else {
                throw refuse("its weight average has \(average.count) values for \(model.parameterCount) parameters")
            }
            let kept = WeightAverage(from: a.from, parameterCount: model.parameterCount)
            kept.restore(count: a.count, average: average)
            averaging = kept
        }
        takeSnapshot()
    }

    /// Keeps the running mean of the weights after every step after `step` from now on
    /// (`--average-from`); a run that keeps one already (a resumed run) keeps it.
    package func average(from step: Int) {
        guard averaging == nil else { return }
        averaging = WeightAverage(from: step, parameterCount: model.parameterCount)
        averaging?.takeSnapshot()
    }

    /// Steps averaged into the weights an evaluation now uses: the average's count once
    /// it has started, else 0 (the training weights).
    package var averagedSteps: Int { averaging?.count ?? 0 }

    /// Runs `body` with the average in the model in place of the training weights (when it
    /// has started; else with the training weights), then puts the training weights back.
    func withAveragedWeights<R>(_ body: () throws(TrainingError) -> R) throws(TrainingError) -> R {
        guard let averaging, averaging.count > 0, !averageSwappedIn else { return try body() }
        averaging.swap(with: model.parameters)
        averageSwappedIn = true
        defer {
            averaging.swap(with: model.parameters)
            averageSwappedIn = false
        }
        return try body()
    }

    deinit {
        inputs.deallocate()
        targets.deallocate()
    }

    /// Epochs completed, with the fraction of the current one.
    package var fractionalEpoch: Double {
        Double(epoch) + Double(dataPosition) / Double(max(1, trainStreams.windowCount))
    }

    /// Graphemes consumed per step, B·T.
    package var graphemesPerStep: Int { trainStreams.windowSize }

    // MARK: - One step

    /// What one step did.
    package enum StepResult: Equatable {
        /// The parameters were updated; the step's mean loss in bits per grapheme.
        case updated(bpc: Double)
        /// Nothing was updated; `reason` says what went wrong (NaN loss, ...).
        case failed(reason: String)
    }

    /// One optimizer step on the next window (see the file header).
    package func trainStep() -> StepResult {
        trainStreams.fill(window: dataPosition, from: tokens, inputs: inputs, targets: targets)
        let inject = faultInjection.map { f in { [step] (g: Buffer<Float>) in f(step + 1, g) } }
        let outcome = TrainingStep(gradClip: options.gradClip, explodingLoss: explodingLoss,
                                   reduce: dataParallel.map { p in { g, loss in p.reduce(g, &loss) } })
            .run(model: model, optimizer: optimizer, inputs: inputs, targets: targets, steps: trainStreams.steps,
                 state: state, rng: &rng, learningRate: stepLearningRate, afterBackward: inject)
        let loss: StepLoss
        switch outcome {
        case .failed(let failure): return .failed(reason: failure.description)
        case .updated(let l, _): loss = l
        }
        step += 1
        averaging?.add(model.parameters, afterStep: step)
        dataPosition += 1
        if dataPosition >= trainStreams.windowCount {
            dataPosition = 0
            epoch += 1
            state.reset()
        }
        if options.lrDecayEvery > 0, step % options.lrDecayEvery == 0 {
            learningRate *= options.lrDecay
        }
        pointNats += loss.nats
        pointTargets += loss.targets
        return .updated(bpc: loss.mean / ln2)
    }

    // MARK: - Evaluation

    /// Mean loss in bits per grapheme over the validation part, in windows of T steps
    /// carrying state, without dropout. Nil when `shouldStop` returned true between windows.
    package func evaluateValidation(shouldStop: () -> Bool = { false }) -> Double? {
        evaluate(validationStreams, state: validationState, shouldStop: shouldStop)
    }

    /// The same over the test part; nil when it is too small or `shouldStop` fired.
    package func evaluateTest(shouldStop: () -> Bool = { false }) -> Double? {
        guard let testStreams, let testState else { return nil }
        return evaluate(testStreams, state: testState, shouldStop: shouldStop)
    }

    func evaluate(_ streams: BatchStreams, state: RecurrentState<Float>, shouldStop: () -> Bool) -> Double? {
        guard streams.windowCount > 0 else { return nil }
        state.reset()
        var unused = rng  // dropout is off: the generator is not advanced
        var nats = 0.0
        if shouldStop() { return nil }   // also on a process without a share of these streams
        for w in 0..<streams.windowCount where !streams.streams.isEmpty {
            if shouldStop() { return nil }
            streams.fill(window: w, from: tokens, inputs: inputs, targets: targets)
            nats += model.forward(inputs: inputs, targets: targets, steps: streams.steps, state: state,
                                  training: false, rng: &unused)
        }
        // Across processes: the sum of every share (a process without one adds 0); shouldStop
        // is then the agreed flag, the same on every process.
        if let dataParallel { nats = dataParallel.sum(nats) }
        return nats / Double(streams.windowCount * streams.windowSize) / ln2
    }

    // MARK: - History

    /// Mean training bits per grapheme since the last history point (NaN if no step since).
    package var trainBPCSinceLastPoint: Double {
        pointTargets > 0 ? pointNats / Double(pointTargets) / ln2 : .nan
    }

    /// Appends a history point at the current step and starts a new training average.
    @discardableResult
    func recordPoint(valBPC: Double) -> HistoryPoint {
        var train = trainBPCSinceLastPoint
        if train.isNaN, valBPC.isFinite, let last = history.last, last.step == step {
            // An evaluation right after a train-only point at the same step: merge them.
            train = last.trainBPC
            history.removeLast()
        }
        let p = HistoryPoint(step: step, epoch: fractionalEpoch, trainBPC: train, valBPC: valBPC,
                             learningRate: learningRate)
        history.append(p)
        pointNats = 0
        pointTargets = 0
        return p
    }

    /// Evaluation points since the best one (for --patience).
    package var evaluationsSinceBest: Int {
        var best = Double.infinity, since = 0
        for p in history where p.valBPC.isFinite {
            if p.valBPC < best { best = p.valBPC; since = 0 } else { since += 1 }
        }
        return since
    }

    // MARK: - Snapshot and rollback

    /// The last good training state, kept in memory.
    final class Snapshot {
        let parameters: Buffer<Float>
        let moment1: Buffer<Float>
        let moment2: Buffer<Float>
        let state: RecurrentState<Float>
        var step = 0, epoch = 0, dataPosition = 0
        var learningRate = 0.0
        var rng = RandomGenerator(seed: 0)
        var historyCount = 0
        var bestValBPC: Double?

        init(parameterCount: Int, moment2Count: Int, state: RecurrentState<Float>) {
            parameters = Buffer(count: parameterCount)
            moment1 = Buffer(count: parameterCount)
            moment2 = Buffer(count: moment2Count)
            self.state = state
        }
    }

    /// Records the current state as the last good one (no allocation).
    func takeSnapshot() {
        snapshot.parameters.copy(from: model.parameters)
        snapshot.moment1.copy(from: optimizer.moment1)
        snapshot.moment2.copy(from: optimizer.moment2)
        snapshot.state.copy(from: state)
        snapshot.step = step
        snapshot.epoch = epoch
        snapshot.dataPosition = dataPosition
        snapshot.learningRate = learningRate
        snapshot.rng = rng
        snapshot.historyCount = history.count
        snapshot.bestValBPC = bestValBPC
        averaging?.takeSnapshot()
    }

    /// Returns to the last good snapshot with half its learning rate (which becomes
    /// the snapshot's, so repeated failures keep halving). Returns the step rolled back to.
    @discardableResult
    func rollBack() -> Int {
        model.parameters.copy(from: snapshot.parameters)
        optimizer.moment1.copy(from: snapshot.moment1)
        optimizer.moment2.copy(from: snapshot.moment2)
        state.copy(from: snapshot.state)
        step = snapshot.step
        optimizer.step = snapshot.step
        epoch = snapshot.epoch
        dataPosition = snapshot.dataPosition
        rng = snapshot.rng
        history.removeSubrange(min(snapshot.historyCount, history.count)...)
        bestValBPC = snapshot.bestValBPC
        averaging?.rollBack()
        snapshot.learningRate /= 2
        learningRate = snapshot.learningRate
        pointNats = 0
        pointTargets = 0
        return step
    }

    /// Whether every parameter is finite (checked before saving).
    package var parametersAreFinite: Bool {
        let p = model.parameters.base
        for k in 0..<model.parameters.count where !p[k].isFinite { return false }
        return true
    }

    // MARK: - Saving

    /// Everything an exact resume needs besides weights, config and vocabulary, as a checkpoint records it.
    /// Across processes a collective (it gathers the carried state of all B streams): call it on every process.
    package func trainingState() -> CheckpointTrainingState {
        CheckpointTrainingState(options: options.checkpointRecord, moment1: optimizer.moment1.array,
                                moment2: optimizer.moment2.array, step: step, epoch: epoch, dataPosition: dataPosition,
                                rngState: rng.stateWords, learningRate: learningRate, carriedState: carriedStateOfAllStreams(),
                                history: history.map(\.checkpointRecord),
                                average: averaging?.checkpointRecord(weightsAreAverage: averageSwappedIn))
    }
}

/// ln 2, to turn nats into bits.
let ln2 = 0.693_147_180_559_945_3
