import XCTest

final class FrontEndTests: XCTestCase {
    func testVersion() throws {
        let r = try runTool("charlstm", ["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "0.1.0\n")
        XCTAssertEqual(r.stderr, "")
    }

    func testUnknownFlagIsOneLineAndExitOne() throws {
        let r = try runTool("charlstm", ["--no-such-flag"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: "), r.stderr)
    }

    /// Help speaks of the user's files: no path of this repository's development
    /// setting (../shared, the build folder, the PyTorch peer's script) in any command's help.
    func testHelpNamesNoDevelopmentPaths() throws {
        let root = try runTool("charlstm", ["--help"])
        XCTAssertEqual(root.status, 0)
        let commands = root.stdout.components(separatedBy: "SUBCOMMANDS:")[1].split(separator: "\n")
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertTrue(commands.contains("bench") && commands.contains("train"), "\(commands)")
        for (name, text) in [("charlstm", root.stdout)] + (try commands.map { ($0, try runTool("charlstm", ["help", $0]).stdout) }) {
            for path in ["../shared", "shared/", ".build/", "peer_torch", "compare.sh"] {
                XCTAssertFalse(text.contains(path), "charlstm help \(name) names \(path)")
            }
        }
    }
}
