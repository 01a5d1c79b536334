// ParameterLayout: where each parameter tensor lives in the one flat buffer.
//
// Dimension key: V vocabulary, E embedding, H hidden, G gate blocks of the
// cell (LSTM 4, GRU 3, RNN 1), L layers, in_l the input width of layer l
// (E for l = 0, H after).
//
// All parameters are one flat array of P scalars, cut into named views by
// this layout, in this order (row-major):
//
//   embedding            (V, E)
//   for l in 0..<L:
//     layer[l].wx        (in_l, G·H)   input weights, gate blocks side by side
//     layer[l].wh        (H, G·H)      recurrent weights
//     layer[l].bias      (G·H)
//   (bidirectional only) for l in 0..<L:
//     reverse[l].wx      (in_l, G·H)   the reverse stack, same shapes
//     reverse[l].wh      (H, G·H)
//     reverse[l].bias    (G·H)
//   output.w             (S·H, V)      S = 1 stack, or 2 when bidirectional
//   output.bias          (V)
//
// so P = V·E + S·Σ_l [(in_l + H)·G·H + G·H] + S·H·V + V.
// Gradients and optimizer moments use the same layout, so the optimizer
// step, gradient clipping and checkpoint I/O are each one loop over P.

/// A named 2-D (or 1-D, rows = 1) view into the flat parameter buffer.
package struct ParameterView: Equatable, Sendable {
    package var name: String
    /// First element in the flat buffer.
    package var offset: Int
    package var rows: Int
    package var cols: Int
    package var count: Int { rows * cols }
    package var range: Range<Int> { offset..<(offset + count) }
}

/// Views of one recurrent layer's parameters.
package struct LayerParameters: Equatable, Sendable {
    /// (in, G·H)
    package var wx: ParameterView
    /// (H, G·H)
    package var wh: ParameterView
    /// (1, G·H)
    package var bias: ParameterView
}

/// The layout of all parameters of a model in one flat buffer.
package struct ParameterLayout: Equatable, Sendable {
    package let config: ModelConfig
    /// (V, E)
    package let embedding: ParameterView
    package let layers: [LayerParameters]
    /// The reverse stack of a bidirectional model, bottom first; empty otherwise.
    package let reverseLayers: [LayerParameters]
    /// (S·H, V): S = 2 for a bidirectional model (forward features on top), else 1
    package let outputWeight: ParameterView
    /// (1, V)
    package let outputBias: ParameterView
    /// P, the total number of scalars.
    package let count: Int

    package init(_ config: ModelConfig) {
        var offset = 0
        func view(_ name: String, _ rows: Int, _ cols: Int) -> ParameterView {
            defer { offset += rows * cols }
            return ParameterView(name: name, offset: offset, rows: rows, cols: cols)
        }
        let (V, E, H, G) = (config.vocab, config.embed, config.hidden, config.cell.gateCount)
        self.config = config
        embedding = view("embedding", V, E)
        func stack(_ prefix: String) -> [LayerParameters] {
            (0..<config.layers).map { l in
                let input = l == 0 ? E : H
                return LayerParameters(
                    wx: view("\(prefix)\(l).wx", input, G * H),
                    wh: view("\(prefix)\(l).wh", H, G * H),
                    bias: view("\(prefix)\(l).bias", 1, G * H))
            }
        }
        layers = stack("layer")
        reverseLayers = config.direction == .bidirectional ? stack("reverse") : []
        outputWeight = view("output.w", config.direction.stacks * H, V)
        outputBias = view("output.bias", 1, V)
        count = offset
    }

    /// Every view in layout order.
    package var views: [ParameterView] {
        [embedding] + (layers + reverseLayers).flatMap { [$0.wx, $0.wh, $0.bias] } + [outputWeight, outputBias]
    }

    /// P computed with overflow checks (nil on overflow); the closed form above.
    package static func checkedCount(_ c: ModelConfig) -> Int? {
        func mul(_ a: Int, _ b: Int) -> Int? { let r = a.multipliedReportingOverflow(by: b); return r.overflow ? nil : r.partialValue }
        func add(_ a: Int, _ b: Int) -> Int? { let r = a.addingReportingOverflow(b); return r.overflow ? nil : r.partialValue }
        let G = c.cell.gateCount, S = c.direction.stacks
        guard c.layers >= 1, c.embed >= 1, c.hidden >= 1, c.vocab >= 1,
              let gh = mul(G, c.hidden),
              var total = mul(c.vocab, c.embed) else { return nil }
        for _ in 0..<S {
            for l in 0..<c.layers {
                let input = l == 0 ? c.embed : c.hidden
                guard let w = mul(input + c.hidden, gh), let t = add(total, w), let t2 = add(t, gh) else { return nil }
                total = t2
            }
        }
        guard let sh = mul(S, c.hidden), let o = mul(sh, c.vocab), let t = add(total, o), let t2 = add(t, c.vocab) else { return nil }
        return t2
    }
}
