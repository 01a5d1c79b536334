// `charlstm sample` against golden outputs: text captured from the build
// before batches of streams (`--num N`) moved from OpenBLAS's GEMM to the
// small-N product (gemm_small_n.h), and before top-k used a partial
// selection. The same seed, checkpoint and flags must keep giving these
// exact bytes. The checkpoints are committed: the bundled model (binary16,
// 2×384 LSTM) and the format fixtures (tiny LSTM, GRU and RNN models). The
// bundled model's four were captured again when that model was replaced
// (session 9), by the build that still gave the old model's goldens.
import XCTest
import Foundation

final class SampleGoldenTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let goldens = root.appendingPathComponent("Tests/CharLSTMTests/Fixtures/sample-goldens")
    static let fixtures = "Tests/CharLSTMTests/Fixtures/"

    /// (golden file, arguments after `sample`), run from the repository root.
    static let cases: [(String, [String])] = [
        ("bundled-num8.txt", ["-m", "checkpoints/shakespeare.ckpt", "--num", "8", "--length", "400", "--seed", "19",
                              "--separator", "|"]),
        ("bundled-num3-topk40.txt", ["-m", "checkpoints/shakespeare.ckpt", "--num", "3", "--length", "400",
                                     "--seed", "5", "--top-k", "40", "--temp", "1.2", "--separator", "|"]),
        ("bundled-num4-topp.txt", ["-m", "checkpoints/shakespeare.ckpt", "--num", "4", "--length", "300",
                                   "--seed", "6", "--top-p", "0.9", "--top-k", "20", "--separator", "|"]),
        ("bundled-num1-topk5.txt", ["-m", "checkpoints/shakespeare.ckpt", "--length", "600", "--seed", "7",
                                    "--top-k", "5"]),
        ("lstm-num5.txt", ["-m", fixtures + "lstm-adam-full.ckpt", "--num", "5", "--length", "200", "--seed", "4",
                           "--separator", "|"]),
        ("lstm-half-num6-topk3.txt", ["-m", fixtures + "lstm-weights-half.ckpt", "--num", "6", "--length", "200",
                                      "--seed", "8", "--top-k", "3", "--separator", "|"]),
        ("gru-num7.txt", ["-m", fixtures + "gru-rmsprop-full.ckpt", "--num", "7", "--length", "200", "--seed", "9",
                          "--separator", "|"]),
        ("rnn-num2.txt", ["-m", fixtures + "rnn-sgd-nocarry.ckpt", "--num", "2", "--length", "200", "--seed", "10",
                          "--separator", "|"]),
    ]

    func testSamplesEqualTheGoldens() throws {
        for (name, arguments) in Self.cases {
            let expected = try Data(contentsOf: Self.goldens.appendingPathComponent(name))
            let r = try runTool("charlstm", ["sample"] + arguments, stdin: Data(), directory: Self.root)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr, "", name)
            XCTAssertEqual(r.stdoutData, expected, "\(name): output differs from the golden")
        }
    }
}
