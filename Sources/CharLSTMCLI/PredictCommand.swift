// `charlstm predict`: the most likely next grapheme(s) after some text, for shell pipes.
//
//   echo "To be or not to b" | charlstm predict            →  e
//   echo "To be or not to b" | charlstm predict --top 3    →  e<TAB>0.93…  (three lines)
//   tail -f log | charlstm predict --lines                 →  one prediction per input line
//
// Probabilities are the model's own (temperature 1, over the whole
// vocabulary), the same that `score` turns into bits; `<unk>` is never
// predicted. See docs/sampling.md.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print the most likely next grapheme after the text on stdin.",
        discussion: """
        Reads all of stdin (one trailing line break is dropped, so `echo TEXT | \
        charlstm predict` predicts what follows TEXT) or --text.
        """
    )

    @OptionGroup var model: CheckpointOptions

    @Option(parsing: .unconditional, help: "The text to continue (instead of stdin; taken exactly as given).")
    var text: String?

    @Option(parsing: .unconditional,
            help: "Print the N most likely graphemes as `grapheme<TAB>probability` lines, most likely first.")
    var top: Int?

    @Flag(help: "Print one JSON object with the ranked predictions (one object per line with --lines).")
    var json = false

    @Option(parsing: .unconditional, help: "Predict this many graphemes greedily (a completion).")
    var length: Int = 1

    @Flag(help: "Streaming: predict after each input line as it arrives (state resets per line unless --carry).")
    var lines = false

    @Flag(help: "With --lines: keep the state from line to line (the line breaks are fed too).")
    var carry = false

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of refusing it.")
    var lossy = false

    public init() {}

    public func validate() throws {
        if let top, top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
        if length < 1 { throw ValidationError("--length must be at least 1 (got \(length))") }
        if length > 1 && top != nil { throw ValidationError("--top ranks the next grapheme only; drop it or --length") }
        if carry && !lines { throw ValidationError("--carry goes with --lines") }
        if lines && text != nil { throw ValidationError("--lines reads stdin; drop --text") }
    }

    public func run() throws {
        // One stream, matrix-vector products: a second BLAS thread only adds hand-over latency.
        setBLASThreads(1)
        let predictor = Predictor(model: try model.load())
        if lines {
            try runLines(predictor)
            return
        }
        let lm = predictor.model
        let input: EncodedText
        if let text {
            input = lm.encode(text)
        } else {
            let bytes = Predictor.droppingTrailingLineBreak(try TextInput.readStandardInput())
            input = try lm.encode(utf8: bytes, source: TextInput.standardInputName, lossy: lossy)
        }
        if input.isEmpty {
            throw CommandFailure(text != nil ? "--text is empty: give some text to continue"
                                             : "<stdin>: input is empty: give some text to continue, e.g. echo \"To be or not to b\" | charlstm predict")
        }
        warnAbout(input)
        predictor.feed(input.ids)
        OutputStream.standardOutput.write(prediction(predictor))
    }

    /// One prediction per input line, as the lines arrive.
    private func runLines(_ predictor: Predictor) throws {
        let lm = predictor.model
        let out = OutputStream.standardOutput
        let reader = LineReader(fd: 0)
        while var line = try reader.next() {
            if line.last == 0x0D { line.removeLast() }
            let encoded = try lm.encode(utf8: line, source: TextInput.standardInputName, lossy: lossy)
            warnAbout(encoded)
            predictor.feedLine(encoded.ids, carry: carry)
            out.write(predictor.hasContext ? prediction(predictor) : (json ? "{}\n" : "\n"))
            out.flush()
        }
    }

    private func warnAbout(_ input: EncodedText) {
        if input.replaced > 0 { warn("replaced \(input.replaced) invalid UTF-8 sequence(s) with U+FFFD") }
        if input.unknown > 0 { warn("\(input.unknown) grapheme(s) of the input are not in the model's vocabulary; fed as <unk>") }
    }

    /// The output for the predictor's current state, ending in a newline. With
    /// --length > 1 this advances the state through the completion.
    private func prediction(_ predictor: Predictor) -> String {
        if length > 1 {
            let completion = predictor.complete(length: length)
            return json ? "{" + JSON.quote("completion") + ":" + JSON.quote(completion) + "}\n" : completion + "\n"
        }
        let ranked = predictor.ranked(top: top ?? (json ? 10 : 1))
        if json {
            let items = ranked.map { r in
                "{" + JSON.quote("grapheme") + ":" + JSON.quote(r.grapheme) + ","
                    + JSON.quote("probability") + ":" + JSON.number(r.probability) + "}"
            }
            return "{" + JSON.quote("predictions") + ":[" + items.joined(separator: ",") + "]}\n"
        }
        if top == nil { return ranked[0].grapheme + "\n" }
        var s = ""
        for r in ranked {
            s += escapeGrapheme(r.grapheme) + "\t" + formatProbability(r.probability) + "\n"
        }
        return s
    }
}

/// A probability with 6 significant digits (`0.931245`, `1.2e-07`).
func formatProbability(_ p: Double) -> String {
    formatSignificant(p, digits: 6)
}

/// `x` rounded to `digits` significant digits, in the shortest form that reads back as that rounded value.
func formatSignificant(_ x: Double, digits: Int) -> String {
    guard x.isFinite, x != 0 else { return x.isNaN ? "nan" : x == 0 ? "0" : (x > 0 ? "inf" : "-inf") }
    let e = Int(log10(abs(x)).rounded(.down))
    let scale = pow(10.0, Double(digits - 1 - e))
    let r = (x * scale).rounded() / scale
    return r.description
}

// MARK: - Fast path

/// Runs `charlstm predict ARGS` parsed as `PredictCommand` alone, without the
/// `charlstm` command tree, when they parse and validate; returns (without
/// doing anything) otherwise (help, mistakes), so the caller falls through to
/// `runCommand`, which parses everything again and reports as usual. Parsing
/// only predict's own declarations keeps start-up short, which matters for
/// `predict` in shell pipes (docs/sampling.md, "Speed").
///
/// `arguments` are those after the executable name, e.g. `["predict", "-m", "x.ckpt"]`.
public func runPredictFastPath(_ arguments: [String], name: String) {
    // `--help` parses too, as ArgumentParser's help command: only a PredictCommand runs here.
    guard arguments.first == "predict",
          let parsed = try? PredictCommand.parseAsRoot(Array(arguments.dropFirst())),
          var command = parsed as? PredictCommand else { return }
    ignoreBrokenPipeSignal()
    do {
        try command.run()
        OutputStream.standardOutput.flush()
        // Everything is written (OutputStream writes with write(2)); skip the
        // libraries' exit handlers (OpenBLAS joins its threads and unmaps its buffers).
        _exit(0)
    } catch {
        OutputStream.standardOutput.flush()
        OutputStream.standardError.line("\(name): error: \(error)")
        exit(1)
    }
}
