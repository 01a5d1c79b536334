import XCTest
import Foundation

final class BenchCommandTests: XCTestCase {
    private func corpus() throws -> URL {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("bench.txt")
        var text = ""
        for i in 0..<800 { text += "line \(i % 17): the quick brown fox, café 👨‍👩‍👧\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private let small = ["--hidden", "8", "--layers", "1", "--embed", "4", "--batch", "4", "--seq", "10",
                         "--steps", "3", "--warmup", "1", "--threads", "1"]

    func testJSONHasThePeersKeys() throws {
        let r = try runTool("charlstm", ["bench", try corpus().path] + small + ["--eval", "--sample-bench", "20", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        for key in ["params", "vocab", "train_loss_last", "train_chars_per_s", "val_bpc", "sample_chars_per_s", "peak_rss_mib"] {
            XCTAssertNotNil(object[key], key)
        }
        // Vocabulary: <unk> + the distinct graphemes (the family emoji is one).
        let distinct = Set("line 0123456789: the quick brown fox, café 👨‍👩‍👧\n").count
        XCTAssertEqual(object["vocab"] as? Int, distinct + 1)
        // P for 1 layer, E=4, H=8, V: V·E + (E+H)·4H + 4H + H·V + V.
        let V = distinct + 1
        XCTAssertEqual(object["params"] as? Int, V * 4 + 12 * 32 + 32 + 8 * V + V)
        XCTAssertGreaterThan(object["train_chars_per_s"] as? Double ?? 0, 0)
        let bpc = try XCTUnwrap(object["val_bpc"] as? Double)
        XCTAssertTrue(bpc > 0 && bpc < 8, "\(bpc)")
    }

    func testTextOutput() throws {
        let r = try runTool("charlstm", ["bench", try corpus().path] + small)
        XCTAssertEqual(r.status, 0, r.stderr)
        let keys = r.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        XCTAssertEqual(keys, ["params", "train_loss_last", "chars_per_s", "peak_rss_mib", "blas_core", "simd"])
    }

    /// `bench --json` names the OpenBLAS core and charlstm's SIMD level; a
    /// user's OPENBLAS_CORETYPE wins over charlstm's own choice of core.
    func testReportsTheKernelsAndTheUsersCoreWins() throws {
        let path = try corpus().path
        func run(_ extra: [String: String]) throws -> [String: Any] {
            let env = ProcessInfo.processInfo.environment.filter { $0.key != "OPENBLAS_CORETYPE" && $0.key != "CHARLSTM_SIMD" }
            let r = try runTool("charlstm", ["bench", path] + small + ["--json"], environment: env.merging(extra) { $1 })
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let plain = try run([:])
        let core = try XCTUnwrap(plain["blas_core"] as? String)
        XCTAssertNotEqual(core, "unknown")
        XCTAssertTrue(["avx512", "avx2", "baseline"].contains(plain["simd"] as? String ?? ""), "\(plain)")
        // Prescott is below every x86-64 CPU with AVX; charlstm would replace it, the user's choice stays.
        XCTAssertEqual(try run(["OPENBLAS_CORETYPE": "Prescott"])["blas_core"] as? String, "Prescott")
        XCTAssertEqual(try run(["CHARLSTM_SIMD": "baseline"])["simd"] as? String, "baseline")
    }

    /// The AVX-512 kernels (packed recurrent product, cell, σ/tanh, softmax)
    /// give the training losses of the AVX2 ones to the last bit.
    func testAVX512AndAVX2TrainTheSameBits() throws {
        let path = try corpus().path
        func run(_ simd: String?) throws -> [String: Any] {
            var env = ProcessInfo.processInfo.environment
            env["CHARLSTM_SIMD"] = simd
            let flags = ["--hidden", "40", "--layers", "2", "--embed", "8", "--batch", "7", "--seq", "10",
                         "--steps", "4", "--warmup", "0", "--threads", "2", "--eval", "--json"]
            let r = try runTool("charlstm", ["bench", path] + flags, environment: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        let best = try run(nil)
        guard best["simd"] as? String == "avx512" else { throw XCTSkip("this CPU has no AVX-512 (simd \(best["simd"] ?? "?"))") }
        let avx2 = try run("avx2")
        XCTAssertEqual(avx2["simd"] as? String, "avx2")
        XCTAssertEqual(best["train_loss_last"] as? Double, avx2["train_loss_last"] as? Double)
        XCTAssertEqual(best["val_bpc"] as? Double, avx2["val_bpc"] as? Double)
    }

    /// `--forget-bias drawn` (the peer's initialisation) is the default; 1 and 0 change the run.
    func testForgetBiasChangesOnlyTheInitialisation() throws {
        let byDefault = try trainLoss([]), one = try trainLoss(["--forget-bias", "1"])
        let drawn = try trainLoss(["--forget-bias", "drawn"]), zero = try trainLoss(["--forget-bias", "0"])
        XCTAssertEqual(byDefault, drawn)
        XCTAssertNotEqual(byDefault, one)
        XCTAssertNotEqual(byDefault, zero)
        XCTAssertNotEqual(drawn, zero)
    }

    /// The last training loss `bench --json` reports for the small model with `extra` flags.
    private func trainLoss(_ extra: [String]) throws -> Double {
        let r = try runTool("charlstm", ["bench", try corpus().path] + small + ["--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object?["train_loss_last"] as? Double)
    }

    /// `--recurrent-init uniform` is the default; `orthogonal` changes the run. Mutation caught:
    /// BenchCommand not passing the flag to the benchmark.
    func testRecurrentInitChangesTheRun() throws {
        let byDefault = try trainLoss([]), uniform = try trainLoss(["--recurrent-init", "uniform"])
        let orthogonal = try trainLoss(["--recurrent-init", "orthogonal"])
        XCTAssertEqual(byDefault, uniform)
        XCTAssertNotEqual(uniform, orthogonal)
    }

    /// `--bias-init pytorch` is the default; `uniform` changes the run. Mutation caught:
    /// BenchCommand not passing the flag to the benchmark, or the default not pytorch.
    func testBiasInitChangesTheRun() throws {
        let byDefault = try trainLoss([]), pytorch = try trainLoss(["--bias-init", "pytorch"])
        let uniform = try trainLoss(["--bias-init", "uniform"])
        XCTAssertEqual(byDefault, pytorch)
        XCTAssertNotEqual(pytorch, uniform)
    }

    /// `--weight-drop 0` is the default; 0.5 changes the run. Mutation caught: BenchCommand
    /// not passing the flag to the benchmark (or the benchmark not to the model).
    func testWeightDropChangesTheRun() throws {
        XCTAssertEqual(try trainLoss([]), try trainLoss(["--weight-drop", "0"]))
        XCTAssertNotEqual(try trainLoss([]), try trainLoss(["--weight-drop", "0.5"]))
    }

    /// `--dropout` with step masks is the default; window masks change the run. Mutations caught:
    /// BenchCommand not passing --dropout or --dropout-mask on (or the benchmark not to the model).
    func testDropoutAndItsMasksChangeTheRun() throws {
        let step = try trainLoss(["--dropout", "0.3"])
        XCTAssertNotEqual(try trainLoss([]), step)
        XCTAssertEqual(step, try trainLoss(["--dropout", "0.3", "--dropout-mask", "step"]))
        XCTAssertNotEqual(step, try trainLoss(["--dropout", "0.3", "--dropout-mask", "window"]))
    }

    func testBadInputIsOneLine() throws {
        let path = try corpus().path
        for args in [["bench", path, "--hidden", "0"], ["bench", path, "--lr", "-1"],
                     ["bench", path, "--batch", "5000"], ["bench", "/no/such/file"],
                     ["bench", path, "--forget-bias", "pytorch"], ["bench", path, "--forget-bias", "nan"],
                     ["bench", path, "--recurrent-init", "identity"], ["bench", path, "--bias-init", "zero"],
                     ["bench", path, "--weight-drop", "1"],
                     ["bench", path, "--weight-drop", "-0.1"], ["bench", path, "--weight-drop", "x"],
                     ["bench", path, "--dropout", "1"], ["bench", path, "--dropout-mask", "time", "--dropout", "0.3"],
                     ["bench", path, "--dropout-mask", "window"], ["bench", path, "--dropout-mask", "window", "--dropout", "0"]] {
            let r = try runTool("charlstm", args)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: "), r.stderr)
        }
        // The library says "N streams of T steps"; the CLI names the flags that set them.
        // Mutation caught: the CLI printing BenchmarkError's own description.
        let r = try runTool("charlstm", ["bench", path, "--batch", "5000", "--seq", "20"])
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: corpus too small for --batch 5000 --seq 20: need at least 116667 graphemes, have "),
                      r.stderr)
    }

    /// bench takes training's step, loss and gradient checks included: a learning
    /// rate that blows the model up ends the run with one line, not with numbers.
    func testADivergingRunFailsLikeTraining() throws {
        let r = try runTool("charlstm", ["bench", try corpus().path] + small + ["--lr", "1000"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("charlstm: error: training failed at step 2: the loss exploded to "), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix(" bits per grapheme; try a lower --lr\n"), r.stderr)
    }
}
