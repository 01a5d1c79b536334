// `charlstm score`: how well a model predicts some text, in bits per grapheme.
//
//   charlstm score essay.txt             →  2.0134 bits/grapheme  perplexity 4.04  (…)
//   charlstm score --per-char < x.txt    →  grapheme<TAB>bits per line (surprising text stands out)
//   charlstm score --json a.txt b.txt    →  {"graphemes":…,"bits_per_grapheme":…,"perplexity":…,"unknown":…}
//   charlstm score --adapt essay.txt     →  the same, the model learning as it reads (docs/adaptation.md)
//
// Each input is scored from the zero state; its first grapheme has no
// context and is not scored (as in training). See docs/sampling.md.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct ScoreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Print the bits per grapheme and perplexity of text under a model.",
        discussion: """
        Reads the files given (`-` is stdin), or stdin. Each input is scored \
        from the start; its first grapheme has no context and is not scored. \
        Graphemes outside the vocabulary are scored as <unk> and counted. With \
        --adapt the model takes an update after every segment it has scored \
        (each grapheme's bits come from the weights before any update on it), \
        starting again from the trained weights for each input.
        """
    )

    @OptionGroup var model: CheckpointOptions

    @Argument(help: ArgumentHelp("Text files to score (default: stdin).", valueName: "file"))
    var files: [String] = []

    @Flag(name: .customLong("per-char"), help: "Print one `grapheme<TAB>bits` line per grapheme instead of the summary (`-` for the unscored first).")
    var perChar = false

    @Flag(help: "Print one JSON object (with --per-char it also lists every grapheme).")
    var json = false

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of refusing it.")
    var lossy = false

    @OptionGroup var adaptation: AdaptationOptions

    public init() {}

    public func run() throws {
        let lm = try model.load(threads: availableCores())  // one stream: large matrix-vector products split across two cores
        let scorer = TextScorer(model: lm)
        let evaluator = try adaptation.settings.map { settings throws in try DynamicEvaluator(model: lm, settings: settings) }
        let out = OutputStream.standardOutput
        var summary = ScoreSummary()
        var perGrapheme: [String] = []
        for source in files.isEmpty ? ["-"] : files {
            let name = source == "-" ? TextInput.standardInputName : source
            let bytes = source == "-" ? try TextInput.readStandardInput() : try TextInput.readFile(source)
            try TextInput.checkNotEmpty(bytes, source: name)
            let text = try lm.encode(utf8: bytes, source: name, lossy: lossy)
            if text.replaced > 0 { warn("\(oneLine(name)): replaced \(text.replaced) invalid UTF-8 sequence(s) with U+FFFD") }
            func each(_ t: Int, _ b: Double?) {
                guard perChar else { return }
                let g = text.graphemes[t]
                if json {
                    perGrapheme.append("{" + JSON.quote("grapheme") + ":" + JSON.quote(g) + ","
                                       + JSON.quote("bits") + ":" + JSON.number(b) + "}")
                } else {
                    out.write(escapeGrapheme(g) + "\t" + (b.map { formatSignificant($0, digits: 6) } ?? "-") + "\n")
                }
            }
            if let evaluator {
                summary.score(text, adapting: evaluator, each: each)
            } else {
                try summary.score(text, with: scorer, each: each)
            }
        }
        if summary.unknown > 0 { warn("\(summary.unknown) grapheme(s) are not in the model's vocabulary; scored as <unk>") }
        if perChar && !json { return }
        guard let bpg = summary.bitsPerGrapheme, let perplexity = summary.perplexity else {
            throw CommandFailure("nothing to score: the text needs at least 2 graphemes (the first has no context)")
        }
        if json {
            var s = "{" + JSON.quote("graphemes") + ":" + String(summary.scored)
            s += "," + JSON.quote("bits_per_grapheme") + ":" + JSON.number(bpg)
            s += "," + JSON.quote("perplexity") + ":" + JSON.number(perplexity)
            s += "," + JSON.quote("unknown") + ":" + String(summary.unknown)
            s += "," + JSON.quote("total_bits") + ":" + JSON.number(summary.totalBits)
            s += "," + JSON.quote("inputs") + ":" + String(summary.inputs)
            s += "," + JSON.quote("input_graphemes") + ":" + String(summary.graphemes)
            if perChar { s += "," + JSON.quote("per_grapheme") + ":[" + perGrapheme.joined(separator: ",") + "]" }
            out.write(s + "}\n")
        } else {
            out.write("\(fixed(bpg, 4)) bits/grapheme  perplexity \(fixed(perplexity, 3))  "
                      + "(\(summary.scored) graphemes scored, \(summary.unknown) unknown)\n")
        }
    }
}
