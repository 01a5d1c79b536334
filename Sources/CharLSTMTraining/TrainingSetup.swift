// TrainingSetup: from what a user asks for (`TrainingRequest`: the corpus, how
// the run starts, the settings given) to a Trainer ready to run. Nothing is
// written; the corpus and any checkpoint are read.
//
//   fresh       build the vocabulary from the corpus, a new model (defaults for
//               what is not given), refuse a model that does not fit in memory
//   resume      the checkpoint must hold training state; settings given must
//               equal its own (FixedSettings); --max-vocab/--min-count must give
//               its vocabulary on this corpus; the corpus is encoded with it
//   initFrom    the model shape given must equal the checkpoint's; its weights
//               and vocabulary, a fresh optimizer with the settings given
//
// What the caller should tell the user along the way arrives as
// `TrainingSetupNotice`s, in order; refusals are `TrainingSetupError`s (and the
// checkpoint's, the text's and the trainer's own errors).

/// How a run starts.
import CharLSTMSupport
import CharLSTMModel
import CharLSTMText
import CharLSTMCheckpoint

public enum TrainingStart: Equatable, Sendable {
    /// A new model, initialised from the seed.
    case fresh
    /// Continue exactly from the checkpoint at this path.
    case resume(checkpoint: String)
    /// A new run from the weights and vocabulary of the checkpoint at this path.
    case initFrom(checkpoint: String)
}

/// What a training run is asked to do.
public struct TrainingRequest: Sendable {
    /// The training corpus: a UTF-8 text file.
    public var corpus: String
    public var start: TrainingStart
    /// The run's name, recorded in its checkpoints.
    public var runName: String
    /// The model, data and optimizer settings given (nil: the default, or the checkpoint's).
    public var settings = FixedSettings()
    /// Replace invalid UTF-8 with U+FFFD instead of refusing the corpus.
    public var lossy = false
    /// Vocabulary cap (<unk> included) and minimum count; fresh runs (and a resume that repeats them).
    public var maxVocab: Int?
    public var minCount: Int?
    /// The LSTM forget-gate bias of a new model (nil: drawn like the other biases).
    public var forgetBias: Double? = InitialisationDefaults.forgetBias
    /// Whether `forgetBias` was asked for: a resumed run keeps its weights and says so.
    public var forgetBiasGiven = false
    /// How a new model's recurrent weights start.
    package var recurrentInit: RecurrentInitialisation = InitialisationDefaults.recurrent
    /// Whether `recurrentInit` was asked for: a resumed run keeps its weights and says so.
    package var recurrentInitGiven = false
    /// How a new model's recurrent-layer biases start.
    package var biasInit: BiasInitialisation = InitialisationDefaults.bias
    /// Whether `biasInit` was asked for: a resumed run keeps its weights and says so.
    package var biasInitGiven = false
    /// The processes training together (nil: this one alone); see DataParallel.swift.
    package var group: ProcessGroup?
    /// The compute threads (≥ 1) the Trainer trains on.
    public var threads = 1
    /// Keep the running mean of the weights after every step after this one, evaluate and save
    /// it as the best checkpoint (nil: none; a resumed run keeps its checkpoint's). See WeightAverage.
    public var averageFrom: Int?

    public init(corpus: String, start: TrainingStart = .fresh, runName: String) {
        self.corpus = corpus
        self.start = start
        self.runName = runName
    }
}

/// Something the user should know about the run being set up.
public enum TrainingSetupNotice: Equatable, Sendable {
    /// `count` graphemes of the corpus are not in the checkpoint's vocabulary (of `vocabularySize`) and map to <unk>.
    case unknownGraphemes(count: Int, vocabularySize: Int)
    /// A forget bias was given for a resumed run, which continues from the checkpoint's weights.
    case forgetBiasIgnored
    /// A recurrent initialisation was given for a resumed run, which continues from the checkpoint's weights.
    case recurrentInitIgnored
    /// A bias initialisation was given for a resumed run, which continues from the checkpoint's weights.
    case biasInitIgnored
    /// The new vocabulary is large enough to slow training (`Vocabulary.isLarge`).
    case largeVocabulary(count: Int)
}

/// Why a run cannot be set up as asked.
public enum TrainingSetupError: Error, Equatable, CustomStringConvertible {
    /// Settings that differ from the checkpoint's (resuming: what --resume keeps; else the model's shape).
    case conflicts([SettingConflict], resuming: Bool)
    /// On `corpus`, the vocabulary cap or minimum count gives `built` entries (or other entries)
    /// where the resumed checkpoint has `kept`.
    case vocabularyConflict(maxVocab: Int?, minCount: Int?, corpus: String, built: Int, kept: Int)
    /// The model asked for is invalid (`ModelConfig.problem()`).
    case invalidModel(String)
    /// Weight averaging from `from` asked of a resumed run already at `step` whose checkpoint keeps no average.
    case averageFromBeforeResume(from: Int, step: Int)
    /// Training would need about `neededBytes` (nil: the parameter count overflows) of `physicalBytes`.
    case modelTooLarge(neededBytes: Double?, physicalBytes: Double)
    /// Window dropout masks asked for a model whose dropout is 0: there is no mask to share.
    case dropoutMaskWithoutDropout

    public var description: String {
        switch self {
        case .conflicts(let conflicts, let resuming):
            return conflicts.map(\.description).joined(separator: "; ")
                + (resuming ? " (a resumed run keeps the checkpoint's settings)" : " (the checkpoint fixes the model shape and vocabulary)")
        case .vocabularyConflict(_, _, let corpus, let built, let kept):
            return "the vocabulary cap or minimum count gives on \(corpus) "
                + (built != kept ? "\(built) entries, not the checkpoint's \(kept)" : "other entries than the checkpoint's \(kept)")
        case .invalidModel(let problem):
            return problem
        case .averageFromBeforeResume(let from, let step):
            return "cannot average the weights from step \(from): the checkpoint is at step \(step) and holds no average; "
                + "average from step \(step) or later"
        case .dropoutMaskWithoutDropout:
            return "window dropout masks need dropout above 0: with dropout 0 no mask is drawn"
        case .modelTooLarge(let needed, let physical):
            guard let needed else { return "model too large: parameter count overflows" }
            return "model too large: training it needs about \(Int(needed / 1e9)) GB but this machine has \(Int(physical / 1e9)) GB"
        }
    }
}

/// A trainer built as a `TrainingRequest` asks, with what the caller reports about it.
public struct TrainingSetup {
    public let trainer: Trainer
    /// The encoded corpus (counts of unknown graphemes and replaced sequences); across
    /// processes its `ids` are empty (each process holds its share in `trainer.tokens`).
    package let corpus: EncodedCorpus
    /// B and T as asked for (a resumed run: the checkpoint's); `trainer.options` holds those in force.
    package let requested: (batch: Int, seqLength: Int)
    /// The checkpoint's step and planned total, for a resumed run (see `TrainingSchedule`).
    package let resumed: (step: Int, plannedTotal: Int)?

    /// Reads the corpus (and checkpoint) and builds the trainer; `notify` hears each notice as it arises.
    public init(_ request: TrainingRequest, notify: (TrainingSetupNotice) -> Void = { _ in }) throws {
        let settings = request.settings
        if let p = settings.weightDrop, !(p >= 0 && p < 1) {
            throw TrainingSetupError.invalidModel("weight drop must be in [0, 1) (got \(p))")
        }
        let tokens: any TokenSource
        let sharded: ShardedTokens?
        switch request.start {
        case .resume(let path):
            let checkpoint = try CheckpointFile.read(path)
            let saved = try checkpoint.resumableState(path: path)
            // Settings repeated from the first run's command are fine when they equal the checkpoint's.
            try Self.refuse(settings.resumeConflicts(with: checkpoint.config, options: saved.options), resuming: true)
            let normalization = checkpoint.config.normalization
            if request.maxVocab != nil || request.minCount != nil {
                // The vocabulary these settings give on this corpus must be the checkpoint's.
                (corpus, tokens, sharded) = try Self.read(request, normalization: normalization,
                                                          order: .frequency(maxVocab: request.maxVocab, minCount: request.minCount ?? 1))
                if corpus.vocabulary != checkpoint.vocabulary {
                    throw TrainingSetupError.vocabularyConflict(maxVocab: request.maxVocab, minCount: request.minCount,
                                                                corpus: request.corpus, built: corpus.vocabulary.count,
                                                                kept: checkpoint.vocabulary.count)
                }
            } else {
                (corpus, tokens, sharded) = try Self.read(request, normalization: normalization,
                                                          order: .fixed(checkpoint.vocabulary))
                if corpus.unknownCount > 0 {
                    notify(.unknownGraphemes(count: corpus.unknownCount, vocabularySize: checkpoint.vocabulary.count))
                }
            }
            try Self.refuse(settings.geometryConflicts(with: saved.options, tokenCount: tokens.count), resuming: true)
            if request.forgetBiasGiven { notify(.forgetBiasIgnored) }
            if request.recurrentInitGiven { notify(.recurrentInitIgnored) }
            if request.biasInitGiven { notify(.biasInitIgnored) }
            requested = (saved.options.batch, saved.options.seqLength)
            trainer = try Trainer(resuming: checkpoint, path: path, tokens: tokens, corpusName: request.runName,
                                  group: request.group, threads: request.threads)
            resumed = (trainer.step, trainer.options.totalSteps)
        case .initFrom(let path):
            let checkpoint = try CheckpointFile.read(path)
            try Self.refuse(settings.modelConflicts(with: checkpoint.config), resuming: false)
            var config = checkpoint.config
            if let dropout = settings.dropout { config.dropout = Float(dropout) }
            (corpus, tokens, sharded) = try Self.read(request, normalization: config.normalization,
                                                      order: .fixed(checkpoint.vocabulary))
            if corpus.unknownCount > 0 {
                notify(.unknownGraphemes(count: corpus.unknownCount, vocabularySize: checkpoint.vocabulary.count))
            }
            let options = settings.trainingOptions()
            try Self.checkDropoutMask(config: config, options: options)
            requested = (options.batch, options.seqLength)
            trainer = try Trainer(config: config, vocabulary: checkpoint.vocabulary, tokens: tokens,
                                  options: options, corpusName: request.runName,
                                  initialParameters: checkpoint.parameters, group: request.group,
                                  threads: request.threads)
            resumed = nil
        case .fresh:
            let form = settings.normalization ?? .nfc
            (corpus, tokens, sharded) = try Self.read(request, normalization: form,
                                                      order: .frequency(maxVocab: request.maxVocab, minCount: request.minCount ?? 1))
            if Vocabulary.isLarge(count: corpus.vocabulary.count) {
                notify(.largeVocabulary(count: corpus.vocabulary.count))
            }
            let config = settings.newModelConfig(vocab: corpus.vocabulary.count)
            if let problem = config.problem() { throw TrainingSetupError.invalidModel(problem) }
            let options = settings.trainingOptions()
            try Self.checkDropoutMask(config: config, options: options)
            requested = (options.batch, options.seqLength)
            if let shortfall = TrainingMemory.shortfall(config: config, batch: options.batch, seq: options.seqLength) {
                throw shortfall
            }
            trainer = try Trainer(config: config, vocabulary: corpus.vocabulary, tokens: tokens,
                                  options: options, corpusName: request.runName, forgetBias: request.forgetBias,
                                  recurrentInit: request.recurrentInit, biasInit: request.biasInit, group: request.group,
                                  threads: request.threads)
            resumed = nil
        }
        // Weight averaging: a resumed run keeps its checkpoint's; one may be started at or after its step.
        if let from = request.averageFrom {
            if let kept = trainer.averaging {
                if kept.from != from {
                    throw TrainingSetupError.conflicts([SettingConflict(setting: .averageFrom, given: String(from),
                                                                        saved: String(kept.from))], resuming: true)
                }
            } else {
                if resumed != nil, from < trainer.step {
                    throw TrainingSetupError.averageFromBeforeResume(from: from, step: trainer.step)
                }
                trainer.average(from: from)
            }
        }
        // Across processes: now that the streams are known, tokenize what this process reads.
        try sharded?.load(trainer.heldTokenRanges)
    }

    /// Refuses window dropout masks without dropout (a resumed run keeps its checkpoint's pair).
    static func checkDropoutMask(config: ModelConfig, options: TrainingOptions) throws(TrainingSetupError) {
        if options.dropoutMask == .window && config.dropout == 0 { throw .dropoutMaskWithoutDropout }
    }

    /// The corpus as `order` encodes it, and the tokens the Trainer reads: in one process the
    /// whole corpus; across processes (ShardedCorpus) only this process's share, loaded once
    /// the Trainer knows its streams (`corpus.ids` is then empty; `tokens.count` is the corpus's).
    static func read(_ request: TrainingRequest, normalization: NormalizationForm,
                     order: VocabularyOrder) throws -> (EncodedCorpus, any TokenSource, ShardedTokens?) {
        if let group = request.group, group.size > 1 {
            if case .frequency(let maxVocab, let minCount) = order {
                try EncodedCorpus.checkCaps(maxVocab: maxVocab, minCount: minCount)
            }
            let (corpus, tokens) = try ShardedCorpus.read(file: request.corpus, normalization: normalization,
                                                          lossy: request.lossy, order: order, group: group)
            return (corpus, tokens, tokens)
        }
        let corpus: EncodedCorpus
        switch order {
        case .frequency(let maxVocab, let minCount):
            corpus = try EncodedCorpus.build(file: request.corpus, normalization: normalization, lossy: request.lossy,
                                             maxVocab: maxVocab, minCount: minCount)
        case .fixed(let vocabulary):
            corpus = try EncodedCorpus.encode(file: request.corpus, vocabulary: vocabulary,
                                              normalization: normalization, lossy: request.lossy)
        }
        return (corpus, corpus.ids, nil)
    }

    static func refuse(_ conflicts: [SettingConflict], resuming: Bool) throws(TrainingSetupError) {
        if !conflicts.isEmpty { throw .conflicts(conflicts, resuming: resuming) }
    }
}

extension Checkpoint {
    /// The training state a resume continues from; `path` names the file in the error.
    /// Throws `TrainingError.noTrainingState` for a weights-only checkpoint.
    package func resumableState(path: String) throws(TrainingError) -> CheckpointTrainingState {
        guard let training else { throw .noTrainingState(path: path) }
        return training
    }
}
