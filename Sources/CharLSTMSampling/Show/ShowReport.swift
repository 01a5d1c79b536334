// ShowReport: everything `charlstm show` puts on its page, computed from a
// model and a text, as one JSON object that ShowPage embeds.
//
// Dimension key: T shown positions (≤ maxGraphemes), V vocabulary, S series
// (ShowModel), K features (TextFeatures), R ranked units.
//
// Steps:
//   1. the graphemes are cut to `maxGraphemes` (the page notes the cut);
//   2. pass 1 over the text: predictions (top 5 and the probability of the
//      grapheme that came, per position) and UnitStatistics (correlations with
//      TextFeatures, gate saturation, max |x| per series);
//   3. InterpretableUnits ranks R series; the stored series are those, then
//      units 0, 1, 2 … of every layer and signal in turn, while
//      stored · T ≤ activationBudget bytes;
//   4. the stored series are quantised to 8 bits each (from binary16 copies
//      kept in pass 1, or a second pass for long texts) over
//      a range symmetric about the signal's centre ([0, 1] for gates,
//      [-m, m] with m = max |x| otherwise), base64 in the JSON;
//   5. with `samples`, seeded samples at temperatures 0.5, 0.8 and 1.0.
// Strings (graphemes, vocabulary, names) go into the JSON through JSON.quote;
// ShowPage makes the whole object safe inside a <script> element.

import CharLSTMSupport
import CharLSTMText
import CharLSTMCheckpoint
import CKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `charlstm show` is asked for.
package struct ShowOptions: Sendable {
    /// Graphemes shown at most; the rest of the text is cut (with a note on the page).
    package var maxGraphemes = 10_000
    /// Add seeded samples at temperatures 0.5, 0.8 and 1.0.
    package var samples = false
    /// The samples' seed.
    package var seed: UInt64 = 1
    /// Graphemes per sample.
    package var sampleLength = 300
    /// Bytes of 8-bit activations the page holds at most (base64 adds a third).
    package var activationBudget = 4_000_000
    /// Units in the ranked list.
    package var rankedUnits = 24

    package init() {}
}

/// The page's data, and facts about it for the command's summary line.
package struct ShowReport {
    /// Graphemes shown (after the cut).
    package let shownGraphemes: Int
    /// Graphemes in the input.
    package let totalGraphemes: Int
    /// Mean bits per scored grapheme; nil when none was scored.
    package let bitsPerGrapheme: Double?
    /// Graphemes outside the vocabulary (among those shown).
    package let unknown: Int
    /// Series whose activations the page holds, of all the model's.
    package let storedSeries: Int, allSeries: Int
    /// The data object (JSON text, not yet made safe for HTML).
    package let json: String

    /// Bytes of binary16 activations kept in memory between the passes at most (beyond, the model runs twice).
    static let keepLimit = 256 << 20

    /// The temperatures of `--samples`.
    package static let sampleTemperatures = [0.5, 0.8, 1.0]

    /// Computes the page's data for `text` (graphemes and ids in `model`'s vocabulary).
    package static func make(model: ShowModel, text: EncodedText, source: String, options: ShowOptions) -> ShowReport {
        let total = text.count
        let T = min(total, max(1, options.maxGraphemes))
        let graphemes = Array(text.graphemes.prefix(T)), ids = Array(text.ids.prefix(T))
        let unknown = ids.filter { $0 == Vocabulary.unknownID }.count
        let V = model.config.vocab, H = model.config.hidden, NS = model.signals.count, L = model.config.layers
        let S = model.seriesCount, K = TextFeatures.count
        let features = TextFeatures(graphemes: graphemes)

        // Predictions: top 5 ids and probabilities per position (-1 / 0 padded), the probability of what came.
        let top = 5
        var topIDs = [Int](repeating: -1, count: T * top), topP = [Float](repeating: 0, count: T * top)
        var actual = [Float?](repeating: nil, count: T)
        var totalBits = 0.0, scored = 0
        func record(_ t: Int, _ ranked: [(id: Int, probability: Double)], bits: Double) {
            for (r, c) in ranked.enumerated() { topIDs[t * top + r] = c.id; topP[t * top + r] = Float(c.probability) }
            actual[t] = Float(exp2(-bits))
            totalBits += bits
            scored += 1
        }
        var isGate = [Bool](repeating: false, count: S)
        for l in 0..<L { for s in 0..<NS where model.signals[s].isGate { for u in 0..<H { isGate[(l * NS + s) * H + u] = true } } }
        let stats = UnitStatistics(series: S, features: K, isGate: isGate)
        // Every activation as binary16 (T, S) when that takes at most `keepLimit`
        // bytes, so step 4 needs no second pass over the model.
        let keep: UnsafeMutablePointer<UInt16>? = T * S * 2 <= keepLimit ? .allocate(capacity: T * S) : nil
        defer { keep?.deallocate() }
        features.values.withUnsafeBufferPointer { f in
            model.run(ids, before: { t, logits in
                record(t, ModelDistribution.ranked(logits, count: V, top: top),
                       bits: ModelDistribution.bits(logits, count: V, id: ids[t]))
            }, each: { t, row in
                stats.add(row, features: f.baseAddress! + t * K)
                if let keep { ck_f32_to_f16(keep + t * S, row, Int64(S)) }
            })
        }
        if model.isBidirectional {
            let p = model.bidirectionalProbabilities(ids)
            for t in 0..<T {
                var ranked: [(id: Int, probability: Double)] = []
                for v in 1..<V {
                    let q = Double(p[t * V + v])
                    if ranked.count == top, let last = ranked.last, !(q > last.probability) { continue }
                    var at = ranked.count
                    while at > 0 && q > ranked[at - 1].probability { at -= 1 }
                    ranked.insert((v, q), at: at)
                    if ranked.count > top { ranked.removeLast() }
                }
                record(t, ranked, bits: -log2(max(Double(p[t * V + ids[t]]), 1e-300)))
            }
        }

        // The ranked units, then a bounded set of others, quantised to 8 bits.
        let ranked = InterpretableUnits.rank(stats, signals: NS, hidden: H, count: options.rankedUnits)
        let capacity = min(S, max(ranked.count, options.activationBudget / max(1, T)))
        var stored: [Int] = []
        var storedIndex: [Int: Int] = [:]
        func store(_ j: Int) {
            guard stored.count < capacity, storedIndex[j] == nil else { return }
            storedIndex[j] = stored.count
            stored.append(j)
        }
        for r in ranked { store((r.layer * NS + r.signal) * H + r.unit) }
        outer: for u in 0..<H {
            for l in 0..<L { for s in 0..<NS {
                if stored.count >= capacity { break outer }
                store((l * NS + s) * H + u)
            } }
        }
        let ranges: [(lo: Float, hi: Float)] = stored.map { j in
            let signal = model.signals[(j % (NS * H)) / H]
            if signal.isGate { return (0, 1) }
            let m = max(stats.maxAbs[j], 1e-6)
            return (-m, m)
        }
        var quantised = [[UInt8]](repeating: [UInt8](repeating: 0, count: T), count: stored.count)
        func quantise(_ t: Int, _ value: (Int) -> Float) {
            for (k, j) in stored.enumerated() {
                let (lo, hi) = ranges[k]
                let q = ((value(j) - lo) / (hi - lo) * 255).rounded()
                quantised[k][t] = UInt8(max(0, min(255, q.isNaN ? 0 : q)))
            }
        }
        if let keep {
            for t in 0..<T { let row = keep + t * S; quantise(t) { Float(Float16(bitPattern: row[$0])) } }
        } else if !stored.isEmpty {
            model.run(ids, before: nil) { t, row in quantise(t) { row[$0] } }
        }

        // Samples.
        var samples: [(temperature: Double, text: String)] = []
        if options.samples, let lm = model.sampling {
            for temperature in sampleTemperatures {
                let generator = TextGenerator(model: lm, checkedStreams: 1, options: SamplingOptions(temperature: temperature),
                                              seed: options.seed)
                var s = ""
                generator.generate(checkedPrime: [], stop: StopConditions(length: options.sampleLength),
                                   emit: { _, g in s += g }, finished: { _ in })
                samples.append((temperature, s))
            }
        }

        // The JSON object.
        var out = "{\"version\":1"
        out += ",\"source\":" + JSON.quote(source)
        out += ",\"model\":" + modelJSON(model)
        out += ",\"vocabulary\":[" + model.vocabulary.tokens.map(JSON.quote).joined(separator: ",") + "]"
        out += ",\"history\":" + historyJSON(model.history)
        out += ",\"text\":{\"graphemes\":[" + graphemes.map(JSON.quote).joined(separator: ",") + "]"
        out += ",\"ids\":[" + ids.map(String.init).joined(separator: ",") + "]"
        out += ",\"total\":\(total),\"unknown\":\(unknown),\"replaced\":\(text.replaced)}"
        out += ",\"predictions\":{\"context\":" + JSON.quote(model.isBidirectional ? "both" : "left")
        out += ",\"top\":[" + topIDs.map(String.init).joined(separator: ",") + "]"
        out += ",\"p\":[" + topP.map(floatJSON).joined(separator: ",") + "]"
        out += ",\"actual\":[" + actual.map { $0.map(floatJSON) ?? "null" }.joined(separator: ",") + "]"
        let bpg = scored > 0 ? totalBits / Double(scored) : nil
        out += ",\"bitsPerGrapheme\":" + JSON.number(bpg) + ",\"scored\":\(scored)}"
        out += ",\"features\":[" + TextFeatures.names.enumerated().map { k, name in
            "{\"name\":" + JSON.quote(name) + ",\"varies\":" + (stats.featureVaries(k) ? "true" : "false") + "}"
        }.joined(separator: ",") + "]"
        out += ",\"neurons\":{\"layers\":\(L),\"hidden\":\(H)"
        out += ",\"signals\":[" + model.signals.map { s in
            "{\"name\":" + JSON.quote(s.name) + ",\"title\":" + JSON.quote(s.title) + ",\"gate\":" + (s.isGate ? "true" : "false")
                + ",\"centre\":" + JSON.number(s.centre) + "}"
        }.joined(separator: ",") + "]"
        out += ",\"series\":\(S)"
        out += ",\"stored\":[" + stored.enumerated().map { k, j in
            "{\"layer\":\(j / (NS * H)),\"signal\":\((j % (NS * H)) / H),\"unit\":\(j % H)"
                + ",\"lo\":" + floatJSON(ranges[k].lo) + ",\"hi\":" + floatJSON(ranges[k].hi)
                + ",\"q\":\"" + Base64.encode(quantised[k]) + "\"}"
        }.joined(separator: ",") + "]"
        out += ",\"ranked\":[" + ranked.map { r in
            "{\"layer\":\(r.layer),\"signal\":\(r.signal),\"unit\":\(r.unit),\"feature\":\(r.feature),\"r\":"
                + JSON.number((r.correlation * 1000).rounded() / 1000) + "}"
        }.joined(separator: ",") + "]}"
        out += ",\"saturation\":[" + (0..<L).map { l in
            "{\"layer\":\(l),\"gates\":[" + model.signals.enumerated().filter { $0.element.isGate }.map { s, signal in
                let fractions = (0..<H).map { stats.saturation(series: (l * NS + s) * H + $0) }
                return "{\"name\":" + JSON.quote(signal.name) + ",\"title\":" + JSON.quote(signal.title)
                    + ",\"left\":[" + fractions.map { JSON.number(($0.left * 1000).rounded() / 1000) }.joined(separator: ",") + "]"
                    + ",\"right\":[" + fractions.map { JSON.number(($0.right * 1000).rounded() / 1000) }.joined(separator: ",") + "]}"
            }.joined(separator: ",") + "]}"
        }.joined(separator: ",") + "]"
        if options.samples {
            out += ",\"samples\":" + (model.sampling == nil ? "null" : "[" + samples.map { s in
                "{\"temperature\":" + JSON.number(s.temperature) + ",\"seed\":\(options.seed),\"text\":" + JSON.quote(s.text) + "}"
            }.joined(separator: ",") + "]")
        }
        out += "}"
        return ShowReport(shownGraphemes: T, totalGraphemes: total, bitsPerGrapheme: bpg, unknown: unknown,
                          storedSeries: stored.count, allSeries: S, json: out)
    }

    /// The model facts for the page's first section.
    private static func modelJSON(_ m: ShowModel) -> String {
        let c = m.config, md = m.metadata
        var s = "{\"path\":" + JSON.quote(m.path)
        s += ",\"cell\":" + JSON.quote(c.cell.rawValue) + ",\"direction\":" + JSON.quote(c.direction.rawValue)
        s += ",\"layers\":\(c.layers),\"embed\":\(c.embed),\"hidden\":\(c.hidden),\"vocab\":\(c.vocab)"
        s += ",\"parameters\":\(m.parameterCount),\"dropout\":" + floatJSON(c.dropout)
        s += ",\"normalization\":" + JSON.quote(c.normalization.rawValue)
        s += ",\"weights\":" + JSON.quote(m.file.halfWeights ? "float16" : "float32")
        s += ",\"format\":" + JSON.quote(m.file.version.description) + ",\"bytes\":\(m.file.fileBytes)"
        s += ",\"step\":\(md.step),\"epoch\":\(md.epoch),\"bestVal\":" + JSON.number(md.bestValBPC)
        s += ",\"corpus\":" + JSON.quote(md.corpusName) + ",\"created\":\(md.createdAt)"
        s += ",\"trainingState\":" + (m.history == nil ? "false" : "true")
        return s + "}"
    }

    /// The loss history as columns; null for a weights-only checkpoint.
    private static func historyJSON(_ history: [CheckpointHistoryPoint]?) -> String {
        guard let history else { return "null" }
        func column(_ f: (CheckpointHistoryPoint) -> Double) -> String { "[" + history.map { JSON.number(f($0)) }.joined(separator: ",") + "]" }
        return "{\"step\":" + column { Double($0.step) } + ",\"epoch\":" + column(\.epoch)
            + ",\"train\":" + column(\.trainBPC) + ",\"val\":" + column(\.valBPC) + ",\"lr\":" + column(\.learningRate) + "}"
    }

    /// A Float in its shortest round-trip form ("0.796244", "1.2e-05"); null if not finite.
    private static func floatJSON(_ x: Float) -> String { x.isFinite ? x.description : "null" }

    /// The self-contained HTML page.
    package func html() -> String { ShowPage.html(data: json) }

    /// Writes the page to `path` atomically (the checkpoints' write: temporary
    /// file, fsync, rename); returns its size in bytes.
    @discardableResult
    package func write(to path: String) throws(CheckpointError) -> Int {
        let bytes = Array(html().utf8)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch .isDirectory(let p) {
            throw .writeFailed(path: p, reason: "it is a directory: give a file name such as \(oneLine(p))/show.html")
        }
        return bytes.count
    }
}
