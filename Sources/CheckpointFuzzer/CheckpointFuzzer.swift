// CheckpointFuzzer: libFuzzer over CheckpointFile.decode.
//
// Built for real only by `make fuzz`, which passes -DFUZZING and
// -sanitize=fuzzer,address (libFuzzer supplies main). A plain `swift build`
// compiles the stub below, so the package builds without sanitizer support.
//
// Every input must either decode or throw a CheckpointError: a crash, a
// sanitizer report, a leak or an allocation beyond -malloc_limit_mb is a bug.

#if FUZZING
import CharLSTM

@_cdecl("LLVMFuzzerTestOneInput")
public func checkpointFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    check(bytes)
    // Random mutations almost never keep the CRCs right, which would stop the
    // fuzzer at the checksum checks. So also try the input with every CRC
    // recomputed, which lets mutations reach the parsing behind them.
    var fixed = Array(bytes)
    if fixChecksums(&fixed) { fixed.withUnsafeBytes { check($0) } }
    return 0
}

/// Decodes `bytes`; whatever loads must satisfy the invariants the rest of
/// charlstm relies on and survive re-encoding.
func check(_ bytes: UnsafeRawBufferPointer) {
    if let checkpoint = try? CheckpointFile.decode(bytes, source: "fuzz-input") {
        // Whatever loads must satisfy the invariants the rest of charlstm relies on,
        // and must encode again to a file that decodes to the same value.
        let P = ParameterLayout(checkpoint.config).count
        guard checkpoint.parameters.count == P, checkpoint.vocabulary.count == checkpoint.config.vocab,
              checkpoint.config.problem() == nil else { fatalError("decoded an inconsistent checkpoint") }
        guard let again = try? CheckpointFile.encode(checkpoint),
              let back = again.withUnsafeBytes({ try? CheckpointFile.decode($0, source: "re-encoded") }),
              back.parameters.count == P, back.vocabulary == checkpoint.vocabulary else {
            fatalError("a decoded checkpoint does not survive re-encoding")
        }
    }
}

/// Rewrites the header CRC, table CRC and every in-bounds section CRC of `b`
/// (the layout of docs/checkpoint-format.md); false if `b` has no room for a header.
func fixChecksums(_ b: inout [UInt8]) -> Bool {
    guard b.count >= 64 else { return false }
    func r32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * $1) } }
    func r64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * $1) } }
    func w32(_ o: Int, _ v: UInt32) { for i in 0..<4 { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
    let headerSize = Int(min(r32(16), 4096))
    let entrySize = Int(min(max(r32(24), 32), 1024))
    let count = Int(min(r32(20), 256))
    if headerSize >= 64 && headerSize <= b.count {
        let tableEnd = min(headerSize + count * entrySize, b.count - (b.count - headerSize) % entrySize)
        let entries = (tableEnd - headerSize) / entrySize
        for i in 0..<entries {
            let e = headerSize + i * entrySize
            let off = r64(e + 8), len = r64(e + 16)
            if off <= UInt64(b.count) && len <= UInt64(b.count) - off {
                w32(e + 24, b.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[Int(off)..<Int(off + len)])) })
            }
        }
        w32(28, b.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[headerSize..<(headerSize + entries * entrySize)])) })
        var crc = b.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<60])) }
        crc = b.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[64..<headerSize]), continuing: crc) }
        w32(60, crc)
    }
    return true
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links executables with `main` aliased to `<module>_main`; hand control
/// to libFuzzer's driver from there.
@_cdecl("CheckpointFuzzer_main")
public func checkpointFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { data, size in checkpointFuzzerTestOneInput(data, size) })
}
#else
/// Without -DFUZZING this is a stub, so plain `swift build` needs no sanitizer runtime.
@main
enum CheckpointFuzzerStub {
    static func main() {
        print("CheckpointFuzzer: build and run it with `make fuzz` (needs -sanitize=fuzzer).")
    }
}
#endif
