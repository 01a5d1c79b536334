// `charlstm train CORPUS` (and `charlstm-train CORPUS`): train a model on a text file.
//
// stdout stays empty unless --json (one summary object at the end); the
// header, progress, evaluations and notes go to stderr. Flags are checked in
// `validate()` before any file is read or written, so bad input leaves
// nothing behind; the output directory is created only once the corpus and
// any checkpoint have been loaded and the batch geometry fits.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a character-level language model on a UTF-8 text file.",
        discussion: """
        The corpus is cut into graphemes once, split into train / validation / test \
        parts (contiguous, 90/5/5 by default), and the train part is fed as B parallel \
        streams in windows of T steps, carrying the hidden state across windows. \
        Writes OUT/NAME-latest.ckpt (every --checkpoint-every steps and at the end), \
        OUT/NAME-best.ckpt (on every validation improvement), OUT/latest.ckpt (a copy \
        of the best checkpoint, read by `charlstm sample` by default) and \
        OUT/NAME-loss.svg. Ctrl-C (or SIGTERM) finishes the current step, saves \
        OUT/NAME-latest.ckpt and exits with 130 (143); continue with the same command and \
        --resume OUT/NAME-latest.ckpt (flags that conflict with the checkpoint are refused, \
        and so is a --steps not above the checkpoint's step). \
        Dropout: 0 for small models, 0.2-0.5 for large ones (hidden ≥ 512) on small corpora. \
        With --bidirectional the model reads every window both ways and learns each \
        grapheme from the text on both sides of it, for `charlstm fill`; both \
        directions start each window from zero, the validation bpc is that fill loss \
        (far below a left-to-right model's), and the copy of the best checkpoint is \
        OUT/latest-fill.ckpt. \
        Across processes: `mpirun -np N charlstm train CORPUS ...` trains one model \
        data-parallel (Open MPI, loaded only then); --batch stays the global number of \
        streams, each process takes its share, only rank 0 prints and writes; see \
        docs/distributed.md.
        """
    )

    // MARK: Input

    @Argument(help: "The training corpus: a UTF-8 text file.")
    public var corpus: String

    @Option(name: .long, help: ArgumentHelp("Unicode normalization before segmentation (default: nfc).", valueName: "form"))
    public var normalize: NormalizationForm?

    @Flag(name: .long, help: "Replace invalid UTF-8 with U+FFFD instead of refusing the file (default: off).")
    public var lossy = false

    @Option(name: .long, help: ArgumentHelp("Keep at most N vocabulary entries, <unk> included; rarer graphemes map to <unk> (default: no cap).", valueName: "n"))
    public var maxVocab: Int?

    @Option(name: .long, help: ArgumentHelp("Map graphemes seen fewer than N times to <unk> (default: 1).", valueName: "n"))
    public var minCount: Int?

    @Option(name: .long, help: ArgumentHelp("Fraction of the corpus held out for validation (default: \(shortNumber(TrainCommand.defaults.valFraction))).", valueName: "f"))
    public var valFrac: Double?

    @Option(name: .long, help: ArgumentHelp("Fraction of the corpus held out for the final test (default: \(shortNumber(TrainCommand.defaults.testFraction))).", valueName: "f"))
    public var testFrac: Double?

    // MARK: Model

    @Option(name: .long, help: ArgumentHelp("Recurrent cell (default: lstm).", valueName: "cell"))
    public var cell: CellKind?

    @Option(name: .long, help: ArgumentHelp("Stacked recurrent layers (default: 2).", valueName: "n"))
    public var layers: Int?

    @Option(name: .long, help: ArgumentHelp("Hidden units per layer (default: 256).", valueName: "n"))
    public var hidden: Int?

    @Option(name: .long, help: ArgumentHelp("Embedding width (default: 64).", valueName: "n"))
    public var embed: Int?

    @Option(name: .long, help: ArgumentHelp("Dropout between layers, in [0, 1) (default: 0; try 0.2-0.5 for large models).", valueName: "p"))
    public var dropout: Double?

    @Option(name: .long, help: ArgumentHelp("How dropout's masks vary in a training window: step draws a fresh mask at every time step; window draws one per stream and unit and keeps it for the whole window (variational dropout); needs --dropout above 0 (default: step).", valueName: "step|window"))
    public var dropoutMask: DropoutMask?

    @Option(name: .long, help: ArgumentHelp("DropConnect on the recurrent weights, in [0, 1): each training step drops each W_h weight with this probability (AWD-LSTM's weight drop); evaluation and sampling use all weights (default: 0, off).", valueName: "p"))
    public var weightDrop: Double?

    @Flag(name: .long, help: "Train a bidirectional model for `charlstm fill` (restores missing graphemes from both sides); it cannot sample, predict or score (default: off, a left-to-right language model).")
    public var bidirectional = false

    // MARK: Optimisation

    @Option(name: .long, help: ArgumentHelp("Parallel streams per batch, B (default: \(TrainCommand.defaults.batch); shrinks for tiny corpora).", valueName: "n"))
    public var batch: Int?

    @Option(name: .long, help: ArgumentHelp("Steps per truncated-BPTT window, T (default: \(TrainCommand.defaults.seqLength); shrinks for tiny corpora).", valueName: "n"))
    public var seq: Int?

    @Option(name: .long, help: ArgumentHelp("Learning rate (default: \(shortNumber(TrainCommand.defaults.learningRate))).", valueName: "x"))
    public var lr: Double?

    @Option(name: .long, help: ArgumentHelp("Ramp the learning rate up linearly over the first N steps, for large batches (e.g. across processes); not kept by a checkpoint (default: 0, none).", valueName: "n"))
    public var warmup: Int = 0

    @Option(name: .long, help: ArgumentHelp("Optimizer (default: \(TrainCommand.defaults.optimizer.rawValue)).", valueName: "kind"))
    public var optimizer: OptimizerKind?

    @Option(name: .long, help: ArgumentHelp("Multiply the learning rate by this every --lr-decay-every steps (default: \(shortNumber(TrainCommand.defaults.lrDecay)), no decay).", valueName: "x"))
    public var lrDecay: Double?

    @Option(name: .long, help: ArgumentHelp("Steps between learning-rate decays (default: \(TrainCommand.defaults.lrDecayEvery), never).", valueName: "n"))
    public var lrDecayEvery: Int?

    @Option(name: .long, help: ArgumentHelp("Clip the global gradient norm to this (default: \(shortNumber(TrainCommand.defaults.gradClip)); 0 = off).", valueName: "x"))
    public var gradClip: Double?

    @Option(name: .long, help: ArgumentHelp("Train until this many optimizer steps in total, counted from the start of the run (also with --resume) (default: \(TrainingSchedule.defaultEpochs) epochs).", valueName: "n"))
    public var steps: Int?

    @Option(name: .long, help: ArgumentHelp("Train for this many passes over the training part (default: \(TrainingSchedule.defaultEpochs)).", valueName: "n"))
    public var epochs: Int?

    @Option(name: .long, help: ArgumentHelp("Seed of the one generator: initialisation and dropout (default: \(TrainCommand.defaults.seed)).", valueName: "n"))
    public var seed: UInt64?

    @Option(name: .long, help: ArgumentHelp("LSTM forget-gate bias at initialisation: a number, or 'drawn' to draw it like the other biases (--bias-init) (default: \(InitialisationDefaults.forgetBiasText)).", valueName: "x|drawn"))
    public var forgetBias: String?

    @Option(name: .long, help: ArgumentHelp("How the recurrent weights start: uniform like the others, or each gate block a random orthogonal matrix (default: \(InitialisationDefaults.recurrent.rawValue)).", valueName: "uniform|orthogonal"))
    var recurrentInit: RecurrentInitialisation?

    @Option(name: .long, help: ArgumentHelp("How the recurrent layers' biases start: pytorch, each the sum of two U(±1/√H) draws like PyTorch's two bias vectors, or uniform, one such draw (default: \(InitialisationDefaults.bias.rawValue)).", valueName: "pytorch|uniform"))
    var biasInit: BiasInitialisation?

    @Option(name: .long, help: ArgumentHelp("Keep the running mean of the weights after every step after STEP; evaluate it and save it as OUT/NAME-best.ckpt, while training continues on the raw weights; must be below --steps; kept by --resume (default: none). Start it once the learning rate has decayed.", valueName: "step"))
    public var averageFrom: Int?

    // MARK: Schedule and outputs

    @Option(name: .long, help: ArgumentHelp("Evaluate the validation part every N steps (default: total steps / 10, between 10 and 1000).", valueName: "n"))
    public var evalEvery: Int?

    @Option(name: .long, help: ArgumentHelp("Write OUT/NAME-latest.ckpt every N steps; 0 = only at the end.", valueName: "n"))
    public var checkpointEvery: Int = 500

    @Option(name: .long, help: ArgumentHelp("Stop after N evaluations without improvement; 0 = never.", valueName: "n"))
    public var patience: Int = 0

    @Option(name: .long, help: ArgumentHelp("Output directory (default: checkpoints; with --resume, the checkpoint's directory).", valueName: "dir"))
    public var out: String?

    @Option(name: .long, help: ArgumentHelp("Name of the run's files (default: the corpus file name without extension; with --resume of NAME-latest.ckpt or NAME-best.ckpt, NAME).", valueName: "name"))
    public var name: String?

    @Option(name: .long, help: ArgumentHelp("Continue a run exactly from a checkpoint written by charlstm train, on the same corpus; the first run's model, data and optimizer flags may be repeated when they equal the checkpoint's (default: none, a new run).", valueName: "ckpt"))
    public var resume: String?

    @Option(name: .long, help: ArgumentHelp("Fine-tune: start from a checkpoint's weights and vocabulary with a fresh optimizer; its shape flags may be repeated when they equal the checkpoint's (default: none).", valueName: "ckpt"))
    public var initFrom: String?

    @Option(name: .long, help: ArgumentHelp("Write one JSON object per evaluation to this file, JSONL; a resumed run appends (default: none).", valueName: "file"))
    public var log: String?

    @Option(name: .long, help: ArgumentHelp("BLAS threads (default: all cores).", valueName: "n"))
    public var threads: Int?

    @Flag(name: .long, help: "Print only notes, warnings and errors on stderr (default: off).")
    public var quiet = false

    @Flag(name: .long, help: "Print a JSON summary of the run on stdout at the end (default: off).")
    public var json = false

    public init() {}

    // MARK: - Validation

    static let maxWidth = 8192, maxBatch = 4096, maxSeq = 10_000, maxSteps = TrainingSchedule.maxSteps

    public func validate() throws {
        func require(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ValidationError(message()) }
        }
        if let v = layers { try require((1...ModelConfig.maxLayers).contains(v), "--layers must be between 1 and \(ModelConfig.maxLayers) (got \(v))") }
        if let v = hidden { try require((1...Self.maxWidth).contains(v), "--hidden must be between 1 and \(Self.maxWidth) (got \(v))") }
        if let v = embed { try require((1...Self.maxWidth).contains(v), "--embed must be between 1 and \(Self.maxWidth) (got \(v))") }
        if let v = dropout { try require(v >= 0 && v < 1, "--dropout must be at least 0 and below 1 (got \(v)); 0 for small models, 0.2-0.5 for large ones") }
        if let v = weightDrop { try require(v >= 0 && v < 1, "--weight-drop must be at least 0 and below 1 (got \(v)); try 0.25-0.5, or 0 for off") }
        if let v = batch { try require((1...Self.maxBatch).contains(v), "--batch must be between 1 and \(Self.maxBatch) (got \(v))") }
        if let v = seq { try require((1...Self.maxSeq).contains(v), "--seq must be between 1 and \(Self.maxSeq) (got \(v))") }
        if let v = lr { try require(v > 0 && v <= 10 && v.isFinite, "--lr must be above 0 and at most 10 (got \(v)); the default is 0.002") }
        if let v = lrDecay { try require(v > 0 && v <= 1, "--lr-decay must be above 0 and at most 1 (got \(v)); e.g. 0.97") }
        if let v = lrDecayEvery { try require(v >= 0 && v <= Self.maxSteps, "--lr-decay-every must be between 0 and \(Self.maxSteps) (got \(v))") }
        if let v = gradClip { try require(v >= 0 && v.isFinite, "--grad-clip must be 0 (off) or a positive number (got \(v))") }
        if let v = steps { try require((1...Self.maxSteps).contains(v), "--steps must be between 1 and \(Self.maxSteps) (got \(v))") }
        if let v = epochs { try require((1...1_000_000).contains(v), "--epochs must be between 1 and 1000000 (got \(v))") }
        try require(steps == nil || epochs == nil, "--steps and --epochs conflict; give one of them")
        if let v = averageFrom { try require((0...Self.maxSteps).contains(v), "--average-from must be a step between 0 and \(Self.maxSteps) (got \(v))") }
        if let v = evalEvery { try require((1...Self.maxSteps).contains(v), "--eval-every must be between 1 and \(Self.maxSteps) (got \(v))") }
        try require((0...Self.maxSteps).contains(checkpointEvery), "--checkpoint-every must be between 0 (only at the end) and \(Self.maxSteps) (got \(checkpointEvery))")
        try require((0...Self.maxSteps).contains(warmup), "--warmup must be between 0 (none) and \(Self.maxSteps) (got \(warmup))")
        try require((0...1_000_000).contains(patience), "--patience must be between 0 (off) and 1000000 (got \(patience))")
        if let v = threads { try require((1...1024).contains(v), "--threads must be between 1 and 1024 (got \(v))") }
        if let v = maxVocab { try require((2...ModelConfig.maxDimension).contains(v), "--max-vocab must be between 2 and \(ModelConfig.maxDimension) (got \(v)); it counts <unk>") }
        if let v = minCount { try require(v >= 1, "--min-count must be at least 1 (got \(v))") }
        if let v = valFrac { try require(v > 0 && v <= 0.5, "--val-frac must be above 0 and at most 0.5 (got \(v))") }
        if let v = testFrac { try require(v >= 0 && v <= 0.5, "--test-frac must be between 0 and 0.5 (got \(v))") }
        if let v = name {
            try require(!v.isEmpty && !v.contains("/") && v != "." && v != "..", "--name must be a non-empty file name without '/' (got '\(v)')")
        }
        if let out { try require(!out.isEmpty, "--out must not be empty; the default is checkpoints") }

        if resume != nil {
            try require(initFrom == nil, "--resume and --init-from conflict: --resume continues a run, --init-from starts a new one from a checkpoint's weights")
        }
        if let forgetBias {
            _ = try parseForgetBias(forgetBias)
            try require(initFrom == nil, "--forget-bias sets the initialisation of a new run; it cannot be combined with --init-from")
            try require((cell ?? .lstm) == .lstm, "--forget-bias applies to LSTM cells only (got --cell \(cell?.rawValue ?? ""))")
        }
        if recurrentInit != nil {
            try require(initFrom == nil, "--recurrent-init sets the initialisation of a new run; it cannot be combined with --init-from")
        }
        if biasInit != nil {
            try require(initFrom == nil, "--bias-init sets the initialisation of a new run; it cannot be combined with --init-from")
        }
        if initFrom != nil {
            // The model's shape flags are compared with the checkpoint in run(); the vocabulary
            // comes from the checkpoint, not from this corpus.
            if let flag = [("--max-vocab", maxVocab != nil), ("--min-count", minCount != nil)].first(where: { $0.1 }) {
                throw ValidationError("\(flag.0) cannot be combined with --init-from: the checkpoint fixes the vocabulary")
            }
        }
        let fracSum = (valFrac ?? Self.defaults.valFraction) + (testFrac ?? Self.defaults.testFraction)
        try require(fracSum < 0.9, "--val-frac plus --test-frac must leave at least 10% of the corpus for training (got \(fracSum))")
    }

    // MARK: - Run

    public func run() throws {
        // Started by mpirun: join the other processes (TrainCommand+Distributed.swift).
        guard let group = try joinProcessGroup() else { return try train(group: nil) }
        try train(inGroup: group)
    }

    /// The run, in one process (`group` nil) or as one process of `group`.
    func train(group: ProcessGroup?) throws {
        signal(SIGXFSZ, SIG_IGN)  // a file-size limit makes write() fail with EFBIG instead of killing us
        let threadCount = threads ?? availableCores()
        loadBLAS()   // before anything is written
        let progress = TrainingProgress.forStandardError(quiet: quiet)
        progress.silent = !(group?.isWriter ?? true)   // across processes rank 0 reports
        let runName = RunNaming.name(given: name, resuming: resume, corpus: corpus)
        let out = RunNaming.directory(given: self.out, resuming: resume)

        // Load the checkpoint (if any) and the corpus; nothing is written yet.
        var request = TrainingRequest(corpus: corpus, start: resume.map { .resume(checkpoint: $0) }
                                          ?? initFrom.map { .initFrom(checkpoint: $0) } ?? .fresh,
                                      runName: runName)
        request.settings = fixedSettings
        request.lossy = lossy
        request.maxVocab = maxVocab
        request.minCount = minCount
        request.forgetBias = try forgetBias.map(parseForgetBias) ?? InitialisationDefaults.forgetBias
        request.forgetBiasGiven = forgetBias != nil
        request.recurrentInit = recurrentInit ?? InitialisationDefaults.recurrent
        request.recurrentInitGiven = recurrentInit != nil
        request.biasInit = biasInit ?? InitialisationDefaults.bias
        request.biasInitGiven = biasInit != nil
        request.group = group
        request.threads = threadCount
        request.averageFrom = averageFrom
        let setup: TrainingSetup
        do {
            setup = try agreeOnSetup(group) { () throws in try TrainingSetup(request) { notice in
                switch notice {
                case .unknownGraphemes(let count, let size):
                    if let initFrom {
                        progress.note("\(count) graphemes of \(corpus) are not in \(initFrom)'s vocabulary of \(size) and map to <unk>")
                    } else {
                        progress.note("\(count) graphemes of \(corpus) are not in the checkpoint's vocabulary and map to <unk>; is this the corpus the run was trained on?")
                    }
                case .forgetBiasIgnored:
                    progress.note("--forget-bias only sets a new run's initialisation; the resumed run continues from the checkpoint's weights")
                case .recurrentInitIgnored:
                    progress.note("--recurrent-init only sets a new run's initialisation; the resumed run continues from the checkpoint's weights")
                case .biasInitIgnored:
                    progress.note("--bias-init only sets a new run's initialisation; the resumed run continues from the checkpoint's weights")
                case .largeVocabulary(let count):
                    if let warning = largeVocabularyWarning(count: count) { progress.warning(warning) }
                }
            } }
        } catch let error as TrainingSetupError {
            throw ValidationError(message(for: error))
        }
        let trainer = setup.trainer
        if setup.corpus.replacedSequences > 0 {
            progress.note("--lossy replaced \(setup.corpus.replacedSequences) invalid UTF-8 sequences in \(corpus) with U+FFFD")
        }
        let requested = setup.requested
        if (trainer.options.batch, trainer.options.seqLength) != requested {
            progress.note("the corpus is too small for --batch \(requested.batch) --seq \(requested.seqLength) "
                          + "(\(QuantityText.grouped(trainer.split.train.count)) training, \(QuantityText.grouped(trainer.split.validation.count)) validation graphemes): "
                          + "using --batch \(trainer.options.batch) --seq \(trainer.options.seqLength)")
        }

        // Schedule.
        let windows = trainer.trainStreams.windowCount
        let length = steps.map(TrainingLength.steps) ?? epochs.map(TrainingLength.epochs)
        let schedule = try TrainingSchedule(length: length, windowsPerEpoch: windows, resumed: setup.resumed,
                                            evalEvery: evalEvery)
        let total = schedule.totalSteps
        try schedule.checkAverage(from: trainer.averaging?.from)
        let outputs = TrainingOutputs(directory: out, name: runName, direction: trainer.model.config.direction)

        // Outputs: only now is anything created.
        let logFile: TrainingLog? = !trainer.writesFiles ? nil
            : try log.map { path throws(TrainingError) in try TrainingLog(path: path, append: resume != nil) }
        try outputs.prepare()

        let config = trainer.model.config
        progress.info("training \(config.direction == .bidirectional ? "bidirectional " : "")\(config.cell.rawValue) \(config.layers)×\(config.hidden) (embed \(config.embed)"
            + (config.dropout > 0 ? ", dropout \(shortNumber(Double(config.dropout)))" : "")
            + (config.dropout > 0 && trainer.options.dropoutMask == .window ? " (window masks)" : "")
            + (trainer.options.weightDrop > 0 ? ", weight drop \(shortNumber(trainer.options.weightDrop))" : "")
            + ", \(QuantityText.grouped(trainer.model.parameterCount)) parameters) on \(corpus): "
            + "vocabulary \(trainer.vocabulary.count), train \(QuantityText.grouped(trainer.split.train.count)) / "
            + "val \(QuantityText.grouped(trainer.split.validation.count)) / test \(QuantityText.grouped(trainer.split.test.count)) graphemes, "
            + "batch \(trainer.options.batch)×\(trainer.options.seqLength), \(windows) steps/epoch, "
            + (trainer.step > 0 ? "from step \(trainer.step) to \(total)" : "\(total) steps")
            + ", " + (group.map { "\($0.size) processes × " } ?? "") + "\(threadCount) thread\(threadCount == 1 ? "" : "s")")

        if let held = try trainer.heldTokensPerProcess() {
            progress.info("graphemes held per process: \(held.map(QuantityText.grouped).joined(separator: ", ")) of \(QuantityText.grouped(trainer.tokens.count))")
        }
        try installDebugNaNInjection(on: trainer)   // debug builds only: the tests' NaN

        let observer = TrainObserver(progress: progress, log: logFile)
        InterruptSignal.install()
        var settings = schedule.runSettings(checkpointEvery: checkpointEvery, patience: patience, outputs: outputs)
        settings.warmupSteps = warmup
        let summary: RunSummary
        do {
            summary = try trainer.run(settings, observer: observer)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        if let e = logFile?.writeError { progress.warning("could not write \(logFile!.path): \(e); the log is incomplete") }

        if summary.end == .interrupted {
            // Across processes the signal may have reached another process only (then: SIGTERM, as mpirun sends).
            let sig = InterruptSignal.received != 0 ? InterruptSignal.received : (group != nil ? SIGTERM : 0)
            progress.line("interrupted by \(InterruptSignal.name(sig))\(InterruptSignal.received == 0 && group != nil ? " to another process" : "") at step \(summary.step): saved \(outputs.latestPath); "
                          + "continue with: charlstm train \(corpus) --resume \(outputs.latestPath)")
            if json && trainer.writesFiles { OutputStream.standardOutput.line(Self.json(summary, outputs: outputs)) }
            OutputStream.standardOutput.flush()
            group?.finalize()
            Glibc.exit(128 + (sig == 0 ? SIGINT : sig))
        }
        var done = "done: step \(summary.step) (epoch \(fixed(summary.epoch, 2)))"
        if summary.end == .earlyStopped { done += ", stopped early after \(patience) evaluations without improvement" }
        if let v = summary.lastValBPC { done += ", val \(fixed(v, 3)) bpc" }
        if let b = summary.bestValBPC { done += " (best \(fixed(b, 3)))" }
        if let t = summary.testBPC { done += ", test \(fixed(t, 3)) bpc" }
        if summary.stepsThisRun > 0 { done += ", \(QuantityText.rate(summary.charsPerSecond)) chars/s" }
        done += ", \(QuantityText.duration(summary.seconds)); wrote \(outputs.currentPath) (copy of \(summary.bestCheckpoint ?? outputs.latestPath)), "
            + "\(outputs.latestPath) and \(outputs.plotPath)"
        progress.info(done)
        reportReduction(trainer, summary, progress)
        if json && trainer.writesFiles { OutputStream.standardOutput.line(Self.json(summary, outputs: outputs)) }
    }

    /// The flags a checkpoint fixes, as given (nil when not given).
    var fixedSettings: FixedSettings {
        var f = FixedSettings()
        f.cell = cell
        f.layers = layers
        f.hidden = hidden
        f.embed = embed
        f.bidirectional = bidirectional
        f.normalization = normalize
        f.dropout = dropout
        f.dropoutMask = dropoutMask
        f.weightDrop = weightDrop
        f.batch = batch
        f.seqLength = seq
        f.optimizer = optimizer
        f.learningRate = lr
        f.lrDecay = lrDecay
        f.lrDecayEvery = lrDecayEvery
        f.gradClip = gradClip
        f.seed = seed
        f.valFraction = valFrac
        f.testFraction = testFrac
        return f
    }

    /// The library's defaults, the one source of the training flags' defaults (and of their --help).
    static let defaults = TrainingOptions()

    static let resumeHint = " (a resumed run keeps the checkpoint's settings; use --init-from to start a new run from its weights)"

    /// The flag that gives `setting`.
    static func flag(for setting: FixedSetting) -> String {
        switch setting {
        case .cell: "--cell"
        case .layers: "--layers"
        case .hidden: "--hidden"
        case .embed: "--embed"
        case .bidirectional: "--bidirectional"
        case .normalization: "--normalize"
        case .dropout: "--dropout"
        case .dropoutMask: "--dropout-mask"
        case .weightDrop: "--weight-drop"
        case .learningRate: "--lr"
        case .optimizer: "--optimizer"
        case .lrDecay: "--lr-decay"
        case .lrDecayEvery: "--lr-decay-every"
        case .gradClip: "--grad-clip"
        case .seed: "--seed"
        case .validationFraction: "--val-frac"
        case .testFraction: "--test-frac"
        case .batch: "--batch"
        case .seqLength: "--seq"
        case .averageFrom: "--average-from"
        }
    }

    /// The line for a setup refusal, naming the flags to change.
    func message(for error: TrainingSetupError) -> String {
        switch error {
        case .conflicts(let conflicts, let resuming):
            // e.g. "--hidden 128 conflicts with the checkpoint's 64 (a resumed run keeps ...)".
            return conflicts.map { c in
                let flag = Self.flag(for: c.setting)
                return (c.given.isEmpty ? flag : "\(flag) \(c.given)") + " conflicts with the checkpoint's \(c.saved)"
            }.joined(separator: "; ")
                + (resuming ? Self.resumeHint : " (--init-from keeps the checkpoint's model shape and vocabulary)")
        case .vocabularyConflict(let maxVocab, let minCount, let corpus, let built, let kept):
            let flags = [maxVocab.map { "--max-vocab \($0)" }, minCount.map { "--min-count \($0)" }].compactMap { $0 }
            return flags.joined(separator: " ") + " conflict\(flags.count == 1 ? "s" : "") with the checkpoint's vocabulary: "
                + "on \(corpus) \(flags.count == 1 ? "it gives" : "they give") "
                + (built != kept ? "\(built) entries, not the checkpoint's \(kept)" : "other entries than the checkpoint's \(kept)")
                + Self.resumeHint
        case .invalidModel(let problem):
            return problem
        case .averageFromBeforeResume(let from, let step):
            return "--average-from \(from) is before the checkpoint's step \(step), which holds no weight average; "
                + "give --average-from \(step) or later"
        case .modelTooLarge(let needed?, let physical):
            return "model too large: training it needs about \(Int(needed / 1e9)) GB but this machine has \(Int(physical / 1e9)) GB; lower --hidden, --layers, --batch or --seq"
        case .modelTooLarge(nil, _):
            return "model too large: parameter count overflows"
        case .dropoutMaskWithoutDropout:
            return "--dropout-mask window needs dropout above 0 (the model's dropout is 0, so there is no mask to keep); give --dropout P, e.g. 0.3, or leave out --dropout-mask"
        }
    }

    /// The --json summary object.
    static func json(_ s: RunSummary, outputs: TrainingOutputs) -> String {
        func opt(_ x: String?) -> String { x.map(JSON.quote) ?? "null" }
        let fields: [(String, String)] = [
            ("status", JSON.quote(s.end.rawValue)),
            ("step", String(s.step)),
            ("epoch", JSON.number((s.epoch * 10_000).rounded() / 10_000)),
            ("steps_this_run", String(s.stepsThisRun)),
            ("train_bpc", JSON.number(s.lastTrainBPC)),
            ("val_bpc", JSON.number(s.lastValBPC)),
            ("best_val_bpc", JSON.number(s.bestValBPC)),
            ("test_bpc", JSON.number(s.testBPC)),
            ("chars_per_s", JSON.number((s.charsPerSecond * 10).rounded() / 10)),
            ("elapsed_s", JSON.number((s.seconds * 1000).rounded() / 1000)),
            ("recoveries", String(s.recoveries)),
            ("latest_checkpoint", opt(s.latestCheckpoint)),
            ("best_checkpoint", opt(s.bestCheckpoint)),
            ("checkpoint", opt(s.currentCheckpoint)),
            ("plot", opt(s.plot)),
        ]
        return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

/// Fans the trainer's reports out to the progress display and the JSONL log; stops on a signal.
final class TrainObserver: TrainingObserver {
    let progress: TrainingProgress
    let log: TrainingLog?

    init(progress: TrainingProgress, log: TrainingLog?) {
        self.progress = progress
        self.log = log
    }

    var shouldStop: Bool { InterruptSignal.received != 0 }
    func didStep(_ report: StepReport) { progress.step(report) }
    func didEvaluate(_ report: EvaluationReport) {
        progress.evaluation(report)
        log?.record(report)
    }
    func didRecover(_ report: RecoveryReport) { progress.recovery(report) }
}

extension CellKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
