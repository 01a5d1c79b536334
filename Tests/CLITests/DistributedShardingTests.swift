// Data-parallel `charlstm train` reads the corpus in shares (ShardedCorpus): each process
// tokenizes a byte part and holds only the ids its streams read, with one process's results.
import XCTest
import Foundation
import CharLSTM

extension DistributedTrainingTests {
    /// Rank 0's "graphemes held per process: a, b, ... of G" line.
    func heldPerProcess(_ stderr: String) -> (held: [Int], total: Int)? {
        let prefix = "graphemes held per process: "
        guard let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let numbers = line.dropFirst(prefix.count).split(separator: " of ")
        let parse = { (s: Substring) in Int(s.replacingOccurrences(of: ",", with: "")) ?? -1 }
        return (numbers[0].split(separator: " ").map { parse($0.hasSuffix(",") ? $0.dropLast() : $0) }, parse(numbers[1]))
    }

    func testEachProcessHoldsAboutItsShareOfTheCorpus() throws {
        _ = try mpirun()
        let one = try run(1, steps: 2, out: "one")
        XCTAssertNil(heldPerProcess(one.stderr), "one process reports nothing of the kind")
        for n in [2, 4] {
            let r = try run(n, steps: 2, out: "n\(n)")
            let report = try XCTUnwrap(heldPerProcess(r.stderr), r.stderr)
            XCTAssertGreaterThan(report.total, 29_000, r.stderr)
            XCTAssertEqual(report.held.count, n, r.stderr)
            XCTAssertLessThanOrEqual(report.held.reduce(0, +), report.total, r.stderr)
            for h in report.held {   // its share of the train, validation and test streams: about 1/N
                XCTAssertLessThanOrEqual(Double(h), 1.15 * Double(report.total) / Double(n), r.stderr)
                XCTAssertGreaterThanOrEqual(Double(h), 0.85 * Double(report.total) / Double(n), r.stderr)
            }
        }
    }

    /// Text whose cuts matter: combining marks right after line feeds, CR LF, U+FEFF after a LF, ZWJ emoji.
    func writeTrickyCorpus() throws {
        let pieces = ["the ", "e", "\u{301}", "\u{301}x ", "cafe\u{301} ", "\r\n", "\u{FEFF}", "ﬁ", "👩\u{200D}💻",
                      "\u{1100}\u{1161}", "naïve ", "  ", "Ω"]
        var rng = RandomGenerator(seed: 15)
        var text = ""
        while text.utf8.count < 30_000 {
            for _ in 0 ..< 1 + rng.nextInt(below: 8) { text += pieces[rng.nextInt(below: pieces.count)] }
            text += "\n"
        }
        try Data(text.utf8).write(to: dir.appendingPathComponent("corpus.txt"))
    }

    func testThreeProcessesOnTrickyTextTrainWhatOneProcessTrains() throws {
        _ = try mpirun()
        try writeTrickyCorpus()
        let one = try run(1, steps: 8, out: "one")
        let many = try run(3, steps: 8, out: "many")
        let header = { (s: String) in s.split(separator: "\n").first { $0.hasPrefix("training ") }?.split(separator: ",").dropLast().joined(separator: ",") }
        XCTAssertEqual(header(one.stderr), header(many.stderr), "same vocabulary size and split")
        let a = try checkpoint("one/corpus-latest.ckpt"), b = try checkpoint("many/corpus-latest.ckpt")
        XCTAssertEqual(a.vocabulary, b.vocabulary)
        XCTAssertLessThanOrEqual(relativeDifference(a.parameters, b.parameters), 1e-5)
        let la = try loggedLosses("one.jsonl"), lb = try loggedLosses("many.jsonl")
        XCTAssertEqual(la.count, lb.count)
        for (x, y) in zip(la, lb) { XCTAssertEqual(x.1, y.1, accuracy: 5e-5) }
    }

    /// Bad UTF-8 in the last quarter (read by rank 3 only): the one line one process gives, from that rank.
    func testBadUTF8InOneProcessesPartIsTheOneProcessError() throws {
        _ = try mpirun()
        var bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("corpus.txt")))
        let bad = bytes.count * 7 / 8
        bytes.insert(0xFF, at: bad)
        try Data(bytes).write(to: dir.appendingPathComponent("corpus.txt"))
        let one = try train(1, ["corpus.txt", "--steps", "4", "--out", "out"] + parallelModel)
        XCTAssertNotEqual(one.status, 0)
        let expected = one.stderr.split(separator: "\n").filter { $0.hasPrefix("charlstm") }
        XCTAssertEqual(expected.count, 1, one.stderr)
        XCTAssertTrue(expected.first?.contains("invalid UTF-8 at byte offset \(bad);") ?? false, one.stderr)
        assertRefused(try train(4, ["corpus.txt", "--steps", "4", "--out", "out"] + parallelModel), String(expected[0]))
    }
}
