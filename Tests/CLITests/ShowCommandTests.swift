// `charlstm show`, through the real executable and a real browser: the pages
// it writes are opened in headless Chromium (`make setup` installs Debian's
// `chromium`), whose `--dump-dom` gives the DOM after the page's script ran.
// The page's `#selftest=POS,…` mode hovers the given positions, moves the
// keyboard focus, clicks a ranked unit and uses the picker, then writes a JSON
// result into <pre id="selftest-result">. Without Chromium these tests fail.
import XCTest
import Foundation

/// The Chromium executable, or nil.
private func chromiumPath() -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
    }
    return nil
}

/// What the page's self-test reported, and the DOM it ran in.
private struct PageRun {
    var dom: String
    var result: [String: Any]
    var ok: Bool { result["ok"] as? Bool == true }
    var failures: [String] { result["failures"] as? [String] ?? [] }
    var elements: Int { result["elements"] as? Int ?? -1 }
    var text: String? { result["text"] as? String }
    var hovered: [[String: Any]] { result["hovered"] as? [[String: Any]] ?? [] }
}

/// Text nodes as --dump-dom serialises them, back to text.
private func unescapeText(_ s: String) -> String {
    s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&nbsp;", with: "\u{00A0}").replacingOccurrences(of: "&amp;", with: "&")
}

final class ShowCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory(self)
    }

    /// Runs `charlstm show ARGS` in the temporary directory (no checkpoints/latest.ckpt:
    /// the bundled model is the default).
    @discardableResult
    private func show(_ args: [String], stdin: String? = nil) throws -> ProcessResult {
        try runTool("charlstm", ["show"] + args, stdin: stdin.map { Data($0.utf8) }, directory: dir)
    }

    /// Writes `text` to a file in the temporary directory.
    private func file(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Opens `html` in headless Chromium with `#selftest=positions` and returns the self-test's result.
    private func openInChromium(_ html: String, positions: [Int] = []) throws -> PageRun {
        guard let chromium = chromiumPath() else {
            XCTFail("chromium is not installed: run `make setup` (installs Debian's chromium)")
            throw XCTSkip("no chromium")
        }
        let profile = dir.appendingPathComponent("chromium-profile-\(UUID().uuidString)")
        let url = URL(fileURLWithPath: html).absoluteString + "#selftest=" + positions.map(String.init).joined(separator: ",")
        let r = try runPath(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                       "--user-data-dir=" + profile.path, "--dump-dom", url])
        XCTAssertEqual(r.status, 0, "chromium failed: \(r.stderr.suffix(2000))")
        let dom = r.stdout
        guard let start = dom.range(of: "<pre id=\"selftest-result\">"),
              let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            XCTFail("the page's script did not finish its self-test; DOM tail: \(dom.suffix(1500))")
            return PageRun(dom: dom, result: [:])
        }
        let json = unescapeText(String(dom[start.upperBound..<end.lowerBound]))
        let result = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        return PageRun(dom: withoutScripts(dom), result: result)
    }

    /// `dom` without the contents of its <script> elements (the page's code and
    /// data), so that checks see only what the page built.
    private func withoutScripts(_ dom: String) -> String {
        var out = "", rest = dom[...]
        while let open = rest.range(of: "<script"), let close = rest.range(of: "</script>", range: open.upperBound..<rest.endIndex) {
            out += rest[..<open.lowerBound]
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// The page builds one element per grapheme, as many as `tokenize --stats`
    /// counts, shows every script as itself, and its hover, keyboard and picker work.
    func testOneElementPerGraphemeAsTokenizeCountsThem() throws {
        let text = "KING:\nCJK 漢字 and 日本語, emoji 👨‍👩‍👧 🇫🇷, combining q\u{301} é,\tالعربية من اليمين\n"
        let input = try file("mixed.txt", text)
        let r = try show([input, "-o", "page.html"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "", "stdout carries nothing: the product is the file")
        XCTAssertTrue(r.stderr.contains("wrote page.html"), r.stderr)
        XCTAssertTrue(r.stderr.contains("xdg-open page.html"), r.stderr)
        let stats = try runTool("charlstm", ["tokenize", "--stats", input])
        let line = stats.stdout.split(separator: "\n").first { $0.hasPrefix("graphemes:") }
        let count = Int(line?.split(separator: " ").last ?? "") ?? -1
        XCTAssertEqual(count, text.count)
        let page = try openInChromium(dir.appendingPathComponent("page.html").path, positions: [1, 10])
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        XCTAssertEqual(page.elements, count)
        XCTAssertEqual(page.text, text, "every grapheme shows as itself, in order")
        XCTAssertEqual(page.hovered.count, 2)
    }

    /// The top 5 the tooltip shows are `predict --top 5 --json` after the text
    /// before the position, and the probability of the grapheme that came is `score`'s.
    func testTooltipsShowWhatPredictAndScoreSay() throws {
        let text = "ROMEO:\nBut soft, what light through yonder window breaks?\n"
        let input = try file("romeo.txt", text)
        XCTAssertEqual(try show([input]).status, 0)
        let positions = [1, 8, 17, 40]
        let page = try openInChromium(dir.appendingPathComponent("show.html").path, positions: positions)
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        let graphemes = text.map(String.init)
        let scored = try runTool("charlstm", ["score", "--per-char", "--json", input])
        let perGrapheme = (try JSONSerialization.jsonObject(with: scored.stdoutData) as? [String: Any])?["per_grapheme"] as? [[String: Any]] ?? []
        XCTAssertEqual(page.hovered.count, positions.count)
        for (k, hovered) in page.hovered.enumerated() {
            let t = positions[k]
            XCTAssertEqual(hovered["position"] as? Int, t)
            let predicted = try runTool("charlstm", ["predict", "--top", "5", "--json", "--text", graphemes[..<t].joined()])
            let want = (try JSONSerialization.jsonObject(with: predicted.stdoutData) as? [String: Any])?["predictions"] as? [[String: Any]] ?? []
            let got = hovered["top"] as? [[String: Any]] ?? []
            XCTAssertEqual(got.count, 5)
            XCTAssertEqual(got.map { $0["grapheme"] as? String }, want.map { $0["grapheme"] as? String }, "position \(t)")
            for (g, w) in zip(got, want) {
                let pg = g["probability"] as? Double ?? -1, pw = w["probability"] as? Double ?? 1
                XCTAssertEqual(pg, pw, accuracy: 1e-6 * max(pw, 1e-3), "position \(t)")
            }
            let bits = perGrapheme[t]["bits"] as? Double ?? .nan
            XCTAssertEqual(hovered["actual"] as? Double ?? -1, pow(2, -bits), accuracy: 1e-6, "position \(t)")
        }
    }

    /// Text that would be markup or code shows as text: a script that ran would
    /// change the title or add an element; the JSON cannot close its <script>.
    func testInjectedTextShowsAsTextAndNeverRuns() throws {
        let text = """
        <script>document.title='pwned'</script> </textarea> "><img src=x onerror="document.title='pwned'">
        ${document.title='pwned'} `${alert(1)}` </script><script>document.title='pwned'</script> <!-- a & b \u{2028} -->

        """
        let input = try file("evil.txt", text)
        XCTAssertEqual(try show([input, "-o", "evil.html"]).status, 0)
        let html = try String(contentsOf: dir.appendingPathComponent("evil.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 2, "only the page's own two script elements end")
        XCTAssertFalse(html.contains("<img"))
        XCTAssertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-"))
        let page = try openInChromium(dir.appendingPathComponent("evil.html").path, positions: [3])
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        XCTAssertTrue(page.dom.contains("<title>charlstm show</title>"))
        XCTAssertFalse(page.dom.contains("pwned</title>"))
        XCTAssertFalse(page.dom.contains("<img"))
        XCTAssertEqual(page.text, text)
    }

    /// The page needs nothing from outside: no URL to fetch, no external font.
    func testPageIsSelfContained() throws {
        XCTAssertEqual(try show(["-o", "x.html"], stdin: "To be, or not to be\n").status, 0)
        let html = try String(contentsOf: dir.appendingPathComponent("x.html"), encoding: .utf8)
        for needle in [" src=", " href=", "@import", "url(", "@font-face", "https://"] {
            XCTAssertFalse(html.contains(needle), "the page refers to something outside: \(needle)")
        }
    }

    /// LSTM, GRU and RNN checkpoints, with and without history; names in the
    /// history's checkpoint are escaped too.
    func testEveryCellAndTheHistory() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CharLSTMTests/Fixtures")
        let cases: [(String, [String], Bool)] = [
            ("lstm-adam-full.ckpt", ["c – cell state", "f – forget gate"], true),
            ("lstm-weights-half.ckpt", ["c – cell state"], false),
            ("gru-rmsprop-full.ckpt", ["r – reset gate", "z – update gate", "n – candidate state"], true),
            ("rnn-sgd-nocarry.ckpt", ["h – hidden state"], true),
        ]
        for (name, signals, history) in cases {
            let out = name + ".html"
            let r = try show(["-m", fixtures.appendingPathComponent(name).path, "-o", out], stdin: "ab a\tb\nbaé🇫🇷 xy\n")
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let page = try openInChromium(dir.appendingPathComponent(out).path, positions: [2])
            XCTAssertTrue(page.ok, "\(name): \(page.failures)")
            for s in signals { XCTAssertTrue(page.dom.contains(">\(s)</option>"), "\(name): signal \(s)") }
            XCTAssertEqual(page.dom.contains("no training history"), !history, name)
            if name.hasPrefix("rnn") { XCTAssertTrue(page.dom.contains("has no gates"), name) }
            if name.hasPrefix("lstm-adam") { XCTAssertTrue(page.dom.contains("aria-label=\"training and validation loss\""), name) }
        }
    }

    /// A model trained on a file whose name is markup, in a directory whose path
    /// would end the page's data <script>: the corpus name and path show as text.
    func testCheckpointStringsAreEscaped() throws {
        let out = dir.appendingPathComponent("<").appendingPathComponent("script><script>document.title='pwned'<")
            .appendingPathComponent("script>")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let corpus = try file("\"><img src=x onerror=\"document.title='pwned'\">.txt",
                              String(repeating: "<b>ab & ba</b> \"q\" (x [y]) 12\n", count: 60))
        let train = try runTool("charlstm", ["train", corpus, "--hidden", "8", "--layers", "1", "--embed", "4", "--steps", "20",
                                             "--batch", "4", "--seq", "16", "--quiet", "--threads", "1", "--eval-every", "10",
                                             "--out", out.path])
        XCTAssertEqual(train.status, 0, train.stderr)
        let model = out.appendingPathComponent("latest.ckpt").path
        XCTAssertTrue(model.contains("</script><script>document.title='pwned'</script>/latest.ckpt"))
        XCTAssertEqual(try show(["-m", model, corpus, "-o", "c.html", "--max-graphemes", "400"]).status, 0)
        let page = try openInChromium(dir.appendingPathComponent("c.html").path)
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        XCTAssertTrue(page.dom.contains("&lt;img src=x onerror=\"document.title='pwned'\"&gt;"), "the corpus name shows as text")
        XCTAssertTrue(page.dom.contains("&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;/latest.ckpt"), "the path shows as text")
        XCTAssertFalse(page.dom.contains("<img"))
        XCTAssertTrue(page.dom.contains("aria-label=\"training and validation loss\""))
    }

    /// A bidirectional model: every position is predicted from both sides.
    func testBidirectionalModelShowsTheFillView() throws {
        let corpus = try file("pairs.txt", String(repeating: "1a 2b 3c 4d 2b 1a 4d 3c ", count: 40) + "\n")
        let train = try runTool("charlstm", ["train", corpus, "--bidirectional", "--hidden", "8", "--layers", "1", "--embed", "4",
                                             "--steps", "20", "--batch", "4", "--seq", "16", "--quiet", "--threads", "1",
                                             "--out", dir.appendingPathComponent("bi").path])
        XCTAssertEqual(train.status, 0, train.stderr)
        let r = try show(["-m", dir.appendingPathComponent("bi/latest-fill.ckpt").path, "-o", "bi.html", "--samples"],
                         stdin: "1a 2b 3c\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not sample"), r.stderr)
        let page = try openInChromium(dir.appendingPathComponent("bi.html").path, positions: [0, 4])
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        XCTAssertTrue(page.dom.contains("predicted from the text on both sides"))
        XCTAssertNotNil(page.hovered.first?["actual"] as? Double, "the first grapheme has context on its right")
        XCTAssertEqual((page.hovered.first?["top"] as? [Any])?.count, 5)
    }

    /// --max-graphemes cuts a longer text, with a note on the page and on stderr.
    func testLongTextIsCutWithANote() throws {
        let r = try show(["-o", "cut.html", "--max-graphemes", "20"], stdin: String(repeating: "abcde", count: 10))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("showing the first 20 of 50 graphemes"), r.stderr)
        let page = try openInChromium(dir.appendingPathComponent("cut.html").path)
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        XCTAssertEqual(page.elements, 20)
        XCTAssertTrue(page.dom.contains("Showing the first 20 of 50 graphemes"))
    }

    /// --samples: the seeded samples are what `sample` gives with the same seed and temperature.
    func testSamplesAreSeededSamples() throws {
        XCTAssertEqual(try show(["-o", "s.html", "--samples", "--seed", "7"], stdin: "Hello\n").status, 0)
        let page = try openInChromium(dir.appendingPathComponent("s.html").path)
        XCTAssertTrue(page.ok, "self-test failures: \(page.failures)")
        for t in ["0.5", "0.8", "1.0"] {
            XCTAssertTrue(page.dom.contains("temperature \(t) (seed 7)"), t)
            let sample = try runTool("charlstm", ["sample", "--temp", t, "--seed", "7", "--length", "300"], directory: dir)
            XCTAssertEqual(sample.status, 0)
            let escaped = sample.stdout.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            XCTAssertTrue(page.dom.contains("<pre class=\"sample\">" + escaped + "</pre>"), "temperature \(t)")
        }
    }

    /// Every mistake is one line on stderr and status 1, and leaves no file.
    func testBadInputIsOneLineAndNoFile() throws {
        let corrupt = dir.appendingPathComponent("bad.ckpt")
        let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("checkpoints/shakespeare.ckpt")
        var bytes = try Data(contentsOf: bundled)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: corrupt)
        let binary = dir.appendingPathComponent("bin.dat")
        try Data([0x41, 0x00, 0x42]).write(to: binary)
        let text = try file("ok.txt", "To be\n")
        let cases: [([String], String?, String)] = [
            ([], "", "<stdin>: "),
            ([binary.path], nil, "bin.dat"),
            (["-m", corrupt.path, text], nil, "corrupt"),
            ([text, "-o", "/nonexistent-dir/x.html"], nil, "cannot write /nonexistent-dir/x.html"),
            ([text, "-o", dir.path], nil, "is a directory"),
            ([text, "--max-graphemes", "0"], nil, "--max-graphemes must be at least 1"),
        ]
        for (args, stdin, expected) in cases {
            let r = try show(args, stdin: stdin)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).count, 2, "\(args): one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: "), r.stderr)
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".html") || $0.contains(".tmp-") }
        XCTAssertEqual(left, [], "no page or temporary file is left")
    }
}
