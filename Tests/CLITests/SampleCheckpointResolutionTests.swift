// Which checkpoint sample/predict/score use without -m (docs/sampling.md):
// checkpoints/latest.ckpt, then $CHARLSTM_MODEL, then checkpoints/shakespeare.ckpt
// above the executable, then ../share/charlstm/shakespeare.ckpt next to it.
import XCTest
import Foundation

final class SampleCheckpointResolutionTests: XCTestCase {
    private let fm = FileManager.default

    /// Copies the built `charlstm` to `dir/relative` (so /proc/self/exe points there).
    private func installExecutable(at dir: URL, _ relative: String) throws -> String {
        let target = dir.appendingPathComponent(relative)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(atPath: SampleFixture.executable("charlstm"), toPath: target.path)
        return target.path
    }

    private func place(_ model: String, at dir: URL, _ relative: String) throws {
        let target = dir.appendingPathComponent(relative)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(atPath: model, toPath: target.path)
    }

    private let predictArgs = ["predict", "--text", "To be or not to b", "--verbose"]

    func testLatestCheckpointInCurrentDirectory() throws {
        let dir = try temporaryDirectory(self)
        try place(SampleFixture.trained, at: dir, "checkpoints/latest.ckpt")
        let r = try runTool("charlstm", predictArgs, directory: dir, environment: [:])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e\n")
        XCTAssertEqual(r.stderr, "charlstm: checkpoint checkpoints/latest.ckpt (the latest training checkpoint)\n")
        // Without --verbose, nothing on stderr.
        let quiet = try runTool("charlstm", ["predict", "--text", "To b"], directory: dir, environment: [:])
        XCTAssertEqual(quiet.stderr, "")
    }

    func testEnvironmentVariable() throws {
        let dir = try temporaryDirectory(self)
        let r = try runTool("charlstm", predictArgs, directory: dir, environment: ["CHARLSTM_MODEL": SampleFixture.trained])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "charlstm: checkpoint \(SampleFixture.trained) ($CHARLSTM_MODEL)\n")
        let missing = try runTool("charlstm", predictArgs, directory: dir,
                                  environment: ["CHARLSTM_MODEL": dir.appendingPathComponent("nope.ckpt").path])
        assertOneLineError(missing, mentioning: "CHARLSTM_MODEL")
        // Controls in the value are spelled as everywhere else (ESC, and NEL, a C1 line break).
        let odd = try runTool("charlstm", predictArgs, directory: dir, environment: ["CHARLSTM_MODEL": "no\u{1B}pe\u{85}.ckpt"])
        assertOneLineError(odd, mentioning: "CHARLSTM_MODEL is set to noU+001BpeU+0085.ckpt, which does not exist")
    }

    func testBundledModelAboveTheExecutable() throws {
        let dir = try temporaryDirectory(self)
        let exe = try installExecutable(at: dir, "checkout/.build/release/charlstm")
        try place(SampleFixture.trained, at: dir, "checkout/checkpoints/shakespeare.ckpt")
        let elsewhere = try temporaryDirectory(self)
        let r = try runPath(exe, predictArgs, directory: elsewhere, environment: [:])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e\n")
        XCTAssertTrue(r.stderr.hasSuffix("checkout/checkpoints/shakespeare.ckpt (the bundled model)\n"), r.stderr)
    }

    func testInstalledModel() throws {
        let dir = try temporaryDirectory(self)
        let exe = try installExecutable(at: dir, "prefix/bin/charlstm")
        try place(SampleFixture.trained, at: dir, "prefix/share/charlstm/shakespeare.ckpt")
        let r = try runPath(exe, predictArgs, directory: dir, environment: [:])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("prefix/share/charlstm/shakespeare.ckpt (the installed model)\n"), r.stderr)
    }

    func testNoCheckpointAnywhere() throws {
        let dir = try temporaryDirectory(self)
        let exe = try installExecutable(at: dir, "lonely/bin/charlstm")
        for command in ["sample", "predict", "score"] {
            let r = try runPath(exe, [command], stdin: Data("x".utf8), directory: dir, environment: [:])
            assertOneLineError(r, mentioning: "train one")
            XCTAssertTrue(r.stderr.contains("-m"), r.stderr)
        }
    }

    func testExplicitFlagWinsOverLatest() throws {
        let dir = try temporaryDirectory(self)
        // latest.ckpt is garbage: -m must not even look at it.
        try fm.createDirectory(at: dir.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: dir.appendingPathComponent("checkpoints/latest.ckpt"))
        let r = try runTool("charlstm", ["predict", "--checkpoint", SampleFixture.trained, "--text", "To b"], directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "e\n")
        assertOneLineError(try runTool("charlstm", ["predict", "--text", "To b"], directory: dir), mentioning: "latest.ckpt")
    }
}
