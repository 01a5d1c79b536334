// `charlstm export CKPT OUT [--weights-only] [--half]`: a smaller copy for shipping.

import ArgumentParser
import CharLSTM

public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a checkpoint, optionally without training state and/or with Float16 weights.",
        discussion: """
        The copy is written atomically (temporary file, fsync, rename), so OUT always holds \
        either its previous contents or the complete new file. --weights-only drops the \
        optimizer moments and run position (the file can sample but not resume training; \
        about 3x smaller with Adam). --half stores the weights as Float16, halving them again.
        """
    )

    @Argument(help: "The checkpoint to read.")
    public var checkpoint: String

    @Argument(help: "Where to write the copy (may be the same file).")
    public var output: String

    @Flag(name: .long, help: "Omit the training state: a sampling-only file.")
    public var weightsOnly = false

    @Flag(name: .long, help: "Store the weights as Float16: half the size; sampling reads them as stored, training widens them to Float32.")
    public var half = false

    public init() {}

    public func run() throws {
        let c = try CheckpointFile.read(checkpoint)
        try CheckpointFile.write(c, to: output, weightsOnly: weightsOnly, half: half)
    }
}
