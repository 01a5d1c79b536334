// `charlstm export CKPT OUT [--weights-only] [--half] [--calibrate FILE]`: a smaller copy for shipping.
//
//   charlstm export run/best.ckpt model.ckpt --weights-only --half
//   charlstm export run/best.ckpt model.ckpt --weights-only --calibrate heldout.txt
//       → stderr: charlstm: calibrated on heldout.txt: temperature 1.2071 (logits × 0.8284); …
//
// --calibrate is post-hoc temperature scaling (TemperatureCalibration.swift,
// docs/training.md "Calibration").

import ArgumentParser
import CharLSTM

public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy a checkpoint, optionally without training state, with Float16 weights, or calibrated.",
        discussion: """
        The copy is written atomically (temporary file, fsync, rename), so OUT always holds \
        either its previous contents or the complete new file. --weights-only drops the \
        optimizer moments and run position (the file can sample but not resume training; \
        about 3x smaller with Adam). --half stores the weights as Float16, halving them again. \
        --calibrate FILE fits the softmax temperature that minimises the bits of FILE, text \
        the model was not trained on (e.g. the validation part), and multiplies the output \
        layer by 1/temperature: every command then sees the calibrated probabilities; \
        the ranking of the graphemes does not change.
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

    @Option(name: .long, help: ArgumentHelp("Fit the softmax temperature on this held-out text (`-` for stdin) and fold it into the output layer; needs --weights-only. Prints the temperature and the bits per grapheme before and after on stderr.", valueName: "file"))
    public var calibrate: String?

    public init() {}

    public func run() throws {
        if calibrate != nil && !weightsOnly {
            throw CommandFailure("--calibrate changes the output layer, so the copy could not resume training: add --weights-only")
        }
        var c = try CheckpointFile.read(checkpoint)
        if let calibrate { c = try calibrated(c, on: calibrate) }
        try CheckpointFile.write(c, to: output, weightsOnly: weightsOnly, half: half)
    }

    /// `c` with the temperature fitted on the text at `source` folded in; reports the fit on stderr.
    private func calibrated(_ c: Checkpoint, on source: String) throws -> Checkpoint {
        if c.config.direction != .forward {
            throw CommandFailure("--calibrate needs a left-to-right model: \(oneLine(checkpoint)) is bidirectional (a fill model), whose loss is not the next grapheme's")
        }
        let lm = try SamplingModel(checkpoint: c, threads: availableCores())
        let name = source == "-" ? TextInput.standardInputName : source
        let bytes = source == "-" ? try TextInput.readStandardInput() : try TextInput.readFile(source)
        try TextInput.checkNotEmpty(bytes, source: name)
        let text = try lm.encode(utf8: bytes, source: name, lossy: false)
        guard let fit = try TemperatureCalibration.fit(model: lm, texts: [text.ids]) else {
            throw CommandFailure("\(oneLine(name)): nothing to calibrate on: the text needs at least 2 graphemes (the first has no context)")
        }
        let over = fit.used == fit.scored ? "its \(QuantityText.grouped(fit.scored)) graphemes"
            : "\(QuantityText.grouped(fit.used)) of its \(QuantityText.grouped(fit.scored)) graphemes (every \(fit.scored / fit.used)th)"
        note("calibrated on \(oneLine(name)): temperature \(fixed(fit.temperature, 4)) (logits × \(fixed(fit.scale, 4))); "
             + "\(fixed(fit.bitsBefore, 4)) → \(fixed(fit.bitsAfter, 4)) bits/grapheme over \(over)")
        if text.unknown > 0 { warn("\(text.unknown) grapheme(s) of \(oneLine(name)) are not in the model's vocabulary; scored as <unk>") }
        return TemperatureCalibration.folding(fit.scale, into: c)
    }
}
