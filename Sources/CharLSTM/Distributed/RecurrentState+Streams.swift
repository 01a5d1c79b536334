// RecurrentState+Streams: one process's share of the carried state of B streams,
// in and out of the layout a checkpoint records for all of them.
//
// Dimension key: L layers, B streams in all, S = |streams| of them here, H hidden.
//
//   all streams (checkpoint):  per layer: h (B, H), then c (B, H) for an LSTM
//   this process:              per layer: h (S, H), c (S, H): rows `streams` of the above

extension RecurrentState {
    /// Restores rows `streams` of a flat state of `total` streams (`flattened()`'s layout
    /// for B = total); false when the count does not match.
    package func restore(from values: [T], streams: Range<Int>, of total: Int) -> Bool {
        guard streams.count == batch, streams.lowerBound >= 0, streams.upperBound <= total else { return false }
        let perStream = layers.reduce(0) { $0 + ($1.c.count > 0 ? 2 : 1) * $1.hidden }
        guard values.count == perStream * total else { return false }
        var at = 0
        for l in layers {
            for part in l.c.count > 0 ? [l.h, l.c] : [l.h] {
                for k in 0..<(streams.count * l.hidden) { part[k] = values[at + streams.lowerBound * l.hidden + k] }
                at += total * l.hidden
            }
        }
        return true
    }

    /// Writes this share (rows `streams` of `total`) into `all`, a zeroed flat state of
    /// `total` streams, leaving the other rows as they are.
    package func place(into all: UnsafeMutableBufferPointer<T>, streams: Range<Int>, of total: Int) {
        var at = 0
        for l in layers {
            for part in l.c.count > 0 ? [l.h, l.c] : [l.h] {
                for k in 0..<(streams.count * l.hidden) { all[at + streams.lowerBound * l.hidden + k] = part[k] }
                at += total * l.hidden
            }
        }
    }

    /// Values per stream: Σ over layers of H (h) and H more for an LSTM's c.
    package var valuesPerStream: Int { layers.reduce(0) { $0 + ($1.c.count > 0 ? 2 : 1) * $1.hidden } }
}
