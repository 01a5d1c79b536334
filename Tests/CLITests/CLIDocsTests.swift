// docs/cli.md must be what the executables' --help prints today.
import XCTest
import Foundation

final class CLIDocsTests: XCTestCase {
    func testCLIReferenceMatchesTheHelpOfTheBuiltExecutables() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = try temporaryDirectory(self).appendingPathComponent("cli.md")
        let r = try runPath("/bin/bash", [root.appendingPathComponent("scripts/cli-docs.sh").path, productsDirectory().path, out.path],
                            directory: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let generated = try String(contentsOf: out, encoding: .utf8)
        let committed = try String(contentsOf: root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        XCTAssertTrue(generated.contains("## charlstm fill"))
        XCTAssertEqual(generated, committed, "docs/cli.md is stale: run `scripts/cli-docs.sh` after `make build`")
    }
}
