// CRC32's carry-less multiplication path (CKernels' crc32_clmul.c) against its
// table path and the bitwise definition: random lengths, unaligned starts,
// arbitrary incoming states.
import XCTest
import CKernels
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

final class CRC32FoldTests: XCTestCase {
    /// 10 KiB + 64 of random bytes (so that every start offset 0..<64 has 10 KiB after it).
    private func randomBytes(seed: UInt64) -> [UInt8] {
        var rng = RandomGenerator(seed: seed)
        return (0..<(10_240 + 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    private func bitwise(_ b: UnsafeRawBufferPointer, continuing crc: UInt32) -> UInt32 {
        var c = ~crc
        for x in b { c ^= UInt32(x); for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 } }
        return ~c
    }

    func testChecksumAgreesWithTablesOnRandomLengthsAndOffsets() {
        let data = randomBytes(seed: 21)
        var rng = RandomGenerator(seed: 22)
        data.withUnsafeBytes { all in
            // Every length around the 64-byte threshold and the 16-byte block edges, then random ones up to 10 KiB.
            var lengths = Array(0...200)
            for _ in 0..<1500 { lengths.append(Int(rng.next() % 10_241)) }
            for n in lengths {
                let offset = Int(rng.next() % 64)
                let crc = rng.next() % 3 == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next())
                let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)])
                let expected = CRC32.tableChecksum(slice, continuing: crc)
                XCTAssertEqual(CRC32.checksum(slice, continuing: crc), expected, "length \(n), offset \(offset)")
                if n <= 300 { XCTAssertEqual(expected, bitwise(slice, continuing: crc), "table, length \(n)") }
            }
        }
    }

    func testFoldKernelDirectlyAgainstTheBitwiseDefinition() throws {
        try XCTSkipUnless(ck_crc32_has_clmul() != 0, "no PCLMULQDQ on this CPU: CRC32 uses its tables")
        XCTAssertTrue(CRC32.hasCarrylessMultiply)
        let data = randomBytes(seed: 23)
        var rng = RandomGenerator(seed: 24)
        data.withUnsafeBytes { all in
            let base = all.baseAddress!.assumingMemoryBound(to: UInt8.self)
            for blocks in 4...80 {
                let n = 16 * blocks, offset = Int(rng.next() % 64)
                let crc = UInt32(truncatingIfNeeded: rng.next())
                // The kernel works on the raw state: ~crc in, ~crc out.
                let folded = ~ck_crc32_fold(~crc, base + offset, Int64(n))
                XCTAssertEqual(folded, bitwise(UnsafeRawBufferPointer(start: base + offset, count: n), continuing: crc),
                               "length \(n), offset \(offset)")
            }
        }
    }

    func testPiecewiseChecksumsOfAMegabyteMatchTheWhole() {
        var rng = RandomGenerator(seed: 25)
        let data = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        data.withUnsafeBytes { all in
            let whole = CRC32.checksum(all)
            XCTAssertEqual(whole, CRC32.tableChecksum(all))
            var crc: UInt32 = 0, at = 0
            while at < all.count {
                let n = min(all.count - at, Int(rng.next() % 5000))
                crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: all[at..<(at + n)]), continuing: crc)
                at += n
            }
            XCTAssertEqual(crc, whole)
        }
    }
}
