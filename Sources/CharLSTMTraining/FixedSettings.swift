// FixedSettings: the settings a checkpoint fixes, as a command line gives them,
// and how they compare with what the checkpoint holds.
//
// `charlstm train --resume CKPT` continues a run exactly, so the model shape, the
// data split, the batch geometry and the optimizer's settings come from CKPT.
// A user who re-runs the command they typed with --resume added repeats those
// flags: each one is accepted when it equals the checkpoint's value, and each
// one that differs is a `SettingConflict` naming both values. `--init-from`
// fixes only the model's shape (and vocabulary) the same way.

import CharLSTMText
import CharLSTMModel
import CharLSTMCheckpoint

/// A setting a checkpoint fixes; the CLI spells each as its flag (`--hidden`).
public enum FixedSetting: String, Equatable, Sendable, CaseIterable {
    case cell, layers, hidden, embed, bidirectional, normalization
    case dropout, dropoutMask, weightDrop, learningRate, optimizer, lrDecay, lrDecayEvery, gradClip, seed
    case validationFraction, testFraction, batch, seqLength
    case averageFrom

    /// The setting in the library's words, e.g. "hidden size".
    public var name: String {
        switch self {
        case .cell: "cell"
        case .layers: "layer count"
        case .hidden: "hidden size"
        case .embed: "embedding size"
        case .bidirectional: "bidirectional"
        case .normalization: "normalization"
        case .dropout: "dropout"
        case .dropoutMask: "dropout mask"
        case .weightDrop: "weight drop"
        case .learningRate: "learning rate"
        case .optimizer: "optimizer"
        case .lrDecay: "learning-rate decay"
        case .lrDecayEvery: "learning-rate decay interval"
        case .gradClip: "gradient clip"
        case .seed: "seed"
        case .validationFraction: "validation fraction"
        case .testFraction: "test fraction"
        case .batch: "batch size"
        case .seqLength: "sequence length"
        case .averageFrom: "weight averaging's first step"
        }
    }
}

/// One setting whose value differs from the checkpoint's.
public struct SettingConflict: Equatable, Sendable, CustomStringConvertible {
    /// Which setting, e.g. `.hidden`.
    public var setting: FixedSetting
    /// The value given ("" for a bare request such as bidirectional).
    public var given: String
    /// What the checkpoint holds, e.g. "64" or "left-to-right model".
    public var saved: String

    public init(setting: FixedSetting, given: String, saved: String) {
        self.setting = setting
        self.given = given
        self.saved = saved
    }

    /// "hidden size 128 conflicts with the checkpoint's 64" (the CLI names the flag instead).
    public var description: String {
        (given.isEmpty ? setting.name : "\(setting.name) \(given)") + " conflicts with the checkpoint's \(saved)"
    }
}

/// The model, data and optimizer settings of `charlstm train`, each nil when not given.
public struct FixedSettings: Equatable, Sendable {
    // The model's shape: fixed by --resume and by --init-from.
    public var cell: CellKind?
    public var layers: Int?
    public var hidden: Int?
    public var embed: Int?
    /// Only `true` is a request (the flag has no "off" spelling).
    public var bidirectional = false
    public var normalization: NormalizationForm?

    // The run: fixed by --resume only.
    public var dropout: Double?
    /// How dropout's masks vary within a training window (nil: `.step`; resuming: the checkpoint's).
    public var dropoutMask: DropoutMask?
    /// DropConnect probability on the recurrent weights in training (nil: 0, off; resuming: the checkpoint's).
    public var weightDrop: Double?
    /// B and T as asked for; a small corpus may have shrunk them (see `geometryConflicts`).
    public var batch: Int?
    public var seqLength: Int?
    public var optimizer: OptimizerKind?
    /// The configured learning rate (the checkpoint also holds the rate in force after decay and halvings).
    public var learningRate: Double?
    public var lrDecay: Double?
    public var lrDecayEvery: Int?
    public var gradClip: Double?
    public var seed: UInt64?
    public var valFraction: Double?
    public var testFraction: Double?

    public init() {}

    /// Training options from these settings; what is not given keeps `defaults`' value.
    package func trainingOptions(defaults: TrainingOptions = TrainingOptions()) -> TrainingOptions {
        var o = defaults
        o.optimizer = optimizer ?? o.optimizer
        o.batch = batch ?? o.batch
        o.seqLength = seqLength ?? o.seqLength
        o.learningRate = learningRate ?? o.learningRate
        o.lrDecay = lrDecay ?? o.lrDecay
        o.lrDecayEvery = lrDecayEvery ?? o.lrDecayEvery
        o.gradClip = gradClip ?? o.gradClip
        o.valFraction = valFraction ?? o.valFraction
        o.testFraction = testFraction ?? o.testFraction
        o.seed = seed ?? o.seed
        o.weightDrop = weightDrop ?? o.weightDrop
        o.dropoutMask = dropoutMask ?? o.dropoutMask
        return o
    }

    /// A new model over `vocab` graphemes: an LSTM 2×256 with embedding 64, no dropout and
    /// NFC, left to right, for what is not given.
    public func newModelConfig(vocab: Int) -> ModelConfig {
        ModelConfig(cell: cell ?? .lstm, layers: layers ?? 2, embed: embed ?? 64, hidden: hidden ?? 256,
                    vocab: vocab, dropout: Float(dropout ?? 0), normalization: normalization ?? .nfc,
                    direction: bidirectional ? .bidirectional : .forward)
    }

    /// Settings that differ from the model `config` (what --init-from keeps), in flag order.
    public func modelConflicts(with config: ModelConfig) -> [SettingConflict] {
        [
            conflict(.cell, cell, config.cell, \.rawValue),
            conflict(.layers, layers, config.layers, \.description),
            conflict(.hidden, hidden, config.hidden, \.description),
            conflict(.embed, embed, config.embed, \.description),
            bidirectional && config.direction != .bidirectional
                ? SettingConflict(setting: .bidirectional, given: "", saved: "left-to-right model") : nil,
            conflict(.normalization, normalization, config.normalization, \.rawValue),
        ].compactMap { $0 }
    }

    /// Settings that differ from a checkpoint's model and training options (what --resume keeps),
    /// in flag order. --batch and --seq are left to `geometryConflicts`, which needs the corpus.
    package func resumeConflicts(with config: ModelConfig, options: CheckpointTrainingOptions) -> [SettingConflict] {
        modelConflicts(with: config) + [
            // The checkpoint holds dropout as a Float: compare at that precision.
            conflict(.dropout, dropout.map { Float($0) }, config.dropout) { plain(Double($0)) },
            conflict(.dropoutMask, dropoutMask, options.dropoutMask, \.rawValue),
            conflict(.weightDrop, weightDrop, options.weightDrop, plain),
            conflict(.learningRate, learningRate, options.learningRate, plain),
            conflict(.optimizer, optimizer, options.optimizer, \.rawValue),
            conflict(.lrDecay, lrDecay, options.lrDecay, plain),
            conflict(.lrDecayEvery, lrDecayEvery, options.lrDecayEvery, \.description),
            conflict(.gradClip, gradClip, options.gradClip, plain),
            conflict(.seed, seed, options.seed, \.description),
            conflict(.validationFraction, valFraction, options.valFraction, plain),
            conflict(.testFraction, testFraction, options.testFraction, plain),
        ].compactMap { $0 }
    }

    /// --batch and --seq against the geometry `options` holds (B and T in force). A value
    /// that differs still agrees when this corpus of `tokenCount` ids shrinks it to the
    /// checkpoint's, as it did when the run started (`--batch 50` on a small corpus ran with 12).
    package func geometryConflicts(with options: CheckpointTrainingOptions, tokenCount: Int) -> [SettingConflict] {
        let asked = (batch: batch ?? options.batch, seq: seqLength ?? options.seqLength)
        if asked == (options.batch, options.seqLength) { return [] }
        let split = CorpusSplit(count: tokenCount, validationFraction: options.valFraction, testFraction: options.testFraction)
        // What the run would use with these flags on this corpus; a flag conflicts when its part differs.
        let fit = try? BatchGeometry.fit(split: split, batch: asked.batch, steps: asked.seq,
                                         validationFraction: options.valFraction, corpusCount: tokenCount)
        var found: [SettingConflict] = []
        if let batch, (fit?.batch ?? batch) != options.batch {
            found.append(SettingConflict(setting: .batch, given: batch.description, saved: options.batch.description))
        }
        if let seqLength, (fit?.steps ?? seqLength) != options.seqLength {
            found.append(SettingConflict(setting: .seqLength, given: seqLength.description, saved: options.seqLength.description))
        }
        return found
    }
}

/// The conflict of a setting given as `given` with the checkpoint's `saved`; nil when not given or equal.
private func conflict<T: Equatable>(_ setting: FixedSetting, _ given: T?, _ saved: T, _ text: (T) -> String) -> SettingConflict? {
    guard let given, given != saved else { return nil }
    return SettingConflict(setting: setting, given: text(given), saved: text(saved))
}

/// A number as a user would type it: "5" rather than "5.0", every digit of 0.0015 kept.
/// A Float widened to Double prints its Float spelling (0.1, not 0.10000000149011612).
func plain(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return Int(x).description }
    if let f = Float(exactly: x) { return f.description }
    return x.description
}
