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
//   output.w             (H, V)
//   output.bias          (V)
//
// so P = V·E + Σ_l [(in_l + H)·G·H + G·H] + H·V + V.
// Gradients and optimizer moments use the same layout, so the optimizer
// step, gradient clipping and checkpoint I/O are each one loop over P.

/// A named 2-D (or 1-D, rows = 1) view into the flat parameter buffer.
public struct ParameterView: Equatable, Sendable {
    public var name: String
    /// First element in the flat buffer.
    public var offset: Int
    public var rows: Int
    public var cols: Int
    public var count: Int { rows * cols }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// Views of one recurrent layer's parameters.
public struct LayerParameters: Equatable, Sendable {
    /// (in, G·H)
    public var wx: ParameterView
    /// (H, G·H)
    public var wh: ParameterView
    /// (1, G·H)
    public var bias: ParameterView
}

/// The layout of all parameters of a model in one flat buffer.
public struct ParameterLayout: Equatable, Sendable {
    public let config: ModelConfig
    /// (V, E)
    public let embedding: ParameterView
    public let layers: [LayerParameters]
    /// (H, V)
    public let outputWeight: ParameterView
    /// (1, V)
    public let outputBias: ParameterView
    /// P, the total number of scalars.
    public let count: Int

    public init(_ config: ModelConfig) {
        var offset = 0
        func view(_ name: String, _ rows: Int, _ cols: Int) -> ParameterView {
            defer { offset += rows * cols }
            return ParameterView(name: name, offset: offset, rows: rows, cols: cols)
        }
        let (V, E, H, G) = (config.vocab, config.embed, config.hidden, config.cell.gateCount)
        self.config = config
        embedding = view("embedding", V, E)
        var layers: [LayerParameters] = []
        for l in 0..<config.layers {
            let input = l == 0 ? E : H
            layers.append(LayerParameters(
                wx: view("layer\(l).wx", input, G * H),
                wh: view("layer\(l).wh", H, G * H),
                bias: view("layer\(l).bias", 1, G * H)))
        }
        self.layers = layers
        outputWeight = view("output.w", H, V)
        outputBias = view("output.bias", 1, V)
        count = offset
    }

    /// Every view in layout order.
    public var views: [ParameterView] {
        [embedding] + layers.flatMap { [$0.wx, $0.wh, $0.bias] } + [outputWeight, outputBias]
    }

    /// P computed with overflow checks (nil on overflow); the closed form above.
    public static func checkedCount(_ c: ModelConfig) -> Int? {
        func mul(_ a: Int, _ b: Int) -> Int? { let r = a.multipliedReportingOverflow(by: b); return r.overflow ? nil : r.partialValue }
        func add(_ a: Int, _ b: Int) -> Int? { let r = a.addingReportingOverflow(b); return r.overflow ? nil : r.partialValue }
        let G = c.cell.gateCount
        guard c.layers >= 1, c.embed >= 1, c.hidden >= 1, c.vocab >= 1,
              let gh = mul(G, c.hidden),
              var total = mul(c.vocab, c.embed) else { return nil }
        for l in 0..<c.layers {
            let input = l == 0 ? c.embed : c.hidden
            guard let w = mul(input + c.hidden, gh), let t = add(total, w), let t2 = add(t, gh) else { return nil }
            total = t2
        }
        guard let o = mul(c.hidden, c.vocab), let t = add(total, o), let t2 = add(t, c.vocab) else { return nil }
        return t2
    }
}
