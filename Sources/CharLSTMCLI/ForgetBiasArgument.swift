// The --forget-bias argument of `train` and `bench`: the LSTM forget-gate bias
// at initialisation, a number or "drawn" (drawn like the other biases, as
// PyTorch does).

import ArgumentParser

/// The bias a --forget-bias argument asks for: nil for "drawn".
func parseForgetBias(_ text: String) throws -> Double? {
    if text == "drawn" { return nil }
    guard let value = Double(text), value.isFinite else {
        throw ValidationError("--forget-bias must be a number or 'drawn' (got '\(text)')")
    }
    return value
}
