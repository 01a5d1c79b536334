// NeuronSignal: the per-unit values `charlstm show` reads from each cell.
//
//   LSTM  c (cell state), h (output), i, f, o (input, forget, output gates)
//   GRU   h (output), r (reset gate), z (update gate), n (candidate)
//   RNN   h (output)
// Gates lie in [0, 1] (diverging scale centred at 0.5, counted for gate
// saturation); h and n in [-1, 1] and c unbounded (centred at 0).

/// One signal of a recurrent cell, per unit.
import CharLSTMModel

package struct NeuronSignal: Equatable, Sendable {
    /// Where the value is in what InferenceModel.layerObserver reports.
    enum Source: Equatable, Sendable {
        /// Block `k` (of G) of the gate activations.
        case gate(Int)
        case cell
        case hidden
    }

    /// Short name shown in the picker ("c", "f").
    package let name: String
    /// What it is ("forget gate").
    package let title: String
    /// A gate in [0, 1] (saturation is measured for these).
    package let isGate: Bool
    let source: Source

    /// The value at the centre of the diverging scale.
    package var centre: Double { isGate ? 0.5 : 0 }

    /// The signals of `cell`, in picker order.
    package static func signals(for cell: CellKind) -> [NeuronSignal] {
        switch cell {
        case .lstm:
            return [NeuronSignal(name: "c", title: "cell state", isGate: false, source: .cell),
                    NeuronSignal(name: "h", title: "hidden state (output)", isGate: false, source: .hidden),
                    NeuronSignal(name: "i", title: "input gate", isGate: true, source: .gate(0)),
                    NeuronSignal(name: "f", title: "forget gate", isGate: true, source: .gate(1)),
                    NeuronSignal(name: "o", title: "output gate", isGate: true, source: .gate(2))]
        case .gru:
            return [NeuronSignal(name: "h", title: "hidden state", isGate: false, source: .hidden),
                    NeuronSignal(name: "r", title: "reset gate", isGate: true, source: .gate(0)),
                    NeuronSignal(name: "z", title: "update gate", isGate: true, source: .gate(1)),
                    NeuronSignal(name: "n", title: "candidate state", isGate: false, source: .gate(2))]
        case .rnn:
            return [NeuronSignal(name: "h", title: "hidden state", isGate: false, source: .hidden)]
        }
    }
}
