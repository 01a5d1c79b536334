// TrainingProgress: what a run shows on stderr.
//
// On a terminal, one progress line is redrawn in place (at most 10 times a
// second): step/total, epoch, train bits per grapheme, chars/s, ETA. Each
// evaluation prints a permanent line. Elsewhere (CI, pipes, files) only the
// evaluation lines appear, one plain line each. Colour only on a terminal,
// and never with NO_COLOR set or TERM=dumb.

import CharLSTM

#if canImport(Glibc)
import Glibc
#endif

/// Renders training progress to a stream (stderr).
final class TrainingProgress {
    let stream: OutputStream
    /// Redraw a live line (a terminal) rather than print only evaluation lines.
    let live: Bool
    let color: Bool
    /// Print nothing but warnings.
    let quiet: Bool
    /// Print nothing at all (the processes other than rank 0 of a run across processes).
    var silent = false
    private var lineShown = false
    private var lastDraw = -1.0

    init(stream: OutputStream = .standardError, live: Bool, color: Bool, quiet: Bool) {
        self.stream = stream
        self.live = live
        self.color = color
        self.quiet = quiet
    }

    /// Live and coloured output when `stream` is a terminal, honouring NO_COLOR and TERM=dumb.
    static func forStandardError(quiet: Bool) -> TrainingProgress {
        let tty = OutputStream.standardError.isTerminal
        let noColor = getenv("NO_COLOR").map { String(cString: $0) }.map { !$0.isEmpty } ?? false
        let dumb = getenv("TERM").map { String(cString: $0) == "dumb" } ?? false
        return TrainingProgress(live: tty && !dumb, color: tty && !noColor && !dumb, quiet: quiet)
    }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// Writes a permanent line, clearing the live line first.
    func line(_ text: String) {
        if silent { return }
        clearLive()
        stream.line(text)
    }

    /// A permanent line unless quiet.
    func info(_ text: String) { if !quiet { line(text) } }

    /// A warning, even when quiet.
    func warning(_ text: String) { line(paint("warning:", "1;33") + " " + text) }

    /// A note, even when quiet (the user should know).
    func note(_ text: String) { line(paint("note:", "1;36") + " " + text) }

    private func clearLive() {
        if lineShown {
            stream.write("\r\u{1B}[K")
            lineShown = false
        }
    }

    func step(_ r: StepReport) {
        guard live, !quiet else { return }
        let now = monotonicSeconds()
        if now - lastDraw < 0.1 && r.step != r.totalSteps { return }
        lastDraw = now
        let text = "step \(r.step)/\(r.totalSteps) | epoch \(fixed(r.epoch, 2)) | train \(fixed(r.trainBPC, 3)) bpc | "
            + "\(QuantityText.rate(r.charsPerSecond)) chars/s | ETA \(QuantityText.duration(r.eta))"
        stream.write("\r\u{1B}[K" + text)
        stream.flush()
        lineShown = true
    }

    func evaluation(_ r: EvaluationReport) {
        guard !quiet else { return }
        let p = r.point
        let train = p.trainBPC.isFinite ? fixed(p.trainBPC, 3) : "-"
        let best = r.improved ? " " + paint("(best)", "32") : " (best \(fixed(r.bestValBPC, 3)))"
        line("step \(p.step)/\(r.totalSteps) epoch \(fixed(p.epoch, 2)): train \(train) bpc, "
             + "val \(paint(fixed(p.valBPC, 3), "1")) bpc"
             + (r.averagedSteps > 0 ? " (averaged over \(QuantityText.grouped(r.averagedSteps)) steps)" : "")
             + "\(best), lr \(shortNumber(p.learningRate)), "
             + "\(QuantityText.rate(r.charsPerSecond)) chars/s, \(QuantityText.duration(r.elapsed)) elapsed")
    }

    func recovery(_ r: RecoveryReport) {
        warning("step \(r.failedStep): \(r.reason); rolled back to step \(r.rolledBackTo) and halved the learning rate "
                + "to \(shortNumber(r.learningRate)) (failure \(r.consecutiveFailures) of \(r.maxConsecutiveFailures) in a row allowed before giving up)")
    }

    /// Ends the live line.
    func finish() {
        clearLive()
        stream.flush()
    }
}
