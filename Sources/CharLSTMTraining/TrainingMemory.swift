// TrainingMemory: about how many bytes training a model takes, against the
// machine's physical memory.
//
//   bytes = 4 · (7·P + B·T · (S · (L·H·(2G + 6) + E) + 2V))
//
// P parameters; 7 Float copies of them: parameters, gradients, two optimizer
// moments and the three-buffer rollback snapshot. Per row of the (T, B) window:
// S stacks (2 when bidirectional) of L layers with G gates keep their gate
// pre-activations and outputs and six more H-wide activations for backward,
// plus the E-wide embedding; the V-wide logits and their gradients.

import CharLSTMModel
#if canImport(Glibc)
import Glibc
#endif

/// The memory a training run needs, and whether this machine has it.
package enum TrainingMemory {
    /// Estimated bytes to train `config` with B = `batch` streams of T = `seq` steps;
    /// nil when the parameter count overflows.
    package static func estimatedBytes(config: ModelConfig, batch: Int, seq: Int) -> Double? {
        guard let p = ParameterLayout.checkedCount(config) else { return nil }
        let (H, V, L, E, G) = (Double(config.hidden), Double(config.vocab), Double(config.layers),
                               Double(config.embed), Double(config.cell.gateCount))
        let S = Double(config.direction.stacks)
        return 4 * (7 * Double(p) + Double(batch) * Double(seq) * (S * (L * H * (2 * G + 6) + E) + 2 * V))
    }

    /// This machine's physical memory in bytes (0 when unknown).
    package static var physicalBytes: Double {
        let pages = Double(sysconf(Int32(_SC_PHYS_PAGES))), pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        return max(0, pages * pageSize)
    }

    /// Why the run cannot fit in `physicalBytes` (unknown: 0, never refused); nil when it fits.
    package static func shortfall(config: ModelConfig, batch: Int, seq: Int,
                                 physicalBytes: Double = physicalBytes) -> TrainingSetupError? {
        guard let bytes = estimatedBytes(config: config, batch: batch, seq: seq) else {
            return .modelTooLarge(neededBytes: nil, physicalBytes: physicalBytes)
        }
        if physicalBytes > 0, bytes > physicalBytes {
            return .modelTooLarge(neededBytes: bytes, physicalBytes: physicalBytes)
        }
        return nil
    }
}
