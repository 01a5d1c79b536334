// RecurrentState: the explicit (h, c) state of every layer, carried across windows.
//
// Dimension key: B batch (streams), H hidden, L layers.

/// The state of one recurrent layer for B streams.
import CharLSTMSupport

package final class LayerState<T: BLASScalar> {
    package let batch: Int
    package let hidden: Int
    /// h, (B, H)
    package let h: Buffer<T>
    /// c, (B, H) for LSTM; empty (count 0) for GRU and RNN.
    package let c: Buffer<T>

    package init(batch: Int, hidden: Int, hasCell: Bool) {
        self.batch = batch
        self.hidden = hidden
        h = Buffer(count: batch * hidden)
        c = Buffer(count: hasCell ? batch * hidden : 0)
    }

    /// Zeroes h and c (the state a stream starts from).
    package func reset() { h.zero(); c.zero() }

    /// Zeroes h and c of stream `b` only.
    package func reset(stream b: Int) {
        (h.base + b * hidden).update(repeating: 0, count: hidden)
        if c.count > 0 { (c.base + b * hidden).update(repeating: 0, count: hidden) }
    }
}

/// The state of a whole stack: one `LayerState` per layer, for B streams.
package final class RecurrentState<T: BLASScalar> {
    package let layers: [LayerState<T>]
    package var batch: Int { layers[0].batch }

    package init(config: ModelConfig, batch: Int) {
        layers = (0..<config.layers).map { _ in
            LayerState(batch: batch, hidden: config.hidden, hasCell: config.cell.hasCellState)
        }
    }

    /// Zeroes every layer's state.
    package func reset() { for l in layers { l.reset() } }

    /// All state as one flat array, layer by layer, h then c: L × (1 or 2) × B × H values.
    package func flattened() -> [T] {
        var out: [T] = []
        for l in layers { out += l.h.array; out += l.c.array }
        return out
    }

    /// Restores state from `flattened()` output; false when the count does not match.
    @discardableResult
    package func restore(from values: [T]) -> Bool {
        let total = layers.reduce(0) { $0 + $1.h.count + $1.c.count }
        guard values.count == total else { return false }
        var i = 0
        for l in layers {
            for j in 0..<l.h.count { l.h[j] = values[i]; i += 1 }
            for j in 0..<l.c.count { l.c[j] = values[i]; i += 1 }
        }
        return true
    }

    /// Copies another state of the same shape.
    package func copy(from other: RecurrentState<T>) {
        for (a, b) in zip(layers, other.layers) { a.h.copy(from: b.h); a.c.copy(from: b.c) }
    }
}
