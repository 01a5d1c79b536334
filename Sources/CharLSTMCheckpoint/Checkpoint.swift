// Checkpoint: the value a checkpoint file holds, and the file's public API.
//
// The byte layout is specified in docs/checkpoint-format.md; the encoder is
// CheckpointEncoder.swift, the validating decoder CheckpointDecoder.swift and
// the file system side (atomic write, mmap read) CheckpointFile+IO.swift.

/// Everything a checkpoint file holds.
import CharLSTMText
import CharLSTMModel

public struct Checkpoint: Equatable, Sendable {
    /// The model's shape.
    public var config: ModelConfig
    /// Training facts kept even in weights-only exports (step, epoch, best validation bpc...).
    package var metadata: CheckpointMetadata
    /// The graphemes in id order; `vocabulary.count == config.vocab`.
    package var vocabulary: Vocabulary
    /// `ParameterLayout(config).count` floats, in layout order.
    package var parameters: [Float]
    /// Optimizer moments and run position for an exact resume; nil in weights-only exports.
    package var training: CheckpointTrainingState?

    package init(config: ModelConfig, metadata: CheckpointMetadata, vocabulary: Vocabulary,
                parameters: [Float], training: CheckpointTrainingState?) {
        self.config = config
        self.metadata = metadata
        self.vocabulary = vocabulary
        self.parameters = parameters
        self.training = training
    }
}

/// Facts about a checkpoint file itself, beyond the value it holds (for `charlstm info`).
package struct CheckpointFileInfo: Equatable, Sendable {
    /// The format version the file was written with.
    package var version: CheckpointVersion
    /// Total size of the file in bytes.
    package var fileBytes: Int
    /// Whether the weights are stored as Float16 (sampling reads them as stored; `Checkpoint.parameters` holds them widened).
    package var halfWeights: Bool
    /// The section table: kind (four ASCII characters such as "WGHT"), offset, length, optional flag.
    package var sections: [Section]

    /// One entry of the section table.
    package struct Section: Equatable, Sendable {
        package var kind: String
        package var offset: Int
        package var length: Int
        package var optional: Bool
    }
}

/// Reads and writes checkpoint files (format: docs/checkpoint-format.md).
public enum CheckpointFile {
    /// The newest format version this build writes; it reads every file with the same
    /// major version (newer minor versions only add things older readers may skip).
    package static let formatVersion: (major: UInt16, minor: UInt16) = (1, 3)

    /// The minor version a file is written with, the lowest that holds it: 1.3 when
    /// its training state has window dropout masks (TRAN byte 168, reserved and zero
    /// before); 1.2 when
    /// its training state has a weight drop (TRAN bytes 160–167, reserved and zero
    /// before) or it holds a weight average (the optional AVRG section, which 1.0 and
    /// 1.1 readers skip), else 1.0 for forward models (readable by every 1.x build)
    /// and 1.1 for bidirectional ones (CONF byte 2, reserved and zero in 1.0, says
    /// the direction).
    package static func minorVersion(for config: ModelConfig, training: CheckpointTrainingState? = nil,
                                     average: Bool = false) -> UInt16 {
        if let training, training.options.dropoutMask != .step { return 3 }
        if average { return 2 }
        if let training, training.options.weightDrop != 0 { return 2 }
        return config.direction == .forward ? 0 : 1
    }

    /// `formatVersion` as a value.
    package static var version: CheckpointVersion {
        CheckpointVersion(major: formatVersion.major, minor: formatVersion.minor)
    }

    /// Writes `checkpoint` to `path` atomically: a temporary file `.NAME.tmp-PID`
    /// in the same directory is written and fsync'ed, renamed over `path`, and
    /// the directory is fsync'ed. A crash at any moment leaves either the old
    /// file or the new one at `path`. On any failure the temporary file is
    /// removed and the old target is untouched. Stale temporary files of dead
    /// writers of the same target are removed after a successful write.
    ///
    /// - Parameters:
    ///   - weightsOnly: omit the training state (a sampling-only file, ~3× smaller than one with Adam moments).
    ///   - half: store the weights as Float16 (half the weight bytes); they are widened back to Float32 on load.
    /// - Throws: `invalidCheckpoint` before touching the disk if the value is
    ///   inconsistent (sizes, codes) or, with `half`, a weight is beyond ±65504;
    ///   `isDirectory` if `path` is a directory; `writeFailed` for every I/O failure.
    public static func write(_ checkpoint: Checkpoint, to path: String, weightsOnly: Bool = false,
                             half: Bool = false) throws(CheckpointError) {
        let encoded = try CheckpointEncoder.encode(checkpoint, path: path, weightsOnly: weightsOnly, half: half)
        try AtomicFile.write(encoded, to: path)
    }

    /// Copies the checkpoint file at `source` to `path` byte for byte, by the same
    /// atomic replace as `write`. `source` is validated first as `read` validates it,
    /// so a corrupt or foreign file is refused with `read`'s errors and never copied.
    package static func copy(_ source: String, to path: String) throws(CheckpointError) {
        let region = try MappedRegion(path: source)
        try withExtendedLifetime(region) { () throws(CheckpointError) in
            _ = try CheckpointDecoder.validate(region.bytes, source: source)
            try AtomicFile.write(region.bytes, to: path)
        }
    }

    /// Memory-maps `path` and validates everything (magic, version, header and
    /// table bounds, every CRC, config sanity, section sizes against the config,
    /// vocabulary) before building the value, which owns its memory.
    public static func read(_ path: String) throws(CheckpointError) -> Checkpoint {
        try readWithInfo(path).checkpoint
    }

    /// `read`, plus facts about the file (version, size, Float16 weights, sections).
    package static func readWithInfo(_ path: String) throws(CheckpointError) -> (checkpoint: Checkpoint, file: CheckpointFileInfo) {
        try MappedFile.withBytes(of: path) { (bytes) throws(CheckpointError) in
            try CheckpointDecoder.decode(bytes, source: path)
        }
    }

    /// The same validation as `read`, from bytes in memory; `source` names them in errors.
    package static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(CheckpointError) -> Checkpoint {
        try CheckpointDecoder.decode(bytes, source: source).checkpoint
    }

    /// The bytes `write` would put in the file (for tests, seeds and pipes).
    package static func encode(_ checkpoint: Checkpoint, weightsOnly: Bool = false, half: Bool = false) throws(CheckpointError) -> [UInt8] {
        try CheckpointEncoder.encode(checkpoint, path: "<memory>", weightsOnly: weightsOnly, half: half).bytes()
    }
}
