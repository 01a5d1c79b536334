// DropoutMask: how dropout's masks vary within a training window.
//
// Dimension key: T time steps, B batch (streams), H hidden.
//   step    a fresh mask for every element of every time step: (T, B, H) per layer
//           per window, T·B·H draws (the training of builds before the choice existed).
//   window  variational dropout (Gal & Ghahramani 2016; AWD-LSTM's "locked dropout"):
//           one mask per stream and unit, (B, H) per layer per window, B·H draws,
//           applied at every time step of that window, forward and backward.
// Both draw from the run's one generator, where dropout draws (RecurrentStack), and
// both keep 0 or 1/(1 - p); evaluation and inference use no mask.
// Across processes (each holding a contiguous share of the B streams) every process
// draws the window masks of all B streams, as one process does, and uses its share's
// rows (`DropoutShare`), so N processes apply the masks one process applies.

/// How dropout's masks vary within a training window.
public enum DropoutMask: String, CaseIterable, Sendable {
    /// A fresh mask at every time step.
    case step
    /// One mask per stream and unit, shared by every time step of the window.
    case window

    /// Stable numeric code used in checkpoint files (TRAN byte 168).
    package var code: UInt8 {
        switch self { case .step: 0; case .window: 1 }
    }

    package init?(code: UInt8) {
        switch code { case 0: self = .step; case 1: self = .window; default: return nil }
    }
}

/// The streams a process holds of a run's B: rows `offset..<offset + B_r` of the (B, H) window masks.
package struct DropoutShare: Equatable, Sendable {
    /// The first stream this process holds.
    package var offset: Int
    /// B, the streams of the whole run.
    package var batch: Int

    package init(offset: Int, batch: Int) {
        self.offset = offset
        self.batch = batch
    }
}
