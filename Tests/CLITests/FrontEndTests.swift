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
}
