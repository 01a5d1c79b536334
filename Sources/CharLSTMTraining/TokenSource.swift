// TokenSource: read access to an encoded corpus, whatever integer width stores its ids.
//
// The corpus is kept in the narrowest id type (UInt8 for ≤ 256 graphemes,
// UInt16 up to 65 536, else UInt32), so a 100 MB corpus costs ~100 MB, not
// 400 MB. Training copies ids into time-major Int32 windows one stream at a
// time through `copyIDs`, so the width is dispatched once per stream, not per id.

/// A read-only sequence of grapheme ids.
import CharLSTMText

package protocol TokenSource {
    /// Number of ids.
    var count: Int { get }
    /// The id at `index` (0 ≤ index < count).
    func id(at index: Int) -> Int32
    /// Copies ids `start ..< start + count` to `destination[0]`, `destination[stride]`, ...
    func copyIDs(from start: Int, count: Int, into destination: UnsafeMutablePointer<Int32>, stride: Int)
}

extension TokenSource {
    package func copyIDs(from start: Int, count: Int, into destination: UnsafeMutablePointer<Int32>, stride: Int) {
        for k in 0..<count { destination[k * stride] = id(at: start + k) }
    }
}

extension Array: TokenSource where Element: FixedWidthInteger {
    @inline(__always)
    package func id(at index: Int) -> Int32 { Int32(truncatingIfNeeded: self[index]) }

    package func copyIDs(from start: Int, count: Int, into destination: UnsafeMutablePointer<Int32>, stride: Int) {
        withUnsafeBufferPointer { ids in
            let src = ids.baseAddress! + start
            for k in 0..<count { destination[k * stride] = Int32(truncatingIfNeeded: src[k]) }
        }
    }
}

extension TokenIDs: TokenSource {
    @inline(__always)
    package func id(at index: Int) -> Int32 { Int32(truncatingIfNeeded: self[index]) }

    /// One switch on the stored width per call, then a tight loop.
    package func copyIDs(from first: Int, count n: Int, into destination: UnsafeMutablePointer<Int32>, stride: Int) {
        guard n > 0 else { return }
        precondition(first >= 0 && first + n <= count, "TokenIDs.copyIDs out of range")
        let s = start + first
        switch storage {
        case .u8(let a): a.withUnsafeBufferPointer { p in for k in 0..<n { destination[k * stride] = Int32(p[s + k]) } }
        case .u16(let a): a.withUnsafeBufferPointer { p in for k in 0..<n { destination[k * stride] = Int32(p[s + k]) } }
        case .u32(let a): a.withUnsafeBufferPointer { p in for k in 0..<n { destination[k * stride] = Int32(truncatingIfNeeded: p[s + k]) } }
        }
    }
}
