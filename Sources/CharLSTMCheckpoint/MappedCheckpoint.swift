// MappedCheckpoint: a checkpoint file opened for sampling. It is validated
// exactly as CheckpointFile.read validates it (every check, every CRC), but
// nothing is copied out: the weights are read where they lie in the mapped
// file, and the training state (optimizer moments, two thirds of a full
// checkpoint) is checked but never read.
//
// Copies cost more than their bytes: every fresh page of memory is a page
// fault, ~2 µs on the reference machine (0.5 ms per MB). Reading a full
// H = 128 checkpoint used to fault in three copies of the weights and one
// of the moments (docs/performance.md, "predict start-up").

/// A validated checkpoint whose weights stay in the (read-only, private) file mapping.
import CharLSTMText
import CharLSTMModel

package final class MappedCheckpoint {
    package let config: ModelConfig
    package let metadata: CheckpointMetadata
    package let vocabulary: Vocabulary
    package let file: CheckpointFileInfo
    /// The P weights as stored (little-endian Float32, or Float16 if `file.halfWeights`),
    /// 64-byte aligned; valid while `self` lives.
    package let weights: UnsafeRawBufferPointer
    /// Keeps `weights` mapped.
    private let region: MappedRegion

    /// Maps and validates `path`; the same errors as `CheckpointFile.read`.
    package init(path: String) throws(CheckpointError) {
        region = try MappedRegion(path: path)
        let parts = try CheckpointDecoder.validate(region.bytes, source: path)
        config = parts.config
        metadata = parts.metadata
        vocabulary = parts.vocabulary
        file = parts.file
        weights = parts.weights
    }

    /// P, the number of weights.
    package var parameterCount: Int { weights.count / (file.halfWeights ? 2 : 4) }
}
