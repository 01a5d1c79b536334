// BatchStreams: one part of the corpus cut into B contiguous streams, read T steps at a time.
//
// Dimension key: B streams (batch), T steps per window, S = ⌊count / B⌋ ids per stream.
//
//   stream b = part[b·S ..< (b+1)·S]
//   window w: inputs[t·B + b]  = stream_b[w·T + t]        (T, B) time-major
//             targets[t·B + b] = stream_b[w·T + t + 1]
//
// Consecutive windows of a stream are consecutive text, so the hidden state
// the model ends a window with is the right state to start the next one from
// (truncated BPTT). In a data-parallel run each process fills only its
// contiguous share `streams` of the B streams (time-major (T, |streams|)).
// A part yields W = ⌊(S - 1) / T⌋ windows; the last
// S - 1 - W·T ids of each stream are not used as inputs in that pass.

/// B parallel streams over a contiguous range of a corpus, read in windows of T steps.
public struct BatchStreams: Equatable, Sendable {
    /// The ids this reader covers.
    public let range: Range<Int>
    /// B, parallel streams.
    public let batch: Int
    /// T, steps per window.
    public let steps: Int
    /// S, ids per stream.
    public let streamLength: Int
    /// W, windows per pass over the part.
    public let windowCount: Int
    /// The streams this process fills (all B in one process; a share across processes).
    public let streams: Range<Int>

    /// Streams over `range`; `windowCount` is 0 when a stream is too short for one window.
    public init(range: Range<Int>, batch: Int, steps: Int, streams: Range<Int>? = nil) {
        self.range = range
        self.batch = max(1, batch)
        self.steps = max(1, steps)
        streamLength = range.count / self.batch
        windowCount = streamLength > 0 ? (streamLength - 1) / self.steps : 0
        self.streams = streams ?? 0..<self.batch
    }

    /// T·B, the ids of one window (all B streams, whichever this process fills).
    public var windowSize: Int { batch * steps }

    /// Fills `inputs` and `targets` (T·|streams| each, time-major) with window `w` (0 ≤ w < windowCount)
    /// of the streams in `streams`.
    public func fill(window w: Int, from tokens: any TokenSource,
                     inputs: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Int32>) {
        let width = streams.count
        for b in streams {
            let start = range.lowerBound + b * streamLength + w * steps
            let column = b - streams.lowerBound
            tokens.copyIDs(from: start, count: steps, into: inputs + column, stride: width)
            tokens.copyIDs(from: start + 1, count: steps, into: targets + column, stride: width)
        }
    }
}
