// SamplingModel(path:) reads its weights in place in the mapped file
// (MappedCheckpoint): the same logits as a model built from the decoded
// Checkpoint, the same errors as CheckpointFile.read on damaged files, and
// weights that stay valid as long as any InferenceModel uses them.
import XCTest
import Foundation
import CKernels
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class MappedCheckpointTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String = "m.ckpt") throws -> String {
        let path = try makeTemporaryDirectory(self) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The logits of `steps` batch-1 steps over fixed ids.
    private func logits(_ model: SamplingModel, steps: Int = 9) -> [Float] {
        let inference = model.makeInference()
        var out: [Float] = []
        for t in 0..<steps {
            var id = Int32(t % model.vocab)
            let l = inference.step(unchecked: &id)
            out += (0..<model.vocab).map { l[$0] }
        }
        return out
    }

    func testSameLogitsAsTheDecodedCheckpointForEveryKindOfFile() throws {
        for cell in CellKind.allCases {
            let c = makeCheckpoint(cell: cell, layers: 2, embed: 5, hidden: 24, seed: 7)
            for (weightsOnly, half) in [(false, false), (true, false), (true, true)] {
                let path = try write(try CheckpointFile.encode(c, weightsOnly: weightsOnly, half: half))
                let mapped = try SamplingModel(path: path)
                let (decoded, info) = try CheckpointFile.readWithInfo(path)
                let copied = try SamplingModel(checkpoint: decoded, weightsAreHalfExact: info.halfWeights)
                XCTAssertEqual(mapped.weightsAreHalfExact, half)
                XCTAssertEqual(mapped.config, decoded.config)
                XCTAssertEqual(mapped.vocabulary, decoded.vocabulary)
                XCTAssertEqual(mapped.metadata, decoded.metadata)
                XCTAssertEqual(bits(logits(mapped)), bits(logits(copied)), "\(cell) weightsOnly \(weightsOnly) half \(half)")
                // The binary32 weights are the decoded ones (widened from binary16 in place of readHalves).
                let w = mapped.makeInference(streams: 2).weights
                XCTAssertEqual(bits(Array(UnsafeBufferPointer(start: w.base, count: w.count))), bits(decoded.parameters))
            }
        }
    }

    /// A binary16 file is stepped from its binary16 bytes alone, at batch 1 and
    /// for N > 1 streams, with the same logits either way; binary32 appears
    /// only when asked for.
    func testBinary16FileIsWidenedOnlyWhenNeeded() throws {
        for cell in CellKind.allCases {
            let c = makeCheckpoint(cell: cell, layers: 2, embed: 5, hidden: 24, seed: 10)
            let model = try SamplingModel(path: try write(try CheckpointFile.encode(c, weightsOnly: true, half: true)))
            let one = model.makeInference()
            XCTAssertTrue(one.halfPrecision)
            let single = logits(model)
            XCTAssertNil(one.weights.floatsIfPresent, "\(cell): batch-1 stepping widened the weights")
            // Two streams fed the same ids give the batch-1 logits, bit for bit (small-N product over binary16).
            let two = model.makeInference(streams: 2)
            XCTAssertTrue(two.halfPrecision)
            var batch: [Float] = []
            for t in 0..<9 {
                let ids = [Int32(t % model.vocab), Int32(t % model.vocab)]
                let l = ids.withUnsafeBufferPointer { two.step(unchecked: $0.baseAddress!) }
                batch += (0..<model.vocab).map { l[$0] }
                XCTAssertEqual((0..<model.vocab).map { l[$0] }, (0..<model.vocab).map { l[model.vocab + $0] })
            }
            XCTAssertNil(one.weights.floatsIfPresent, "\(cell): stepping two streams widened the weights")
            XCTAssertEqual(bits(single), bits(batch), "\(cell)")
            _ = one.weights.base
            XCTAssertNotNil(one.weights.floatsIfPresent, "\(cell): binary32 on demand")
        }
    }

    func testWeightsOutliveTheModelAndTheMapping() throws {
        let c = makeCheckpoint(hidden: 16, seed: 8)
        let path = try write(try CheckpointFile.encode(c, weightsOnly: true))
        let expected = logits(try SamplingModel(checkpoint: c))
        var inference: InferenceModel? = nil
        do { inference = try SamplingModel(path: path).makeInference() }
        // The file is replaced by rename (as charlstm writes) and the old name removed: the mapping keeps the old contents.
        try CheckpointFile.write(makeCheckpoint(hidden: 16, seed: 9), to: path)
        try FileManager.default.removeItem(atPath: path)
        var out: [Float] = []
        for t in 0..<9 {
            var id = Int32(t % c.config.vocab)
            let l = inference!.step(unchecked: &id)
            out += (0..<c.config.vocab).map { l[$0] }
        }
        XCTAssertEqual(bits(out), bits(expected))
    }

    /// Damaged files: the same typed error as `CheckpointFile.read`, the training section included.
    func testDamagedFilesFailWithTheSameErrorsAsRead() throws {
        let good = try CheckpointFile.encode(makeCheckpoint())
        var variants: [[UInt8]] = [[], Array(good[0..<100]), Array(good.dropLast())]
        var rng = RandomGenerator(seed: 5)
        for _ in 0..<200 {
            var b = good
            b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 << (rng.next() % 8))
            variants.append(b)
        }
        // Contradictions that pass every CRC, in the training section that sampling never reads.
        let tran = ChecksumPatcher.sectionOffset(good, kind: "TRAN")
        variants.append(ChecksumPatcher.patch(good, kind: "TRAN", at: 0, value: 9, width: 1))            // optimizer code
        variants.append(ChecksumPatcher.patch(good, kind: "TRAN", at: 8, value: 1000, width: 8))         // batch vs carried state
        variants.append(ChecksumPatcher.patch(good, kind: "TRAN", at: 120, value: UInt64(good.count), width: 8))  // moment count
        XCTAssertGreaterThan(tran, 0)
        for (i, bytes) in variants.enumerated() {
            let path = try write(bytes, "v\(i).ckpt")
            var readError: CheckpointError? = nil, mappedError: CheckpointError? = nil
            do { _ = try CheckpointFile.read(path) } catch { readError = error }
            do { _ = try SamplingModel(path: path) } catch { mappedError = error }
            XCTAssertNotNil(readError, "variant \(i) should be refused")
            XCTAssertEqual(mappedError, readError, "variant \(i)")
        }
    }

    func testHalfWideningIsExactForEveryBitPattern() {
        let halves = (0...UInt16.max).map { $0 }
        var widened = [Float](repeating: 0, count: halves.count)
        ck_f16_to_f32(&widened, halves, Int64(halves.count))
        for (h, f) in zip(halves, widened) {
            let expected = Float(Float16(bitPattern: h))
            if expected.isNaN {
                XCTAssertTrue(f.isNaN, "0x\(String(h, radix: 16))")
            } else {
                XCTAssertEqual(f.bitPattern, expected.bitPattern, "0x\(String(h, radix: 16))")
            }
        }
    }
}
