// `charlstm predict`: the most likely next grapheme(s) after some text, for shell pipes.
//
//   echo "To be or not to b" | charlstm predict            →  e
//   echo "To be or not to b" | charlstm predict --top 3    →  e<TAB>0.93…  (three lines)
//   tail -f log | charlstm predict --lines                 →  one prediction per input line
//   tail -f log | charlstm predict --lines --adapt         →  the same, the model learning from each line
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

    @OptionGroup var adaptation: AdaptationOptions

    public init() {}

    /// The settings as a plain value (shared with the fast path).
    var job: PredictJob {
        PredictJob(checkpoint: model.checkpoint, verbose: model.verbose, text: text, top: top, json: json,
                   length: length, lines: lines, carry: carry, lossy: lossy, adaptation: adaptation.settings)
    }

    public func validate() throws {
        if let problem = job.problem() { throw ValidationError(problem) }
    }

    public func run() throws {
        try job.run()
    }
}

/// Everything `predict` was asked to do, as plain values: run by
/// `PredictCommand` and by `runPredictFastPath` (no ArgumentParser).
struct PredictJob {
    var checkpoint: String?
    var verbose = false
    var text: String?
    var top: Int?
    var json = false
    var length = 1
    var lines = false
    var carry = false
    var lossy = false
    /// --adapt: learn from the input (nil: never). The fast path leaves it to ArgumentParser.
    var adaptation: AdaptationSettings? = nil

    /// A one-line description of the first invalid setting, or nil.
    func problem() -> String? {
        if let top, top < 1 { return "--top must be at least 1 (got \(top))" }
        if length < 1 { return "--length must be at least 1 (got \(length))" }
        if length > 1 && top != nil { return "--top ranks the next grapheme only; drop it or --length" }
        if carry && !lines { return "--carry goes with --lines" }
        if lines && text != nil { return "--lines reads stdin; drop --text" }
        return nil
    }

    func run() throws {
        // One stream, matrix-vector products: a second BLAS thread only adds hand-over latency
        // (adapting, the backward's products split across the cores).
        let lm = try SamplingModel(path: resolveCheckpoint(checkpoint, verbose: verbose),
                                   threads: adaptation == nil ? 1 : availableCores())
        let predictor = try adaptation.map { settings throws in try Predictor(model: lm, adapting: settings) } ?? Predictor(model: lm)
        if lines {
            try runLines(predictor)
            return
        }
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
        try predictor.feed(input.ids)
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
            try predictor.feedLine(encoded.ids, carry: carry)
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

/// Runs `charlstm predict ARGS` without ArgumentParser when every argument is
/// one of predict's own flags with a valid value; returns (without doing
/// anything) otherwise, so the caller falls through to `runCommand`, which
/// parses everything again and reports any mistake. ArgumentParser costs
/// start-up time, which matters for `predict` in shell pipes: measured on the
/// whole `echo … | charlstm predict` (median 7.5 ms), parsing with
/// ArgumentParser adds about 1.0 ms for `PredictCommand` alone and 1.4 ms for
/// the command tree (docs/performance.md, "predict start-up"). So the flags that
/// `PredictCommand` declares are parsed here by hand into the same
/// `PredictJob`, validated by the same `problem()`.
///
/// `arguments` are those after the executable name, e.g. `["predict", "-m", "x.ckpt"]`.
public func runPredictFastPath(_ arguments: [String], name: String) {
    guard arguments.first == "predict", let job = parsePredictArguments(arguments.dropFirst()),
          job.problem() == nil else { return }
    ignoreBrokenPipeSignal()
    do {
        try job.run()
        OutputStream.standardOutput.flush()
        // Everything is written (OutputStream writes with write(2)); skip the
        // libraries' exit handlers (OpenBLAS joins its threads and unmaps its buffers).
        _exit(0)
    } catch {
        OutputStream.standardOutput.flush()
        OutputStream.standardError.line("\(name): error: \(cliMessage(for: error) ?? "\(error)")")
        exit(1)
    }
}

/// predict's flags, parsed by hand; nil for anything else (help, unknown flags, bad values).
func parsePredictArguments(_ arguments: ArraySlice<String>) -> PredictJob? {
    var job = PredictJob()
    var i = arguments.startIndex
    func value() -> String? {
        i += 1
        return i < arguments.endIndex ? arguments[i] : nil
    }
    while i < arguments.endIndex {
        var arg = arguments[i]
        var inline: String? = nil
        if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
            inline = String(arg[arg.index(after: eq)...])
            arg = String(arg[..<eq])
        }
        func take() -> String? { inline ?? value() }
        switch arg {
        case "-m", "--checkpoint": guard let v = take() else { return nil }; job.checkpoint = v
        case "--text": guard let v = take() else { return nil }; job.text = v
        case "--top": guard let v = take(), let n = Int(v) else { return nil }; job.top = n
        case "--length": guard let v = take(), let n = Int(v) else { return nil }; job.length = n
        case "--json" where inline == nil: job.json = true
        case "--verbose" where inline == nil: job.verbose = true
        case "--lossy" where inline == nil: job.lossy = true
        case "--lines" where inline == nil: job.lines = true
        case "--carry" where inline == nil: job.carry = true
        default: return nil
        }
        i += 1
    }
    return job
}
