// `charlstm show`: a self-contained HTML page of what a model sees in a text.
//
//   charlstm show essay.txt                  →  show.html (model, surprise, neurons, gate saturation)
//   charlstm show -m run-best.ckpt x.txt -o x.html --samples
//
// All the work is ShowModel and ShowReport (Sources/CharLSTM/Show); this
// parses, calls and prints. See docs/show.md.

import ArgumentParser
import CharLSTM

public struct ShowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Write a self-contained HTML page showing what a model sees in a text.",
        discussion: """
        The page (inline CSS, JavaScript and SVG; no network) shows the model and \
        its loss curves, the text tinted by surprise with the top 5 predictions per \
        grapheme, a picker for any unit's c, h and gate values (LSTM; per cell for \
        GRU and RNN), the units that best follow features of the text, and gate \
        saturation. The model is found as for `sample`. See docs/show.md.
        """
    )

    @OptionGroup var model: CheckpointOptions

    @Argument(help: ArgumentHelp("The text to show (default: stdin; `-` is stdin).", valueName: "file"))
    var file: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The HTML file to write.", valueName: "path"))
    var output = "show.html"

    @Option(name: .customLong("max-graphemes"), help: ArgumentHelp("Show at most this many graphemes; a longer text is cut, with a note on the page.", valueName: "n"))
    var maxGraphemes = 10_000

    @Flag(help: "Add seeded samples at temperatures 0.5, 0.8 and 1.0.")
    var samples = false

    @Option(help: "The seed of the samples.")
    var seed: UInt64 = 1

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of refusing it.")
    var lossy = false

    public init() {}

    public func validate() throws {
        if maxGraphemes < 1 { throw ValidationError("--max-graphemes must be at least 1 (got \(maxGraphemes))") }
        if output.isEmpty { throw ValidationError("--output is empty: give a file name such as show.html") }
    }

    public func run() throws {
        let path = try model.resolve()
        let lm = try ShowModel(path: path, threads: availableCores())  // one stream: large matrix-vector products split across two cores
        let name = file == nil || file == "-" ? TextInput.standardInputName : file!
        let bytes = name == TextInput.standardInputName ? try TextInput.readStandardInput() : try TextInput.readFile(name)
        try TextInput.checkNotEmpty(bytes, source: name)
        let text = try lm.encode(utf8: bytes, source: name, lossy: lossy)
        if text.isEmpty { throw CommandFailure("\(oneLine(name)): no graphemes to show: give some text") }
        if text.replaced > 0 { warn("\(oneLine(name)): replaced \(text.replaced) invalid UTF-8 sequence(s) with U+FFFD") }
        var options = ShowOptions()
        options.maxGraphemes = maxGraphemes
        options.samples = samples
        options.seed = seed
        if samples && lm.isBidirectional { warn("a bidirectional model does not sample; the page has no samples") }
        let report = ShowReport.make(model: lm, text: text, source: name, options: options)
        if report.totalGraphemes > report.shownGraphemes {
            warn("showing the first \(report.shownGraphemes) of \(report.totalGraphemes) graphemes (--max-graphemes)")
        }
        let size = try report.write(to: output)
        let bpg = report.bitsPerGrapheme.map { ", \(fixed($0, 4)) bits/grapheme" } ?? ""
        note("wrote \(oneLine(output)) (\(report.shownGraphemes) graphemes\(bpg), \(size / 1024) KiB)")
        note("open it in a browser: xdg-open \(shellQuoted(output))")
    }
}

/// `s` quoted for a POSIX shell when it needs it.
private func shellQuoted(_ s: String) -> String {
    let plain = s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || "0123456789-_./+,:@".unicodeScalars.contains($0)) }
    if plain { return s }
    var out = "'"
    for c in oneLine(s) { out += c == "'" ? "'\\''" : String(c) }
    return out + "'"
}
