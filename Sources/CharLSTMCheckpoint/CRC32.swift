// CRC32: the IEEE 802.3 checksum that guards every part of a checkpoint file.
//
// Reflected polynomial 0xEDB88320 (normal form 0x04C11DB7), initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF: the CRC of zlib, PNG and gzip.
// CRC32("123456789") = 0xCBF43926.
//
// Two implementations of the same function: carry-less multiplication
// (PCLMULQDQ, CKernels' crc32_clmul.c, ~12 GB/s) for the whole 16-byte blocks
// of any input of at least 64 bytes when the CPU has it, and tables for the
// rest and on other CPUs: sixteen bytes per step ("slicing-by-16", 16 tables
// of 256 words = 16 KiB, ~2 GB/s). Checking a 3 MB checkpoint took 1.4 ms
// with the tables alone and takes 0.25 ms now (docs/performance.md).

import CKernels

/// The IEEE CRC-32 used in checkpoint files.
package enum CRC32 {
    /// Sixteen 256-entry tables: table[0] is the classic byte table, table[k][i]
    /// advances table[k-1][i] by one more zero byte.
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 16 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            t[i] = c
        }
        for k in 1..<16 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// `table` at a stable address for the hot loop (allocated once, never freed).
    nonisolated(unsafe) static let tablePointer: UnsafePointer<UInt32> = {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: table.count)
        p.initialize(from: table, count: table.count)
        return UnsafePointer(p)
    }()

    /// The CRC of `bytes`, or, given the CRC of earlier bytes as `crc`, the CRC
    /// of the earlier bytes followed by `bytes` (so a checksum can be built piece by piece).
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let start = bytes.baseAddress, bytes.count >= 64, hasCarrylessMultiply else {
            return tableChecksum(bytes, continuing: crc)
        }
        let blocks = bytes.count & ~15
        let state = ck_crc32_fold(~crc, start.assumingMemoryBound(to: UInt8.self), Int64(blocks))
        return tableChecksum(UnsafeRawBufferPointer(rebasing: bytes[blocks...]), continuing: ~state)
    }

    /// Whether `checksum` folds by carry-less multiplication (checked once).
    static let hasCarrylessMultiply = ck_crc32_has_clmul() != 0

    /// `checksum` by the tables alone, whatever the CPU (the reference the tests compare with).
    @_optimize(speed)  // also in debug builds, where tests checksum many megabytes
    static func tableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return crc }
        var n = bytes.count
        var c = ~crc
        let t = tablePointer
        do {
            while n >= 16 {
                let a = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
                let b = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
                let d = UInt32(littleEndian: (p + 8).loadUnaligned(as: UInt32.self))
                let e = UInt32(littleEndian: (p + 12).loadUnaligned(as: UInt32.self))
                c = t[15 * 256 + Int(a & 0xFF)] ^ t[14 * 256 + Int((a >> 8) & 0xFF)]
                  ^ t[13 * 256 + Int((a >> 16) & 0xFF)] ^ t[12 * 256 + Int(a >> 24)]
                  ^ t[11 * 256 + Int(b & 0xFF)] ^ t[10 * 256 + Int((b >> 8) & 0xFF)]
                  ^ t[9 * 256 + Int((b >> 16) & 0xFF)] ^ t[8 * 256 + Int(b >> 24)]
                  ^ t[7 * 256 + Int(d & 0xFF)] ^ t[6 * 256 + Int((d >> 8) & 0xFF)]
                  ^ t[5 * 256 + Int((d >> 16) & 0xFF)] ^ t[4 * 256 + Int(d >> 24)]
                  ^ t[3 * 256 + Int(e & 0xFF)] ^ t[2 * 256 + Int((e >> 8) & 0xFF)]
                  ^ t[1 * 256 + Int((e >> 16) & 0xFF)] ^ t[Int(e >> 24)]
                p += 16
                n -= 16
            }
            while n >= 8 {
                let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                  ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                  ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                  ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                p += 1
                n -= 1
            }
        }
        return ~c
    }

    /// The CRC of a byte array.
    package static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
