// `charlstm fill`: restore missing graphemes ("holes") in text from both sides.
//
//   echo "To be, or not to b_, that is the qu_stion" | charlstm fill   →  To be, or not to be, that is the question
//   echo "th_ king" | charlstm fill --top 3                              →  2<TAB>e<TAB>0.97…<TAB>y<TAB>0.01…<TAB>…
//   charlstm fill --json --text "w_rld"                                   →  {"text":"world","holes":[…],"both_sides":true}
//
// Needs a bidirectional model (`charlstm train FILE --bidirectional`); with a
// left-to-right model the holes are filled from the left context only (and
// a note says so). See HoleFiller and docs/fill.md.

import ArgumentParser
import CharLSTM

public struct FillCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fill",
        abstract: "Restore missing graphemes in text, using the text on both sides.",
        discussion: """
        Reads all of stdin (or --text). Every mask grapheme (`_` unless --mask) is a \
        hole; each is replaced by the model's most likely grapheme given the text \
        before and after it, and the text is printed with the holes filled \
        (normalized, like all text the model reads). Several holes are filled \
        jointly: all at once, then each again with the others filled (every other \
        hole per pass, so neighbours do not swap), for up to --rounds passes. Needs a bidirectional model: `charlstm train FILE \
        --bidirectional` writes checkpoints/latest-fill.ckpt, the default here; \
        with a left-to-right model holes are filled from the left context only.
        """
    )

    @Option(name: [.customShort("m"), .customLong("checkpoint")],
            help: ArgumentHelp("The model (default: checkpoints/latest-fill.ckpt, else checkpoints/latest.ckpt, else the bundled left-to-right model).",
                               valueName: "path"))
    var checkpoint: String?

    @Option(parsing: .unconditional, help: "The text to fill (instead of stdin; taken exactly as given).")
    var text: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The grapheme that marks a hole (default: _).", valueName: "grapheme"))
    var mask: String = "_"

    @Flag(help: "Treat graphemes outside the model's vocabulary as holes too (default: they are fed as <unk>).")
    var maskAllUnknown = false

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Print the N most likely graphemes of each hole instead of the text: one line per hole, `position<TAB>grapheme<TAB>probability…` (position counts graphemes from 0).", valueName: "n"))
    var top: Int?

    @Flag(help: "Print one JSON object: the filled text and each hole's candidates (5 unless --top).")
    var json = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Passes over the text, the first included, to fill several holes jointly (default: 5; 1 = no refinement).", valueName: "n"))
    var rounds: Int = 5

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of refusing it.")
    var lossy = false

    @Flag(help: "Say on stderr which checkpoint is used.")
    var verbose = false

    public init() {}

    public func validate() throws {
        if let top, !(1...1000).contains(top) { throw ValidationError("--top must be between 1 and 1000 (got \(top))") }
        if !(1...100).contains(rounds) { throw ValidationError("--rounds must be between 1 and 100 (got \(rounds))") }
        if mask.isEmpty { throw ValidationError("--mask must be one grapheme (got an empty string)") }
    }

    public func run() throws {
        let (path, origin) = try CheckpointSearch(checkpoint: checkpoint, preferFill: true).resolve()
        if verbose { noteCheckpoint(path, origin) }
        let filler = try HoleFiller(path: path, threads: availableCores())  // windows run as a batch of streams, split across cores
        if !filler.readsBothSides {
            note("note: \(oneLine(path)) is a left-to-right model, so holes are filled from the text before them only; "
                 + "train a bidirectional model (`charlstm train FILE --bidirectional`) to use both sides")
        }

        // The mask, normalized like the text, must be one grapheme.
        let maskGraphemes = filler.tokenizer.graphemes(in: mask)
        guard maskGraphemes.count == 1 else {
            throw CommandFailure("--mask must be one grapheme (got \(maskGraphemes.count): \(oneLine(mask)))")
        }
        let maskGrapheme = maskGraphemes[0]

        let graphemes: [String]
        if let text {
            graphemes = filler.tokenizer.graphemes(in: text)
            if graphemes.isEmpty { throw CommandFailure("--text is empty: give some text with holes, e.g. --text \"to b_ or not\"") }
        } else {
            let bytes = try TextInput.readStandardInput()
            if bytes.isEmpty {
                throw CommandFailure("<stdin>: input is empty: give some text with holes, e.g. echo \"to b_ or not\" | charlstm fill")
            }
            let (g, replaced) = try filler.tokenizer.graphemes(utf8: bytes, source: TextInput.standardInputName, lossy: lossy)
            if replaced > 0 { warn("replaced \(replaced) invalid UTF-8 sequence(s) with U+FFFD") }
            graphemes = g
        }

        let marked = MarkedText(graphemes: graphemes, mask: maskGrapheme, maskAllUnknown: maskAllUnknown,
                                vocabulary: filler.vocabulary)
        if marked.unknown > 0 {
            warn("\(marked.unknown) grapheme(s) of the input are not in the model's vocabulary; fed as <unk> (--mask-all-unknown makes them holes)")
        }
        if marked.holes.isEmpty {
            warn("no holes: the input has no \(escapeGrapheme(maskGrapheme))"
                 + (maskAllUnknown ? " and no grapheme outside the vocabulary" : "") + "; printing it unchanged (choose the mask with --mask)")
        }

        let filled = try filler.fill(ids: marked.ids, holes: marked.holes, top: top ?? (json ? 5 : 1), rounds: rounds)
        let output = MarkedText.filling(graphemes, with: filled, vocabulary: filler.vocabulary)
        let result = output.joined() + (text != nil ? "\n" : "")
        let out = OutputStream.standardOutput

        if json {
            let items = filled.map { h in
                "{" + JSON.quote("position") + ":" + String(h.position) + "," + JSON.quote("candidates") + ":["
                    + h.candidates.map { c in
                        "{" + JSON.quote("grapheme") + ":" + JSON.quote(filler.vocabulary.token(c.id)) + ","
                            + JSON.quote("probability") + ":" + JSON.number(c.probability) + "}"
                    }.joined(separator: ",") + "]}"
            }
            out.write("{" + JSON.quote("text") + ":" + JSON.quote(output.joined()) + ","
                      + JSON.quote("holes") + ":[" + items.joined(separator: ",") + "],"
                      + JSON.quote("both_sides") + ":" + (filler.readsBothSides ? "true" : "false") + "}\n")
        } else if top != nil {
            for h in filled {
                out.write(String(h.position) + h.candidates.map { c in
                    "\t" + escapeGrapheme(filler.vocabulary.token(c.id)) + "\t" + formatProbability(c.probability)
                }.joined() + "\n")
            }
        } else {
            out.write(result)
        }
    }
}
