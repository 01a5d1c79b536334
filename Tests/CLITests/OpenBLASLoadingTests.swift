// OpenBLAS is loaded on the first BLAS product (COpenBLAS), not at start-up:
// batch-1 predict, sample and score work without it; a command that needs it
// and cannot load it fails with one line on stderr and status 1.
import XCTest
import Foundation

final class OpenBLASLoadingTests: XCTestCase {
    /// The test's environment with CHARLSTM_OPENBLAS (the only library the loader then tries) set to `library`.
    private func environment(openBLAS library: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["CHARLSTM_OPENBLAS"] = library
        return env
    }

    func testBatchOneCommandsNeverLoadOpenBLAS() throws {
        let env = environment(openBLAS: "/nonexistent/libopenblas.so.0")
        let model = SampleFixture.trained
        let p = try runTool("charlstm", ["predict", "-m", model, "--text", "To be or not to b"], environment: env)
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertEqual(p.stdout, "e\n")
        let s = try runTool("charlstm", ["sample", "-m", model, "--length", "30", "--seed", "1"], environment: env)
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(s.stdout.count, 30, s.stdout)
        let c = try runTool("charlstm", ["score", "-m", model], stdin: Data("To be or not to be".utf8), environment: env)
        XCTAssertEqual(c.status, 0, c.stderr)
    }

    func testTrainingWithoutOpenBLASFailsWithOneLine() throws {
        let dir = try temporaryDirectory(self)
        let corpus = try writeCorpus(dir.appendingPathComponent("corpus.txt"), bytes: 5_000)
        for (library, reason) in [("/nonexistent/libopenblas.so.0", "cannot open shared object file"),
                                  ("libm.so.6", "lacks the CBLAS functions")] {
            let out = dir.appendingPathComponent("out").path
            let r = try runTool("charlstm", ["train", corpus.path, "--steps", "2", "--out", out] + tinyModel,
                                environment: environment(openBLAS: library))
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line, before the run's header: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is created when OpenBLAS is missing")
            let errors = r.stderr.split(separator: "\n").filter { $0.contains("error") }
            XCTAssertEqual(errors.count, 1, r.stderr)
            XCTAssertTrue(errors.first?.hasPrefix("charlstm: error: cannot load OpenBLAS (") ?? false, r.stderr)
            XCTAssertTrue(r.stderr.contains(reason), r.stderr)
            XCTAssertTrue(r.stderr.contains("CHARLSTM_OPENBLAS"), r.stderr)
        }
        // The same run with the library found normally trains.
        let ok = try runTool("charlstm", ["train", corpus.path, "--steps", "2", "--out", dir.path] + tinyModel)
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }
}
