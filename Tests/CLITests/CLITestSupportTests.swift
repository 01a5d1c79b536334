// The process runner the CLI tests share: it must survive a child that exits
// without reading its input.
import XCTest
import Foundation

final class CLITestSupportTests: XCTestCase {
    /// 1 MiB of input (far more than a pipe buffers) to a program that reads
    /// none of it: the write meets a closed pipe. Without the runner's
    /// blocked-and-taken-back SIGPIPE, the signal kills the whole test process.
    func testChildThatIgnoresItsInputDoesNotKillTheTests() throws {
        let r = try runPath("/bin/sh", ["-c", "echo done"], stdin: Data(repeating: 65, count: 1 << 20))
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "done\n")
        // The runner still delivers input to a child that reads it.
        let cat = try runPath("/bin/cat", [], stdin: Data(repeating: 66, count: 1 << 20))
        XCTAssertEqual(cat.stdoutData, Data(repeating: 66, count: 1 << 20))
    }
}
