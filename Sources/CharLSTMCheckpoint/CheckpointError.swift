// CheckpointError: every way reading or writing a checkpoint can fail.
//
// Each case names the file; `description` is one line saying what is wrong
// and what to do, ready for `charlstm: error: <description>`.

/// A checkpoint format version, `major.minor`.
import CharLSTMText

public struct CheckpointVersion: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16
    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }
    /// "1.0".
    public var description: String { "\(major).\(minor)" }
}

/// Why a checkpoint could not be read or written.
public enum CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path does not exist.
    case notFound(path: String)
    /// The path is a directory.
    case isDirectory(path: String)
    /// The file exists but cannot be opened or mapped (permissions, not a regular file, I/O error).
    case unreadable(path: String, reason: String)
    /// The file does not start with the checkpoint magic bytes.
    case notACheckpoint(path: String)
    /// The file is shorter than its header says (or than a header).
    case truncated(path: String, expected: Int, found: Int)
    /// A CRC32 mismatch in `section` ("header", "section table", "config",
    /// "vocabulary", "weights", "training state" or an unknown section's kind).
    case sectionCorrupt(path: String, section: String)
    /// The file's major format version is newer than this build reads.
    case newerVersion(path: String, file: CheckpointVersion, supported: CheckpointVersion)
    /// The file holds a section this build does not know and that is not marked optional.
    case unknownRequiredSection(path: String, kind: String)
    /// Checksums match but the contents contradict each other or the format
    /// (sizes that do not match the config, sections out of bounds, bad codes...).
    case inconsistent(path: String, what: String)
    /// The vocabulary section is not a valid vocabulary (bad UTF-8, duplicates, no `<unk>`...).
    case invalidVocabulary(path: String, reason: String)
    /// `write` was given a value that cannot be written (sizes disagree with the
    /// config, ...). Nothing was written.
    case invalidCheckpoint(path: String, what: String)
    /// `write` with `half` was given weight `index`, `value`, outside the Float16
    /// range. Nothing was written.
    case halfPrecisionOverflow(path: String, index: Int, value: Float)
    /// Writing failed (no such directory, permission denied, disk full, ...);
    /// the previous file at `path`, if any, is untouched.
    case writeFailed(path: String, reason: String)
    /// A valid bidirectional (fill) model given to a command that generates text
    /// left to right (sample, predict, score).
    case bidirectionalModel(path: String)

    public var description: String {
        switch self {
        case .notFound(let p):
            return "\(oneLine(p)): no such file"
        case .isDirectory(let p):
            return "\(oneLine(p)): is a directory, not a checkpoint file"
        case .unreadable(let p, let reason):
            return "\(oneLine(p)): cannot read: \(reason)"
        case .notACheckpoint(let p):
            return "\(oneLine(p)): not a charlstm checkpoint (wrong magic bytes); pass a file written by charlstm train or export"
        case .truncated(let p, let expected, let found):
            return "\(oneLine(p)): truncated (expected \(expected) bytes, found \(found)); copy the file again or use an earlier checkpoint"
        case .sectionCorrupt(let p, let section):
            return "\(oneLine(p)): section \(section) is corrupt (CRC mismatch); copy the file again or use an earlier checkpoint"
        case .newerVersion(let p, let file, let supported):
            return "\(oneLine(p)): written by charlstm format \(file); this build reads up to \(supported.major).x: upgrade charlstm"
        case .unknownRequiredSection(let p, let kind):
            return "\(oneLine(p)): needs section \(kind), unknown to this build (format \(CheckpointFile.version)): upgrade charlstm"
        case .inconsistent(let p, let what):
            return "\(oneLine(p)): inconsistent checkpoint: \(what)"
        case .invalidVocabulary(let p, let reason):
            return "\(oneLine(p)): invalid vocabulary: \(reason)"
        case .invalidCheckpoint(let p, let what):
            return "cannot write \(oneLine(p)): \(what)"
        case .halfPrecisionOverflow(let p, let index, let value):
            return "cannot write \(oneLine(p)): weight \(index) (\(value)) is outside the Float16 range ±65504; "
                + "write the weights in full precision"
        case .writeFailed(let p, let reason):
            return "cannot write \(oneLine(p)): \(reason); any previous file there is unchanged"
        case .bidirectionalModel(let p):
            return "\(oneLine(p)): a bidirectional model, which fills holes in known text: use `charlstm fill`; "
                + "sample, predict and score need a left-to-right model"
        }
    }
}
