// CheckpointFormat: the constants of the file layout (docs/checkpoint-format.md).
//
//   [0, 64)                      header
//   [64, 64 + 32·N)              section table, N entries
//   sections, each at a 64-byte aligned offset, zero padding between them:
//     CONF  config + metadata    (required)
//     VOCB  vocabulary           (required)
//     WGHT  weights, P floats    (required; Float32, or Float16 if flagged)
//     TRAN  training state       (optional; absent in weights-only files)
//     AVRG  weight average       (optional, format 1.2; only beside TRAN, with --average-from)
// All integers and floats little-endian.

enum Format {
    /// "\x89CLSTM\r\n": a non-ASCII first byte and CR LF catch text-mode transfers, as in PNG.
    static let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x53, 0x54, 0x4D, 0x0D, 0x0A]
    static let headerSize = 64
    static let entrySize = 32
    static let alignment = 64
    /// Upper bounds a reader accepts, so that table arithmetic stays small.
    static let maxSections = 256
    static let maxHeaderSize = 4096
    static let maxEntrySize = 1024

    // Header field offsets.
    static let offMajor = 8, offMinor = 10, offFlags = 12, offHeaderSize = 16, offSectionCount = 20
    static let offEntrySize = 24, offTableCRC = 28, offFileSize = 32, offHeaderCRC = 60

    // Header flags (a summary of the table; readers check they agree with it).
    static let headerHalfWeights: UInt32 = 1 << 0
    static let headerHasTraining: UInt32 = 1 << 1

    // Section flags.
    static let sectionOptional: UInt32 = 1 << 0
    static let sectionFloat16: UInt32 = 1 << 1

    /// Section kinds: four ASCII bytes, stored in file order (so "CONF" reads as
    /// the bytes 43 4F 4E 46, i.e. the little-endian UInt32 0x464E4F43).
    static let config = kind("CONF"), vocabulary = kind("VOCB"), weights = kind("WGHT"), training = kind("TRAN")
    static let average = kind("AVRG")

    static func kind(_ s: StaticString) -> UInt32 {
        let p = s.utf8Start
        return UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }

    /// A kind as text: its four characters if printable ASCII, else hex ("0x00FF1234").
    static func kindName(_ k: UInt32) -> String {
        let bytes = [UInt8(k & 0xFF), UInt8((k >> 8) & 0xFF), UInt8((k >> 16) & 0xFF), UInt8(k >> 24)]
        if bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) { return String(decoding: bytes, as: UTF8.self) }
        return "0x" + String(k, radix: 16, uppercase: true)
    }

    /// Human name used in error messages.
    static func sectionName(_ k: UInt32) -> String {
        switch k {
        case config: "CONF (config)"
        case vocabulary: "VOCB (vocabulary)"
        case weights: "WGHT (weights)"
        case training: "TRAN (training state)"
        case average: "AVRG (weight average)"
        default: kindName(k)
        }
    }

    /// Fixed part of CONF before the corpus name.
    static let configFixedSize = 72
    /// Fixed part of TRAN before the arrays.
    static let trainingFixedSize = 192
    /// Fixed part of AVRG before the weights.
    static let averageFixedSize = 32
    /// Bytes per history point in TRAN.
    static let historyPointSize = 40

    // CONF metadata flags.
    static let metaHasBestVal: UInt32 = 1 << 0

    /// `n` rounded up to a multiple of the alignment.
    static func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

/// Little-endian byte appender for the small sections.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}

extension UnsafeRawBufferPointer {
    // Unaligned little-endian loads; callers check bounds first.
    @inline(__always) func u8(_ o: Int) -> UInt8 { self[o] }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always) func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
    @inline(__always) func i64(_ o: Int) -> Int64 { Int64(bitPattern: u64(o)) }
    @inline(__always) func f32(_ o: Int) -> Float { Float(bitPattern: u32(o)) }
    @inline(__always) func f64(_ o: Int) -> Double { Double(bitPattern: u64(o)) }
}
