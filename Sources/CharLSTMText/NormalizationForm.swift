// NormalizationForm: which Unicode normalization is applied before segmentation.

/// The Unicode normalization applied to text before it is cut into graphemes.
/// The same form is used everywhere a model meets text (training, priming,
/// prediction, scoring); checkpoints record it.
public enum NormalizationForm: String, CaseIterable, Sendable {
    /// Canonical composition (the default): "e" + U+0301 becomes "é".
    case nfc
    /// Compatibility composition: also folds ligatures, full-width forms, ...
    case nfkc
    /// No normalization: tokenize → detokenize is byte-identical.
    case none

    /// Stable numeric code used in checkpoint files.
    package var code: UInt8 {
        switch self { case .nfc: 0; case .nfkc: 1; case .none: 2 }
    }

    package init?(code: UInt8) {
        switch code { case 0: self = .nfc; case 1: self = .nfkc; case 2: self = .none; default: return nil }
    }
}
