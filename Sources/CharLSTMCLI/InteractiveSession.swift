// InteractiveSession: `charlstm sample --interactive`, write text together with
// the model in a terminal, one grapheme at a time (the text and its candidates:
// `InteractiveText` in the library).
//
// The screen shows the text so far and the model's most likely next
// graphemes with their probabilities. Keys:
//   1–9        take that candidate
//   Enter      let the model sample one (with the sampling flags)
//   Backspace  take back the last grapheme
//   \ then X   type X literally (for the keys above, e.g. a digit or q)
//   q          quit; the text is then printed to stdout
//   other      typed text is taken as is (graphemes outside the vocabulary as <unk>)
// The terminal is put in non-canonical, no-echo mode and restored on exit,
// also after Ctrl-C (TerminalRawMode).

import CharLSTM

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A session of choosing text with the model in a terminal.
final class InteractiveSession {
    let text: InteractiveText
    private var status = ""

    init(model: SamplingModel, options: SamplingOptions, seed: UInt64, choices: Int, prime: EncodedText) {
        text = InteractiveText(model: model, options: options, seed: seed, choices: choices, prime: prime)
    }

    /// Runs until `q` (or end of input); then prints the text to stdout.
    func run() throws {
        let terminal = TerminalRawMode.enter()
        defer { terminal.leave() }
        render()
        var literal = false
        var buffer = [UInt8](repeating: 0, count: 256)
        var quit = false
        while !quit {
            let n = read(0, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            status = ""
            // Keys one by one; runs of ordinary text are typed together so
            // that a multi-scalar grapheme (an emoji sequence) stays whole.
            var typed: [UInt8] = []
            func typeRun() { if !typed.isEmpty { type(typed); typed = [] } }
            var i = 0
            while i < n && !quit {
                let b = buffer[i]
                let scalarLength = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                let end = min(n, i + scalarLength)
                if literal || b >= 0x80 {
                    literal = false
                    typed += buffer[i..<end]
                    i = end
                    continue
                }
                switch b {
                case UInt8(ascii: "q"), 0x04:  // q, Ctrl-D
                    typeRun(); quit = true
                case 0x0A, 0x0D:
                    typeRun(); text.sampleOne()
                case UInt8(ascii: "1")...UInt8(ascii: "9"):
                    typeRun()
                    let k = Int(b - UInt8(ascii: "1"))
                    if !text.take(k) { status = "no candidate \(k + 1)" }
                case 0x7F, 0x08:
                    typeRun()
                    if !text.undo() { status = "nothing to take back" }
                case UInt8(ascii: "\\"):
                    typeRun(); literal = true; status = "the next key is typed literally"
                case 0x1B:
                    // An escape sequence (arrow keys...): skip it.
                    typeRun()
                    var j = i + 1
                    if j < n && (buffer[j] == UInt8(ascii: "[") || buffer[j] == UInt8(ascii: "O")) {
                        j += 1
                        while j < n && !(0x40...0x7E).contains(buffer[j]) { j += 1 }
                        j += 1
                    }
                    i = min(n, j)
                    continue
                case 0x20...0x7E, 0x09:
                    typed.append(b)
                default:
                    break  // other control keys do nothing
                }
                i += 1
            }
            typeRun()
            render()
        }
        terminal.leave()
        let out = OutputStream.standardOutput
        out.write("\u{1B}[H\u{1B}[2J")
        out.write(text.text)
        out.write("\n")
        out.flush()
    }

    private func type(_ bytes: [UInt8]) {
        let unknown = text.type(String(decoding: bytes, as: UTF8.self))
        if unknown > 0 { status = "\(unknown) grapheme(s) not in the vocabulary, fed as <unk>" }
    }

    // MARK: - Screen

    private func render() {
        let candidates = text.candidates, graphemes = text.graphemes
        var s = "\u{1B}[H\u{1B}[2J"
        s += "charlstm interactive: 1-\(candidates.count) pick · Enter sample · Backspace undo · \\ literal · q quit\r\n"
        s += String(repeating: "─", count: 40) + "\r\n"
        // The last part of the text (the screen is small).
        var shown = graphemes.suffix(1200).joined()
        if graphemes.count > 1200 { shown = "…" + shown }
        var lines = shown.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 12 { lines = Array(lines.suffix(12)) }
        s += lines.joined(separator: "\r\n")
        s += "\u{1B}[7m \u{1B}[0m\r\n"  // the cursor: where the next grapheme goes
        s += String(repeating: "─", count: 40) + "\r\n"
        for (k, c) in candidates.enumerated() {
            let g = escapeGrapheme(text.model.vocabulary.token(c.id))
            let percent = (c.probability * 1000).rounded() / 10
            s += "  \(k + 1)  \(g)\(String(repeating: " ", count: max(1, 8 - g.count)))\(percent)%\r\n"
        }
        if !status.isEmpty { s += status + "\r\n" }
        let out = OutputStream.standardOutput
        out.write(s)
        out.flush()
    }
}
