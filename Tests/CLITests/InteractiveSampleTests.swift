// `charlstm sample --interactive`, driven in a real terminal with tmux
// (send-keys / capture-pane) on a private tmux server.
import XCTest
import Foundation

final class InteractiveSampleTests: XCTestCase {
    private let tmux = "/usr/bin/tmux"
    private let socket = "charlstm-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    private func tmux(_ args: [String]) throws -> ProcessResult {
        try runPath(tmux, ["-L", socket] + args)
    }

    /// Starts the tmux server and session with system(3), every standard
    /// descriptor redirected: the server outlives its client, and any pipe it
    /// inherited from a Foundation `Process` would never reach end-of-file.
    private func startSession(_ command: String) -> Int32 {
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return system("\(tmux) -L \(socket) new-session -d -s s -x 100 -y 30 \(quoted(command)) </dev/null >/dev/null 2>&1")
    }

    /// The pane's text, polled until `condition` holds (or 20 s pass).
    private func waitForPane(_ what: String, _ condition: (String) -> Bool) throws -> String {
        var pane = ""
        for _ in 0..<200 {
            pane = try tmux(["capture-pane", "-p", "-t", "s"]).stdout
            if condition(pane) { return pane }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what); the pane shows:\n\(pane)")
        return pane
    }

    /// The line of the pane holding the text so far (third line of the screen).
    private func textLine(_ pane: String) -> String {
        let lines = pane.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 2 ? String(lines[2]).trimmingCharacters(in: .whitespaces) : ""
    }

    func testPickSampleUndoLiteralAndQuit() throws {
        guard FileManager.default.isExecutableFile(atPath: tmux) else {
            throw XCTSkip("tmux is not installed (apt-get install -y tmux)")
        }
        let exe = SampleFixture.executable("charlstm")
        let command = "'\(exe)' sample -m '\(SampleFixture.trained)' --interactive --seed 1 --choices 3 "
            + "--prime 'To be or not to b'; echo EXIT=$?; sleep 60"
        XCTAssertEqual(startSession(command), 0)
        defer { _ = try? tmux(["kill-server"]) }

        // The text so far and the top 3 candidates with probabilities.
        var pane = try waitForPane("the first screen") { $0.contains("  1  e ") }
        XCTAssertEqual(textLine(pane), "To be or not to b")
        let candidates = pane.split(separator: "\n").filter { $0.hasPrefix("  1  ") || $0.hasPrefix("  2  ") || $0.hasPrefix("  3  ") }
        XCTAssertEqual(candidates.count, 3, pane)
        XCTAssertTrue(candidates.allSatisfy { $0.hasSuffix("%") }, pane)

        // 1 takes the most likely grapheme.
        _ = try tmux(["send-keys", "-t", "s", "1"])
        pane = try waitForPane("the pick") { self.textLine($0) == "To be or not to be" }
        // Enter samples one grapheme.
        _ = try tmux(["send-keys", "-t", "s", "Enter"])
        pane = try waitForPane("a sampled grapheme") { self.textLine($0).count == "To be or not to be".count + 1 }
        // Backspace takes it back.
        _ = try tmux(["send-keys", "-t", "s", "BSpace"])
        pane = try waitForPane("the undo") { self.textLine($0) == "To be or not to be" }
        // Typed text is taken as is; \ makes a digit literal.
        _ = try tmux(["send-keys", "-t", "s", "-l", "!\\7"])
        pane = try waitForPane("typed text") { self.textLine($0) == "To be or not to be!7" }
        // q quits and prints the text.
        _ = try tmux(["send-keys", "-t", "s", "q"])
        pane = try waitForPane("the exit") { $0.contains("EXIT=") }
        XCTAssertTrue(pane.contains("To be or not to be!7\nEXIT=0"), pane)
    }
}
