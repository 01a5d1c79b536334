// `charlstm sample` (and the standalone `charlstm-sample`): generate text.
//
// stdout gets the generated text only, flushed grapheme by grapheme; the
// checkpoint, the seed and warnings go to stderr. See docs/sampling.md.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct SampleCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a trained model.",
        discussion: """
        The prime comes from --prime, --prime-file, or stdin when stdin is not a \
        terminal (`cat start.txt | charlstm sample`). Text is streamed to stdout \
        as it is generated; `charlstm sample | head -c 100` ends quietly. With \
        --adapt the model first learns from the prime (docs/adaptation.md), then \
        continues it.
        """
    )

    @OptionGroup var model: CheckpointOptions

    @Option(name: .customLong("temp"), parsing: .unconditional,
            help: "Temperature (> 0): below 1 is more conservative, above 1 more surprising.")
    var temperature: Double = 1

    @Option(name: .customLong("top-k"), parsing: .unconditional,
            help: "Sample only from the k most likely graphemes (1 = greedy).")
    var topK: Int?

    @Option(name: .customLong("top-p"), parsing: .unconditional,
            help: "Nucleus sampling: only from the most likely graphemes holding probability mass p (0 < p ≤ 1).")
    var topP: Double?

    @Flag(help: "Always take the most likely grapheme (argmax); no randomness.")
    var greedy = false

    @Option(parsing: .unconditional,
            help: "Random seed: the same seed, checkpoint and flags give the same text (default: from the clock; --verbose prints it).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Number of graphemes to generate per sample.")
    var length: Int = 1000

    @Option(parsing: .unconditional, help: "Text to start from (the model continues it).")
    var prime: String?

    @Option(name: .customLong("prime-file"), help: ArgumentHelp("Read the prime from a file.", valueName: "file"))
    var primeFile: String?

    @Flag(help: "Refuse a prime with graphemes outside the model's vocabulary (default: warn and feed them as <unk>).")
    var strict = false

    @Flag(help: "Replace invalid UTF-8 in the prime with U+FFFD instead of refusing it.")
    var lossy = false

    @Flag(name: .customLong("echo-prime"), help: "Print the prime before the generated text.")
    var echoPrime = false

    @Option(name: .customLong("stop"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Stop after the first occurrence of this text (repeatable; the stop text is printed).",
                               valueName: "text"))
    var stops: [String] = []

    @Option(name: .customLong("max-lines"), parsing: .unconditional,
            help: "Stop after this many lines of generated text.")
    var maxLines: Int?

    @Option(parsing: .unconditional,
            help: "Number of independent samples, generated together as one batch.")
    var num: Int = 1

    @Option(parsing: .unconditional,
            help: "Text printed between samples (default: a blank line).")
    var separator: String?

    @Flag(help: "Choose the text grapheme by grapheme in the terminal (needs a terminal on stdin and stdout).")
    var interactive = false

    @Option(name: .customLong("choices"), parsing: .unconditional,
            help: "Number of candidates --interactive shows (1 to 9).")
    var choices: Int = 9

    @OptionGroup var adaptation: AdaptationOptions

    public init() {}

    var samplingOptions: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: topK, topP: topP, greedy: greedy)
    }

    public func validate() throws {
        if let problem = samplingOptions.problem() { throw ValidationError(problem.cliMessage) }
        if length < 0 { throw ValidationError("--length must be 0 or more (got \(length))") }
        if let maxLines, maxLines < 1 { throw ValidationError("--max-lines must be at least 1 (got \(maxLines))") }
        if num < 1 { throw ValidationError("--num must be at least 1 (got \(num))") }
        if num > 4096 { throw ValidationError("--num must be at most 4096 (got \(num))") }
        if !(1...9).contains(choices) { throw ValidationError("--choices must be between 1 and 9 (got \(choices))") }
        if prime != nil && primeFile != nil { throw ValidationError("give either --prime or --prime-file, not both") }
        if stops.contains("") { throw ValidationError("--stop needs a non-empty text") }
        if interactive && num != 1 { throw ValidationError("--interactive makes one sample; drop --num") }
    }

    public func run() throws {
        if interactive && (isatty(0) != 1 || isatty(1) != 1) {
            throw CommandFailure("--interactive needs a terminal on stdin and stdout; run it without pipes or redirection")
        }
        // All cores: one stream splits its large products across two (bit-identical
        // to one core), N streams split their GEMMs.
        var lm = try model.load(threads: availableCores())
        let seed = self.seed ?? clockSeed()
        if model.verbose { note("seed \(seed)") }

        // The prime, through the model's own tokenizer and normalization.
        var primeText = EncodedText(graphemes: [], vocabulary: lm.vocabulary)
        if let prime {
            primeText = lm.encode(prime)
        } else if let primeFile {
            primeText = try lm.encode(utf8: TextInput.readFile(primeFile), source: primeFile, lossy: lossy)
        } else if !interactive && isatty(0) != 1 {
            let bytes = try TextInput.readStandardInput()
            if !bytes.isEmpty {
                primeText = try lm.encode(utf8: bytes, source: TextInput.standardInputName, lossy: lossy)
            }
        }
        if primeText.replaced > 0 { warn("replaced \(primeText.replaced) invalid UTF-8 sequence(s) in the prime with U+FFFD") }
        if primeText.unknown > 0 {
            let first = zip(primeText.graphemes, primeText.ids).first { $0.1 == Vocabulary.unknownID }!.0
            let what = "\(primeText.unknown) grapheme(s) of the prime are not in the model's vocabulary (first: \(escapeGrapheme(first)))"
            if strict { throw CommandFailure(what + "; remove them, or drop --strict to feed them as <unk>") }
            warn(what + "; fed as <unk>")
        }

        if let settings = adaptation.settings {
            guard primeText.count >= 2 else {
                throw CommandFailure("--adapt learns from the prime: give one of at least 2 graphemes (--prime, --prime-file or stdin)")
            }
            lm = try DynamicEvaluator(model: lm, settings: settings).adapt(to: primeText.ids)
        }

        if interactive {
            let session = InteractiveSession(model: lm, options: samplingOptions, seed: seed, choices: choices, prime: primeText)
            try session.run()
            return
        }

        let stop = StopConditions(length: length, stops: stops.map(lm.normalize), maxLines: maxLines)
        let generator = try TextGenerator(model: lm, streams: num, options: samplingOptions, seed: seed)
        let out = OutputStream.standardOutput
        let echo = echoPrime ? primeText.graphemes.joined() : ""
        let printer = SamplePrinter(count: num, prefix: echo, separator: separator, out: out)
        printer.begin()
        try generator.generate(prime: primeText.ids, stop: stop,
                           emit: { s, g in printer.emit(s, g) },
                           finished: { s in printer.finish(s) })
        if out.isTerminal && !printer.endsWithNewline { out.write("\n") }
        out.flush()
    }
}

/// Prints N samples one after another while they are generated together:
/// the sample being printed streams (flush per grapheme), later ones are
/// held until their turn.
final class SamplePrinter {
    let count: Int
    let prefix: String
    let separator: String?
    let out: OutputStream
    /// Which sample is being printed.
    private var current = 0
    private var held: [String]
    private var done: [Bool]
    private(set) var endsWithNewline = false
    private var wroteAnything = false

    init(count: Int, prefix: String, separator: String?, out: OutputStream) {
        self.count = count
        self.prefix = prefix
        self.separator = separator
        self.out = out
        held = Array(repeating: "", count: count)
        done = Array(repeating: false, count: count)
    }

    func begin() { put(prefix) }

    private func put(_ text: String) {
        guard !text.isEmpty else { return }
        out.write(text)
        out.flush()
        wroteAnything = true
        endsWithNewline = text.utf8.last == 0x0A
    }

    func emit(_ stream: Int, _ grapheme: String) {
        if stream == current { put(grapheme) } else { held[stream] += grapheme }
    }

    func finish(_ stream: Int) {
        done[stream] = true
        // Move on past every finished sample, printing what was held.
        while current < count && done[current] {
            current += 1
            guard current < count else { break }
            put(separator ?? (endsWithNewline || !wroteAnything ? "\n" : "\n\n"))
            put(prefix)
            put(held[current])
            held[current] = ""
        }
    }
}

/// A failure at run time, reported as one line.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A seed from the clock and the process id (printed with --verbose).
func clockSeed() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return UInt64(bitPattern: Int64(ts.tv_sec)) &* 1_000_000_007 &+ UInt64(ts.tv_nsec) &+ (UInt64(getpid()) << 40)
}
