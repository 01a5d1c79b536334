// ModelConfig: the hyper-parameters that fix a model's shape.

/// The recurrent cell used by every layer of the stack.
import CharLSTMText

public enum CellKind: String, CaseIterable, Sendable {
    /// Long short-term memory (the default): forget, input, output gates and a cell state.
    case lstm
    /// Gated recurrent unit: reset and update gates, no separate cell state.
    case gru
    /// Vanilla (Elman) RNN: h' = tanh(W_xh·x + W_hh·h + b).
    case rnn

    /// Stable numeric code used in checkpoint files.
    package var code: UInt8 {
        switch self { case .lstm: 0; case .gru: 1; case .rnn: 2 }
    }

    package init?(code: UInt8) {
        switch code { case 0: self = .lstm; case 1: self = .gru; case 2: self = .rnn; default: return nil }
    }

    /// Number of gate blocks G in the fused weights: the input weight of a layer
    /// is (in, G·H), the recurrent weight (H, G·H), the bias (G·H).
    package var gateCount: Int {
        switch self { case .lstm: 4; case .gru: 3; case .rnn: 1 }
    }

    /// Whether the cell carries a separate cell state c besides h.
    package var hasCellState: Bool { self == .lstm }
}

/// Which way a model reads its text.
public enum Direction: String, CaseIterable, Sendable {
    /// A left-to-right language model: predicts each grapheme from the ones before it
    /// (`sample`, `predict`, `score`).
    case forward
    /// A forward and a reverse stack: predicts each grapheme from the ones before
    /// *and* after it (`fill`). See BidirectionalModel.
    case bidirectional

    /// Stable numeric code used in checkpoint files (CONF byte 2).
    package var code: UInt8 {
        switch self { case .forward: 0; case .bidirectional: 1 }
    }

    package init?(code: UInt8) {
        switch code { case 0: self = .forward; case 1: self = .bidirectional; default: return nil }
    }

    /// Number of recurrent stacks: 1 forward, or a forward and a reverse one.
    package var stacks: Int { self == .bidirectional ? 2 : 1 }
}

/// The shape of a model: embedding (V×E) → L recurrent layers of width H → linear (H×V) → softmax.
/// A bidirectional model has two such stacks (forward and reverse) and a linear layer (2H×V).
public struct ModelConfig: Equatable, Sendable {
    public var cell: CellKind
    /// Forward language model (the default) or bidirectional fill model.
    public var direction: Direction
    /// L, number of stacked recurrent layers (≥ 1).
    public var layers: Int
    /// E, embedding width (≥ 1).
    public var embed: Int
    /// H, hidden width of every recurrent layer (≥ 1).
    public var hidden: Int
    /// V, vocabulary size including `<unk>` at id 0 (≥ 2).
    public var vocab: Int
    /// Inverted-dropout probability between layers and before the output layer (0 ≤ p < 1).
    public var dropout: Float
    /// Normalization applied to all text this model meets.
    public var normalization: NormalizationForm

    public init(cell: CellKind = .lstm, layers: Int = 2, embed: Int = 64, hidden: Int = 256,
                vocab: Int, dropout: Float = 0, normalization: NormalizationForm = .nfc,
                direction: Direction = .forward) {
        self.cell = cell
        self.direction = direction
        self.layers = layers
        self.embed = embed
        self.hidden = hidden
        self.vocab = vocab
        self.dropout = dropout
        self.normalization = normalization
    }

    /// Largest accepted size of any one dimension; guards size arithmetic against
    /// overflow from corrupt files or absurd flags.
    public static let maxDimension = 1 << 20
    /// Largest accepted layer count.
    public static let maxLayers = 64

    /// Checks that every size is in range and that the parameter count does not
    /// overflow. Returns a one-line description of the first problem, or nil.
    public func problem() -> String? {
        if layers < 1 || layers > Self.maxLayers { return "layers must be between 1 and \(Self.maxLayers) (got \(layers))" }
        if embed < 1 || embed > Self.maxDimension { return "embedding size must be between 1 and \(Self.maxDimension) (got \(embed))" }
        if hidden < 1 || hidden > Self.maxDimension { return "hidden size must be between 1 and \(Self.maxDimension) (got \(hidden))" }
        if vocab < 2 || vocab > Self.maxDimension { return "vocabulary size must be between 2 and \(Self.maxDimension) (got \(vocab))" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1) (got \(dropout))" }
        if ParameterLayout.checkedCount(self) == nil { return "model too large: parameter count overflows" }
        return nil
    }
}
