// LossPlot: the loss history as a self-contained SVG (no dependencies).
//
//   y: bits per grapheme (nice ticks), x: optimizer step (nice ticks)
//   train: a line through the train-loss points (mean since the previous point)
//   validation: a line with dots at every evaluation
//   legend in the top-right corner, title on top, gridlines behind.

/// An SVG plot of train and validation loss against step.
import CharLSTMSupport

package struct LossPlot {
    package var history: [HistoryPoint]
    package var title: String
    package var width = 800.0
    package var height = 480.0

    package init(history: [HistoryPoint], title: String) {
        self.history = history
        self.title = title
    }

    static let trainColor = "#1f77b4"
    static let validationColor = "#d62728"

    /// The SVG document.
    package func svg() -> String {
        let (left, right, top, bottom) = (72.0, 24.0, 48.0, 56.0)
        let plotW = width - left - right, plotH = height - top - bottom
        let train = history.filter { $0.trainBPC.isFinite }.map { (Double($0.step), $0.trainBPC) }
        let val = history.filter { $0.valBPC.isFinite }.map { (Double($0.step), $0.valBPC) }
        let all = train + val

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
        <rect x="0" y="0" width="\(n(width))" height="\(n(height))" fill="white"/>
        <text x="\(n(width / 2))" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title)): loss (bits per grapheme)</text>

        """
        guard !all.isEmpty else {
            out += "<text x=\"\(n(width / 2))\" y=\"\(n(height / 2))\" text-anchor=\"middle\" fill=\"#666\">no evaluation yet</text>\n</svg>\n"
            return out
        }
        let xTicks = Self.ticks(lo: 0, hi: max(1, all.map(\.0).max()!), count: 8)
        var yLo = all.map(\.1).min()!, yHi = all.map(\.1).max()!
        if yHi - yLo < 1e-6 { yLo -= 0.5; yHi += 0.5 }
        let pad = (yHi - yLo) * 0.05
        let yTicks = Self.ticks(lo: max(0, yLo - pad), hi: yHi + pad, count: 6)
        let (x0, x1) = (xTicks.first!, xTicks.last!), (y0, y1) = (yTicks.first!, yTicks.last!)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - y0) / (y1 - y0) * plotH }

        // Grid and ticks.
        out += "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n"
        for t in xTicks { out += "<line x1=\"\(n(px(t)))\" y1=\"\(n(top))\" x2=\"\(n(px(t)))\" y2=\"\(n(top + plotH))\"/>\n" }
        for t in yTicks { out += "<line x1=\"\(n(left))\" y1=\"\(n(py(t)))\" x2=\"\(n(left + plotW))\" y2=\"\(n(py(t)))\"/>\n" }
        out += "</g>\n"
        out += "<g fill=\"#333\">\n"
        let xDigits = Self.digits(xTicks), yDigits = Self.digits(yTicks)
        for t in xTicks {
            out += "<text x=\"\(n(px(t)))\" y=\"\(n(top + plotH + 18))\" text-anchor=\"middle\">\(fixed(t, xDigits))</text>\n"
        }
        for t in yTicks {
            out += "<text x=\"\(n(left - 8))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(fixed(t, yDigits))</text>\n"
        }
        out += "</g>\n"
        // Axes and labels.
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 14))\" text-anchor=\"middle\" font-size=\"13\">step</text>\n"
        out += "<text x=\"18\" y=\"\(n(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 \(n(top + plotH / 2)))\">bits per grapheme</text>\n"

        // Curves.
        func polyline(_ pts: [(Double, Double)], color: String, id: String) -> String {
            let coords = pts.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
            return "<polyline id=\"\(id)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\(coords)\"/>\n"
        }
        if !train.isEmpty { out += polyline(train, color: Self.trainColor, id: "train") }
        if !val.isEmpty {
            out += polyline(val, color: Self.validationColor, id: "validation")
            out += "<g fill=\"\(Self.validationColor)\">\n"
            for p in val { out += "<circle cx=\"\(n(px(p.0)))\" cy=\"\(n(py(p.1)))\" r=\"3\"/>\n" }
            out += "</g>\n"
        }

        // Legend.
        let lx = left + plotW - 150, ly = top + 12
        out += "<g font-size=\"12\">\n"
        out += "<rect x=\"\(n(lx))\" y=\"\(n(ly))\" width=\"138\" height=\"46\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n"
        out += "<line x1=\"\(n(lx + 10))\" y1=\"\(n(ly + 15))\" x2=\"\(n(lx + 34))\" y2=\"\(n(ly + 15))\" stroke=\"\(Self.trainColor)\" stroke-width=\"2\"/>\n"
        out += "<text x=\"\(n(lx + 42))\" y=\"\(n(ly + 19))\">train</text>\n"
        out += "<line x1=\"\(n(lx + 10))\" y1=\"\(n(ly + 33))\" x2=\"\(n(lx + 34))\" y2=\"\(n(ly + 33))\" stroke=\"\(Self.validationColor)\" stroke-width=\"2\"/>\n"
        out += "<circle cx=\"\(n(lx + 22))\" cy=\"\(n(ly + 33))\" r=\"3\" fill=\"\(Self.validationColor)\"/>\n"
        out += "<text x=\"\(n(lx + 42))\" y=\"\(n(ly + 37))\">validation</text>\n"
        out += "</g>\n</svg>\n"
        return out
    }

    /// Round tick values covering [lo, hi] with about `count` intervals (steps of 1, 2 or 5 × 10^k).
    static func ticks(lo: Double, hi: Double, count: Int) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(max(1, count))
        var mag = 1.0
        while mag * 10 <= raw { mag *= 10 }
        while mag > raw { mag /= 10 }
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let first = (lo / step).rounded(.down) * step
        var out: [Double] = []
        var k = 0
        while true {
            let t = first + Double(k) * step
            out.append(t)
            if t >= hi - step * 1e-9 || k > 100 { break }
            k += 1
        }
        return out
    }

    /// Digits after the point needed to print `ticks` distinctly.
    static func digits(_ ticks: [Double]) -> Int {
        guard ticks.count > 1 else { return 0 }
        let step = ticks[1] - ticks[0]
        var d = 0, s = step
        while s < 0.999 && d < 6 { s *= 10; d += 1 }
        return d
    }

    func n(_ x: Double) -> String { fixed(x, 1) }

    func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(c.value < 0x20 ? " " : c)
            }
        }
        return out
    }
}
