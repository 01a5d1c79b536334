// UTF8Validation: a streaming UTF-8 checker that finds the first bad sequence,
// its length as a "maximal subpart" (the unit replaced by one U+FFFD), and NUL bytes.
//
// The replacement policy is Unicode's recommended practice (Unicode §3.9,
// "U+FFFD Substitution of Maximal Subparts"), the one ICU, WHATWG and Swift's
// `String(decoding:as:)` follow: each maximal subpart of an ill-formed
// sequence becomes one U+FFFD.

/// What a scan of UTF-8 bytes found first.
enum UTF8ScanResult: Equatable {
    /// Every byte up to `end` is valid; bytes after `end` (at most 3) start a
    /// sequence that is incomplete but may be completed by more input.
    case valid(end: Int)
    /// A malformed sequence starts at `at`; its maximal subpart is `length` bytes.
    case invalid(at: Int, length: Int)
    /// A NUL byte at `at`.
    case nul(at: Int)
}

enum UTF8Scanner {
    /// The UTF-8 byte order mark.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    /// U+FFFD REPLACEMENT CHARACTER in UTF-8.
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Scans `p[start ..< end]`. With `isFinal`, a sequence cut off by `end`
    /// is invalid; otherwise it stops the scan as `.valid(end: its start)`.
    static func scan(_ p: UnsafePointer<UInt8>, from start: Int, to end: Int, isFinal: Bool) -> UTF8ScanResult {
        var i = start
        while i < end {
            // Eight ASCII, non-NUL bytes at a time.
            while i + 8 <= end {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let high = w & 0x8080_8080_8080_8080
                let zero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
                if high | zero != 0 { break }
                i += 8
            }
            if i >= end { break }
            let b0 = p[i]
            if b0 < 0x80 {
                if b0 == 0 { return .nul(at: i) }
                i += 1
                continue
            }
            // Lead byte: total length and the allowed range of the second byte.
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 2
            case 0xE0: need = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: need = 3
            case 0xED: need = 3; hi = 0x9F
            case 0xF0: need = 4; lo = 0x90
            case 0xF1...0xF3: need = 4
            case 0xF4: need = 4; hi = 0x8F
            default: return .invalid(at: i, length: 1)
            }
            // Continuation bytes; the first one has the narrowed range.
            var k = 1
            while k < need {
                if i + k >= end {
                    return isFinal ? .invalid(at: i, length: k) : .valid(end: i)
                }
                let b = p[i + k]
                let ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF)
                if !ok { return .invalid(at: i, length: k) }
                k += 1
            }
            i += need
        }
        return .valid(end: end)
    }

    /// Decodes the scalar starting at `p[i]` (valid UTF-8) and its length.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, at i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
        }
        return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                | UInt32(p[i + 3] & 0x3F), 4)
    }
}
