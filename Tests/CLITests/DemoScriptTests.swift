// scripts/demo.sh (`make run`) trains on a fresh clone: its default corpus is this
// project's own Swift sources, so it needs no ../shared and no download.
import XCTest
import Foundation

final class DemoScriptTests: XCTestCase {
    func testDemoTrainsOnTheProjectsSourcesWithoutAnyCorpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // Run from an empty directory: nothing beside it, no corpus anywhere but the sources.
        let elsewhere = try temporaryDirectory(self)
        var environment = ProcessInfo.processInfo.environment
        environment["DEMO_STEPS"] = "2"
        let r = try runPath("/bin/bash", [root.appendingPathComponent("scripts/demo.sh").path, productsDirectory().path],
                            directory: elsewhere, environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let err = r.stderr.split(separator: "\n")
        let train = try XCTUnwrap(err.first { $0.hasPrefix("== charlstm train ") }, r.stderr)
        XCTAssertTrue(train.hasSuffix("/charlstm-sources.txt (this project's Swift sources, \(try sourcesKB(root)) KB; a small model, 2 steps)"),
                      String(train))
        XCTAssertTrue(err.contains { $0.hasPrefix("done: step 2 (epoch ") }, r.stderr)
        XCTAssertFalse(r.stderr.contains("no corpus"), r.stderr)
        // Two samples on stdout: the bundled model's 400 graphemes, then the new model's 300.
        XCTAssertTrue(r.stdout.hasPrefix("Blown to myself. Come, let me excape\n"), r.stdout)
        XCTAssertGreaterThan(r.stdout.count, 700)
        // The temporary corpus and checkpoints are gone.
        let tmp = train.split(separator: " ")[3].split(separator: "/").dropLast().joined(separator: "/")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/" + tmp), String(tmp))
    }

    func testDemoRefusesAMissingCorpusInOneLine() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let r = try runPath("/bin/bash", [root.appendingPathComponent("scripts/demo.sh").path, productsDirectory().path, "no-such.txt"],
                            directory: try temporaryDirectory(self))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "demo: DEMO_CORPUS no-such.txt: no such file; leave it out to train on this project's sources\n")
    }

    /// Size in KB (1000 bytes) of Sources/**/*.swift, as the demo reports it.
    private func sourcesKB(_ root: URL) throws -> Int {
        let files = FileManager.default.enumerator(at: root.appendingPathComponent("Sources"), includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        return try files.reduce(0) { $0 + (try Data(contentsOf: $1).count) } / 1000
    }
}
