// TokenIDs+Output: ids written out for other programs (`charlstm tokenize --ids
// [--binary]`), as decimal lines or as raw little-endian integers.
//
// Both go through a local 64 KiB buffer filled id by id from the stored
// ids, with no call per id into the output stream: writing the ids of a
// 20 MB corpus costs about as much as cutting it into graphemes.
//
// Binary layout (docs/unicode.md, "tokenize --ids --binary"): no header, no
// separators; id i of the text is bytes [w·i, w·i + w) of the output, an
// unsigned little-endian integer of w = 2 bytes (UInt16) when the vocabulary
// has at most 65,536 entries (`<unk>` included), else w = 4 (UInt32).

import CharLSTMSupport

extension TokenIDs {
    /// Bytes per id in the binary form for a vocabulary of `size` entries:
    /// 2 (UInt16) up to 65,536 entries, else 4 (UInt32).
    package static func binaryWidth(vocabularySize size: Int) -> Int { size <= 65_536 ? 2 : 4 }

    /// Writes every id in decimal followed by "\n" (all ids < `vocabularySize`).
    package func writeDecimalLines(to out: OutputStream, vocabularySize: Int) {
        // Each id's line rendered once, in a 16-byte slot (ids have at most 15
        // digits), copied as two 8-byte words; the fill advances by its length.
        let ids = max(vocabularySize, 1)
        var slots = [UInt64](repeating: 0, count: 2 * ids), lengths = [Int](repeating: 0, count: ids)
        slots.withUnsafeMutableBytes { raw in
            for id in 0 ..< ids {
                let line = Array("\(id)\n".utf8)
                for (j, b) in line.enumerated() { raw[16 * id + j] = b }
                lengths[id] = line.count
            }
        }
        slots.withUnsafeBufferPointer { slot in
            lengths.withUnsafeBufferPointer { length in
                withBuffer(out) { buffer, used in
                    let raw = UnsafeMutableRawPointer(buffer)
                    forEachChunk { chunk in
                        for id in chunk {
                            if used + 16 > Self.bufferSize { flush(buffer, &used, out) }
                            let i = Int(id)
                            raw.storeBytes(of: slot[2 * i], toByteOffset: used, as: UInt64.self)
                            raw.storeBytes(of: slot[2 * i + 1], toByteOffset: used + 8, as: UInt64.self)
                            used += length[i]
                        }
                    }
                }
            }
        }
    }

    /// Writes every id as a little-endian unsigned integer of
    /// `binaryWidth(vocabularySize:)` bytes, nothing between them.
    package func writeBinary(to out: OutputStream, vocabularySize: Int) {
        let width = Self.binaryWidth(vocabularySize: vocabularySize)
        withBuffer(out) { buffer, used in
            forEachChunk { ids in
                for id in ids {
                    if used + width > Self.bufferSize { flush(buffer, &used, out) }
                    buffer[used] = UInt8(truncatingIfNeeded: id)
                    buffer[used + 1] = UInt8(truncatingIfNeeded: id >> 8)
                    if width == 4 {
                        buffer[used + 2] = UInt8(truncatingIfNeeded: id >> 16)
                        buffer[used + 3] = UInt8(truncatingIfNeeded: id >> 24)
                    }
                    used += width
                }
            }
        }
    }

    private static let bufferSize = 1 << 16

    /// Runs `body` with an output buffer and its fill; what is left is written at the end.
    private func withBuffer(_ out: OutputStream, _ body: (UnsafeMutablePointer<UInt8>, inout Int) -> Void) {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.bufferSize)
        defer { buffer.deallocate() }
        var used = 0
        body(buffer, &used)
        flush(buffer, &used, out)
    }

    private func flush(_ buffer: UnsafeMutablePointer<UInt8>, _ used: inout Int, _ out: OutputStream) {
        out.write(bytes: UnsafeBufferPointer(start: buffer, count: used))
        used = 0
    }

    /// Calls `body` with the ids in order, a few thousand at a time, read straight from storage.
    private func forEachChunk(_ body: (UnsafeBufferPointer<UInt32>) -> Void) {
        let chunk = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
        defer { chunk.deallocate() }
        func widen<T: FixedWidthInteger>(_ a: [T]) {
            a.withUnsafeBufferPointer { p in
                var i = start
                let end = start + count
                while i < end {
                    let n = min(4096, end - i)
                    for j in 0 ..< n { chunk[j] = UInt32(truncatingIfNeeded: p[i + j]) }
                    body(UnsafeBufferPointer(start: chunk, count: n))
                    i += n
                }
            }
        }
        switch storage {
        case .u8(let a): widen(a)
        case .u16(let a): widen(a)
        case .u32(let a): widen(a)
        }
    }
}
