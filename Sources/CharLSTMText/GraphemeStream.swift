// GraphemeStream: the one text pipeline every code path uses.
//
//   raw bytes ──▶ BOM drop ──▶ UTF-8 check (or --lossy repair) ──▶ normalize ──▶ segment ──▶ graphemes
//
// Input arrives in chunks of any size. Each stage carries across chunk ends
// exactly what it needs so that the result equals processing the whole input
// at once:
//   - the UTF-8 check keeps an incomplete trailing sequence (≤ 3 bytes);
//   - normalization cuts only before a code point that has a normalization
//     boundary before it (ICU hasBoundaryBefore); the rest waits;
//   - segmentation holds back the last grapheme of each piece (more text may
//     extend it: combining marks, ZWJ sequences, the second flag letter, LF
//     after CR) and segments it again with the next piece. The held-back
//     grapheme starts at a true boundary, and no UAX #29 rule looks further
//     left than the start of the current cluster (regional-indicator pairs
//     restart at a boundary), so segmenting from there is exact.

import CICU

/// Default number of bytes read per chunk (4 MiB).
let defaultChunkSize = 1 << 22

/// An incremental tokenizer: feed bytes, receive graphemes piece by piece.
///
/// `emit(text, ends)` receives normalized text and the end offsets (within
/// `text`) of the complete graphemes in it: grapheme k is
/// `text[ends[k-1] ..< ends[k]]` with `ends[-1] = 0`; `ends.last == text.count`.
package final class GraphemeStream {
    let normalization: NormalizationForm
    let lossy: Bool
    let source: String
    /// Whether input bytes are checked (false for Swift strings: already valid, no BOM drop).
    let checksInput: Bool
    /// Whether the segmenter may skip ICU between ASCII bytes (identical results).
    let fastASCII: Bool
    /// Bytes read per chunk by the readers driving this stream.
    let chunkSize: Int

    /// Invalid sequences replaced by U+FFFD (lossy).
    private(set) var replaced = 0
    /// Raw input bytes consumed so far (including a BOM).
    private(set) var inputBytes = 0
    /// Whether a leading BOM was dropped.
    private(set) var droppedByteOrderMark = false

    private var segmenter: OpaquePointer?
    /// Valid text not yet normalized (`raw[..<validEnd]`), then unchecked bytes.
    private var raw: [UInt8] = []
    private var validEnd = 0
    /// Absolute input offset of `raw[validEnd]` (for error messages).
    private var uncheckedOffset = 0
    private var bomPending: Bool
    /// Normalized text whose last grapheme may still grow, then the new piece.
    private var segmentBuffer: [UInt8] = []
    private var carry = 0
    private var ends: [Int32] = []

    init(normalization: NormalizationForm, lossy: Bool, source: String, checksInput: Bool = true,
         fastASCII: Bool = true, chunkSize: Int = defaultChunkSize) throws(TextError) {
        self.normalization = normalization
        self.lossy = lossy
        self.source = source
        self.checksInput = checksInput
        self.fastASCII = fastASCII
        self.chunkSize = max(1, chunkSize)
        self.bomPending = checksInput
        guard let s = cicu_segmenter_open() else {
            throw .icu("cannot open a grapheme break iterator")
        }
        segmenter = s
        if normalization != .none && cicu_normalizer_available(Int32(normalization.code)) == 0 {
            cicu_segmenter_close(s)
            segmenter = nil
            throw .icu("no \(normalization.rawValue.uppercased()) normalizer")
        }
    }

    deinit { cicu_segmenter_close(segmenter) }

    /// Makes this stream read a part of an input that starts at byte `offset` (> 0: no BOM is
    /// dropped, and error offsets count from the input's start). Call before the first `feed`.
    func startsAt(offset: Int) {
        uncheckedOffset = offset
        if offset > 0 { bomPending = false }
    }

    /// How many bytes the next read should ask for: the chunk size, or more
    /// when a long unbroken run is being carried (keeps the work linear).
    var preferredReadSize: Int { max(chunkSize, raw.count + carry) }

    /// Feeds the next input bytes; `isFinal` marks the end of the input.
    func feed(_ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool,
              _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) throws(TextError) {
        inputBytes += bytes.count
        raw.append(contentsOf: bytes)
        if bomPending {
            let have = raw.count - validEnd
            let prefix = min(have, 3)
            if raw[validEnd ..< validEnd + prefix].elementsEqual(UTF8Scanner.byteOrderMark[..<prefix]) {
                if prefix < 3 && !isFinal { return }       // wait for the third byte
                if prefix == 3 {
                    raw.removeSubrange(validEnd ..< validEnd + 3)
                    uncheckedOffset += 3
                    droppedByteOrderMark = true
                }
            }
            bomPending = false
        }
        if checksInput { try check(isFinal: isFinal) } else { validEnd = completeEnd(isFinal: isFinal) }
        try normalizeAndSegment(isFinal: isFinal, emit)
    }

    /// Feeds a whole in-memory input in chunks of `chunkSize`.
    func feedAll(_ bytes: UnsafeBufferPointer<UInt8>,
                 _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) throws(TextError) {
        var start = 0
        repeat {
            let n = min(preferredReadSize, bytes.count - start)
            let part = UnsafeBufferPointer(rebasing: bytes[start ..< start + n])
            start += n
            try feed(part, isFinal: start == bytes.count, emit)
        } while start < bytes.count
    }

    // MARK: - UTF-8 check / lossy repair

    /// For input known to be valid: the end of the last complete code point.
    private func completeEnd(isFinal: Bool) -> Int {
        let n = raw.count
        if isFinal { return n }
        var j = n
        while j > max(0, n - 4) {
            j -= 1
            let b = raw[j]
            if b & 0xC0 == 0x80 { continue }
            let length = b < 0x80 ? 1 : (b < 0xE0 ? 2 : (b < 0xF0 ? 3 : 4))
            return j + length <= n ? n : j
        }
        return n
    }

    private func check(isFinal: Bool) throws(TextError) {
        let begin = validEnd
        var position = begin
        var repaired: [UInt8]? = nil
        var failure: TextError? = nil
        raw.withUnsafeBufferPointer { buf in
            guard let p = buf.baseAddress else { return }
            loop: while true {
                switch UTF8Scanner.scan(p, from: position, to: buf.count, isFinal: isFinal) {
                case .valid(let end):
                    if repaired != nil { repaired!.append(contentsOf: buf[position ..< end]) }
                    position = end
                    break loop
                case .nul(let at):
                    failure = .binary(source: source, offset: uncheckedOffset + (at - begin))
                    break loop
                case .invalid(let at, let length):
                    if !lossy {
                        failure = .invalidUTF8(source: source, offset: uncheckedOffset + (at - begin))
                        break loop
                    }
                    if repaired == nil {
                        var r = [UInt8]()
                        r.reserveCapacity(buf.count + 16)
                        r.append(contentsOf: buf[0 ..< at])
                        repaired = r
                    } else {
                        repaired!.append(contentsOf: buf[position ..< at])
                    }
                    repaired!.append(contentsOf: UTF8Scanner.replacement)
                    replaced += 1
                    position = at + length
                }
            }
        }
        if let failure { throw failure }
        uncheckedOffset += position - begin
        if var r = repaired {
            let newValidEnd = r.count
            r.append(contentsOf: raw[position...])
            raw = r
            validEnd = newValidEnd
        } else {
            validEnd = position
        }
    }

    // MARK: - Normalization and segmentation

    private func normalizeAndSegment(isFinal: Bool,
                                     _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) throws(TextError) {
        let cut = isFinal ? validEnd : normalizationCut()
        if cut > Int(Int32.max) - 1 { throw .clusterTooLong(source: source) }
        var failure: TextError? = nil
        raw.withUnsafeBufferPointer { buf in
            let piece = UnsafeBufferPointer(rebasing: buf[0 ..< cut])
            if normalization == .none || cut == 0 {
                failure = segment(piece, isFinal: isFinal, emit)
                return
            }
            var out: UnsafeMutablePointer<UInt8>? = nil
            var outLength: Int32 = 0
            let r = cicu_normalize(Int32(normalization.code), piece.baseAddress, Int32(cut), &out, &outLength)
            switch r {
            case 0:
                failure = segment(piece, isFinal: isFinal, emit)
            case 1:
                defer { cicu_free(out) }
                failure = segment(UnsafeBufferPointer(start: out, count: Int(outLength)), isFinal: isFinal, emit)
            default:
                failure = .icu("\(normalization.rawValue.uppercased()) normalization failed")
            }
        }
        if let failure { throw failure }
        raw.removeFirst(cut)
        validEnd -= cut
    }

    /// The last offset in `raw[..<validEnd]` where normalization may cut: just
    /// before a code point with a normalization boundary before it (0 if none).
    private func normalizationCut() -> Int {
        if normalization == .none { return validEnd }
        return raw.withUnsafeBufferPointer { buf -> Int in
            guard let p = buf.baseAddress else { return 0 }
            var i = validEnd
            let form = Int32(normalization.code)
            while i > 0 {
                i -= 1
                let b = p[i]
                if b & 0xC0 == 0x80 { continue }          // continuation byte
                if b < 0x80 { return i }                   // ASCII: always a boundary before
                let (scalar, _) = UTF8Scanner.decode(p, at: i)
                if cicu_has_boundary_before(form, Int32(bitPattern: scalar)) != 0 { return i }
            }
            return 0
        }
    }

    /// Segments carry + `piece`; emits all but the last grapheme (all when final).
    private func segment(_ piece: UnsafeBufferPointer<UInt8>, isFinal: Bool,
                         _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) -> TextError? {
        if piece.isEmpty && !isFinal { return nil }
        segmentBuffer.removeSubrange(carry...)
        segmentBuffer.append(contentsOf: piece)
        let n = segmentBuffer.count
        if n == 0 { return nil }
        if n > Int(Int32.max) - 1 { return .clusterTooLong(source: source) }
        if ends.count < n { ends = [Int32](repeating: 0, count: max(n, ends.count * 2)) }
        let count = segmentBuffer.withUnsafeBufferPointer { text in
            ends.withUnsafeMutableBufferPointer { e in
                Int(cicu_segment(segmenter, text.baseAddress, Int32(n), e.baseAddress, fastASCII ? 1 : 0))
            }
        }
        if count <= 0 { return .icu("grapheme segmentation failed") }
        let emitted = isFinal ? count : count - 1
        let kept = emitted > 0 ? Int(ends[emitted - 1]) : 0
        if emitted > 0 {
            segmentBuffer.withUnsafeBufferPointer { text in
                ends.withUnsafeBufferPointer { e in
                    emit(UnsafeBufferPointer(rebasing: text[0 ..< kept]), UnsafeBufferPointer(rebasing: e[0 ..< emitted]))
                }
            }
        }
        // Keep the last (possibly incomplete) grapheme at the front.
        segmentBuffer.removeFirst(kept)
        carry = segmentBuffer.count
        if isFinal { segmentBuffer.removeAll(); carry = 0 }
        return nil
    }
}
