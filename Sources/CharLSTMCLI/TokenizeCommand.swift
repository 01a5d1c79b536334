// `charlstm tokenize`: shows how charlstm cuts text into characters
// (normalized extended grapheme clusters), their ids, counts or boundaries.

import ArgumentParser
import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

public struct TokenizeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Split text into graphemes (charlstm's characters) and show them, their ids, counts or boundaries.",
        discussion: """
        Reads a UTF-8 file, or standard input when no file is given. By default prints one \
        grapheme per line; invisible ones are escaped: \\n, \\r, \\t, \\s (space), \\\\ \
        (backslash), U+XXXX (e.g. U+200D). A leading BOM is dropped. See docs/unicode.md.
        """
    )

    @Argument(help: "A UTF-8 text file. (default: standard input)")
    var file: String?

    @Flag(help: "Print one id per line, against a vocabulary built from the same input (id 0 is <unk>). (default: off)")
    var ids = false

    @Flag(help: "With --ids: write the ids as raw little-endian UInt16 (UInt32 when the vocabulary has more than 65,536 entries), no separators; see docs/unicode.md. (default: off)")
    var binary = false

    @Flag(help: "Print counts, one 'key: value' per line: bytes, code points, graphemes, distinct graphemes, ... (default: off)")
    var stats = false

    @Flag(help: "Print on one line the UTF-8 byte offsets of every grapheme boundary of the normalized input, from 0 to its length. (default: off)")
    var boundaries = false

    @Option(name: .customLong("normalize"), help: ArgumentHelp("Unicode normalization applied before segmentation.", valueName: "form"))
    var normalization: NormalizationForm = .nfc

    @Flag(help: "Replace invalid UTF-8 sequences with U+FFFD (and report how many on stderr) instead of failing. (default: off)")
    var lossy = false

    @Option(help: ArgumentHelp("With --ids/--stats: keep at most N vocabulary entries, <unk> included; the rest map to <unk>. (default: no cap)", valueName: "n"))
    var maxVocab: Int?

    @Option(help: ArgumentHelp("With --ids/--stats: graphemes seen fewer than N times map to <unk>.", valueName: "n"))
    var minCount: Int = 1

    @Option(name: [.customShort("m"), .customLong("checkpoint")],
            help: ArgumentHelp("With --ids/--stats: use this checkpoint's vocabulary and normalization instead of building a vocabulary from the input; graphemes it does not know are <unk> (0). (default: none)", valueName: "path"))
    var checkpoint: String?

    public init() {}

    public func validate() throws {
        if [ids, stats, boundaries].filter({ $0 }).count > 1 {
            throw ValidationError("--ids, --stats and --boundaries cannot be combined; pick one")
        }
        if binary && !ids { throw ValidationError("--binary only applies with --ids") }
        if binary && isatty(1) == 1 {
            throw ValidationError("--binary writes raw bytes: redirect standard output to a file or a pipe (> ids.bin)")
        }
        if let maxVocab, maxVocab < 1 {
            throw ValidationError("--max-vocab must be at least 1 (it counts <unk>), got \(maxVocab)")
        }
        if minCount < 1 { throw ValidationError("--min-count must be at least 1, got \(minCount)") }
        if (maxVocab != nil || minCount != 1) && !ids && !stats {
            throw ValidationError("--max-vocab and --min-count only apply with --ids or --stats")
        }
        if checkpoint != nil && !ids && !stats {
            throw ValidationError("--checkpoint only applies with --ids or --stats")
        }
        if checkpoint != nil && (maxVocab != nil || minCount != 1) {
            throw ValidationError("--checkpoint brings its own vocabulary; drop --max-vocab/--min-count")
        }
        if file == nil && isatty(0) == 1 {
            throw ValidationError("no input: give a file, or pipe text on standard input")
        }
    }

    public func run() throws {
        let out = OutputStream.standardOutput
        let source = file ?? TextInput.standardInputName
        // Standard input is read whole; files are streamed in chunks.
        var input: [UInt8]? = nil
        if file == nil {
            let bytes = try TextInput.readStandardInput()
            try TextInput.checkNotEmpty(bytes, source: source)
            input = bytes
        }

        if ids || stats {
            let corpus: EncodedCorpus
            if let checkpoint {
                let model = try CheckpointFile.read(checkpoint)
                let form = model.config.normalization
                if let file {
                    corpus = try EncodedCorpus.encode(file: file, vocabulary: model.vocabulary, normalization: form, lossy: lossy)
                } else {
                    corpus = try EncodedCorpus.encode(utf8: input!, source: source, vocabulary: model.vocabulary,
                                                      normalization: form, lossy: lossy)
                }
            } else if let file {
                corpus = try EncodedCorpus.build(file: file, normalization: normalization, lossy: lossy,
                                                 maxVocab: maxVocab, minCount: minCount)
            } else {
                corpus = try EncodedCorpus.build(utf8: input!, source: source, normalization: normalization,
                                                 lossy: lossy, maxVocab: maxVocab, minCount: minCount)
            }
            reportReplaced(corpus.replacedSequences, source: source)
            if corpus.unknownCount > 0 {
                warn(checkpoint == nil
                     ? "\(corpus.unknownCount) of \(corpus.graphemeCount) tokens map to <unk> (outside --max-vocab/--min-count)"
                     : "\(corpus.unknownCount) of \(corpus.graphemeCount) tokens are not in the checkpoint's vocabulary; they map to <unk>")
            }
            if let w = largeVocabularyWarning(count: corpus.vocabulary.count) { warn(w) }
            if stats {
                out.write("""
                    bytes: \(corpus.byteCount)
                    normalized bytes: \(corpus.normalizedByteCount)
                    code points: \(corpus.codePointCount)
                    graphemes: \(corpus.graphemeCount)
                    distinct graphemes: \(corpus.distinctGraphemes)
                    vocabulary: \(corpus.vocabulary.count)
                    unknown: \(corpus.unknownCount)

                    """)
            } else if binary {
                corpus.ids.writeBinary(to: out, vocabularySize: corpus.vocabulary.count)
            } else {
                corpus.ids.writeDecimalLines(to: out, vocabularySize: corpus.vocabulary.count)
            }
            out.flush()
            return
        }

        let tokenizer = GraphemeTokenizer(normalization: normalization)
        var writer = LineWriter(out)
        // The closures below are passed directly (non-escaping): no dynamic
        // exclusivity checks on `writer` per grapheme.
        func each(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(TextError) -> Int {
            if let file { return try tokenizer.forEachGrapheme(inFile: file, lossy: lossy, body) }
            return try tokenizer.forEachGrapheme(utf8: input!, source: source, lossy: lossy, body)
        }
        let replaced: Int
        if boundaries {
            // "0" goes out with the first boundary, so a failing input prints nothing.
            var offset = 0
            replaced = try each { g in
                if offset == 0 { writer.append(0x30) }
                offset += g.count
                writer.append(0x20)
                writer.append(decimal: offset)
            }
            writer.append(offset == 0 ? "0\n" : "\n")
        } else {
            replaced = try each { g in
                if g.count == 1 && g[0] > 0x20 && g[0] < 0x7F && g[0] != 0x5C {
                    writer.append(g[0])                       // visible ASCII as is
                } else {
                    writer.append(escapeGrapheme(String(decoding: g, as: UTF8.self)))
                }
                writer.append(0x0A)
            }
        }
        writer.flush()
        out.flush()
        reportReplaced(replaced, source: source)
    }

    private func reportReplaced(_ count: Int, source: String) {
        if count > 0 {
            warn("\(source): replaced \(count) invalid UTF-8 sequence\(count == 1 ? "" : "s") with U+FFFD (--lossy)")
        }
    }

    private func warn(_ text: String) {
        OutputStream.standardError.line("charlstm: warning: \(text)")
    }
}

/// Collects output bytes and hands them to an OutputStream 64 KiB at a time
/// (one call per grapheme to the stream would dominate the run time).
struct LineWriter {
    private let out: OutputStream
    private var buffer: [UInt8] = []

    init(_ out: OutputStream) {
        self.out = out
        buffer.reserveCapacity(1 << 16 + 64)
    }

    mutating func append(_ byte: UInt8) {
        buffer.append(byte)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends `n` (≥ 0) in decimal.
    mutating func append(decimal n: Int) {
        var divisor = 1
        while divisor <= n / 10 { divisor *= 10 }
        while divisor > 0 {
            buffer.append(UInt8(truncatingIfNeeded: 0x30 + (n / divisor) % 10))
            divisor /= 10
        }
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        buffer.withUnsafeBufferPointer { out.write(bytes: $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
