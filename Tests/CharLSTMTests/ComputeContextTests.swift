// The compute context (ComputeThreads) belongs to the object that samples or
// trains: two objects with different thread counts work at the same time in
// one process, each on its own threads, each giving the bits it gives alone.
import XCTest
import Foundation
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class ComputeContextTests: XCTestCase {
    private let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("checkpoints/shakespeare.ckpt").path

    /// Samples 3 streams of 400 graphemes with a generator on `threads` compute
    /// threads (model and generator made here, on the calling thread), plus a
    /// one-stream sample, and whether that one's products use a second core.
    private func sample(threads: Int) throws -> (batch: [String], single: String, secondCore: Bool) {
        let model = try SamplingModel(path: path, threads: threads)
        XCTAssertEqual(model.compute.count, threads)
        let stop = StopConditions(length: 400)
        let batch = try TextGenerator(model: model, streams: 3, options: SamplingOptions(temperature: 0.8), seed: 11)
        var texts = [String](repeating: "", count: 3)
        try batch.generate(prime: [], stop: stop, emit: { s, g in texts[s] += g }, finished: { _ in })
        let one = try TextGenerator(model: model, streams: 1, options: SamplingOptions(temperature: 0.8), seed: 12)
        var text = ""
        try one.generate(prime: [], stop: stop, emit: { _, g in text += g }, finished: { _ in })
        return (texts, text, one.inference.usesSecondCore)
    }

    func testTwoGeneratorsWithDifferentThreadCountsWorkAtOnce() throws {
        let alone1 = try sample(threads: 1), alone2 = try sample(threads: 2)
        XCTAssertFalse(alone1.secondCore, "one compute thread: batch-1 products on one core")
        XCTAssertTrue(alone2.secondCore, "two compute threads: batch-1 products split across two cores")
        XCTAssertEqual(alone1.batch, alone2.batch)   // the thread count never changes the bits
        XCTAssertEqual(alone1.single, alone2.single)
        // Now both at once, each made on its own thread while the other works.
        var results: [Int: (batch: [String], single: String, secondCore: Bool)] = [:]
        var failures: [String] = []
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let threads = i % 2 + 1
            do {
                let r = try sample(threads: threads)
                lock.lock(); results[i] = r; lock.unlock()
            } catch {
                lock.lock(); failures.append("\(error)"); lock.unlock()
            }
        }
        XCTAssertEqual(failures, [])
        for i in 0..<4 {
            let alone = i % 2 == 0 ? alone1 : alone2
            XCTAssertEqual(results[i]?.batch, alone.batch, "run \(i), \(i % 2 + 1) threads: batch")
            XCTAssertEqual(results[i]?.single, alone.single, "run \(i), \(i % 2 + 1) threads: one stream")
            XCTAssertEqual(results[i]?.secondCore, alone.secondCore, "run \(i): second core")
        }
    }

    /// A thread count from a library caller is clamped, never trapped on.
    func testThreadCountIsClampedToAtLeastOne() {
        XCTAssertEqual(ComputeThreads(threads: 0).count, 1)
        XCTAssertEqual(ComputeThreads(threads: -3).count, 1)
        XCTAssertEqual(ComputeThreads(threads: 3).count, 3)
    }
}
