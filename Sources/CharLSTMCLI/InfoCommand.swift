// `charlstm info CKPT [--json]`: what a checkpoint holds, without loading a model.

import ArgumentParser
import CharLSTM

public struct InfoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what a checkpoint holds: format, model shape, vocabulary, training progress.",
        discussion: """
        The whole file is validated (every CRC, every size) before anything is printed. \
        --json prints one object with the keys format_version, cell, layers, embed, hidden, \
        vocab, params, dropout, normalization, step, epoch, best_val_bpc (null if unknown), \
        has_training_state, optimizer (null without training state), weights_float16, corpus, \
        created_at and file_bytes.
        """
    )

    @Argument(help: "The checkpoint file.")
    public var checkpoint: String

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    public var json = false

    public init() {}

    public func run() throws {
        let (c, file) = try CheckpointFile.readWithInfo(checkpoint)
        OutputStream.standardOutput.write(json ? Self.json(c, file) : Self.text(c, file, path: checkpoint))
        OutputStream.standardOutput.flush()
    }

    /// The one-object JSON form, ending in a newline.
    static func json(_ c: Checkpoint, _ file: CheckpointFileInfo) -> String {
        let fields: [(String, String)] = [
            ("format_version", JSON.quote(file.version.description)),
            ("cell", JSON.quote(c.config.cell.rawValue)),
            ("direction", JSON.quote(c.config.direction.rawValue)),
            ("layers", String(c.config.layers)),
            ("embed", String(c.config.embed)),
            ("hidden", String(c.config.hidden)),
            ("vocab", String(c.config.vocab)),
            ("params", String(c.parameters.count)),
            ("dropout", JSON.number(Double(c.config.dropout))),
            ("normalization", JSON.quote(c.config.normalization.rawValue)),
            ("step", String(c.metadata.step)),
            ("epoch", String(c.metadata.epoch)),
            ("best_val_bpc", JSON.number(c.metadata.bestValBPC)),
            ("has_training_state", c.training != nil ? "true" : "false"),
            ("optimizer", c.training.map { JSON.quote($0.options.optimizer.rawValue) } ?? "null"),
            ("weights_float16", file.halfWeights ? "true" : "false"),
            ("corpus", JSON.quote(c.metadata.corpusName)),
            ("created_at", String(c.metadata.createdAt)),
            ("file_bytes", String(file.fileBytes)),
        ]
        return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}\n"
    }

    /// The human form: one "key  value" line per fact.
    static func text(_ c: Checkpoint, _ file: CheckpointFileInfo, path: String) -> String {
        let shown = 20
        let graphemes = c.vocabulary.tokens.dropFirst()
        var sample = graphemes.prefix(shown).map { "\"" + escapeGrapheme($0) + "\"" }.joined(separator: " ")
        if graphemes.count > shown { sample += " ... (+\(graphemes.count - shown) more)" }
        var lines: [(String, String)] = [
            ("file", oneLine(path)),
            ("format", "charlstm checkpoint \(file.version), \(file.fileBytes) bytes"),
            ("cell", c.config.cell.rawValue),
            ("direction", c.config.direction == .forward ? "forward (left to right: sample, predict, score)"
                                                         : "bidirectional (both sides: fill)"),
            ("layers", String(c.config.layers)),
            ("embedding", String(c.config.embed)),
            ("hidden", String(c.config.hidden)),
            ("vocabulary", "\(c.config.vocab) (<unk> + \(graphemes.count) graphemes): \(sample)"),
            ("parameters", String(c.parameters.count)),
            ("weights", file.halfWeights ? "Float16 (sampled from as stored; widened to Float32 to train)" : "Float32"),
            ("dropout", String(describing: c.config.dropout)),
            ("normalization", c.config.normalization.rawValue),
            ("corpus", c.metadata.corpusName.isEmpty ? "unknown" : oneLine(c.metadata.corpusName)),
            ("created", c.metadata.createdAt > 0 ? utcDate(c.metadata.createdAt) : "unknown"),
            ("step", String(c.metadata.step)),
            ("epoch", String(c.metadata.epoch)),
            ("best val bpc", c.metadata.bestValBPC.map { fixed($0, 4) } ?? "unknown"),
        ]
        if let t = c.training {
            lines.append(("training state", "yes (\(t.options.optimizer.rawValue), \(t.history.count) history points)"))
            if let a = t.average {
                lines.append(("weight average", a.count == 0 ? "from step \(a.from), not started"
                    : "\(QuantityText.grouped(a.count)) steps after step \(a.from); the weights above are "
                        + (a.weightsAreAverage ? "the average" : "the training weights")))
            }
        } else {
            lines.append(("training state", "no (weights only: can \(c.config.direction == .forward ? "sample" : "fill"), cannot resume)"))
        }
        return lines.map { $0.0 + String(repeating: " ", count: max(1, 16 - $0.0.count)) + $0.1 + "\n" }.joined()
    }

    /// Seconds since 1970 as "YYYY-MM-DD hh:mm:ss UTC" (days → civil date after H. Hinnant).
    static func utcDate(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60)) UTC"
    }
}
