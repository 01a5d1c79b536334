// GraphemeTokenizer: normalized extended grapheme clusters, the "characters" of charlstm.

import CICU

/// Normalizes and segments text into extended grapheme clusters (ICU).
///
/// This is the one segmenter used everywhere a model meets text: building a
/// vocabulary, encoding a corpus, priming text, prediction input, scoring.
/// Raw bytes are checked as UTF-8 (the first bad sequence is an error unless
/// `lossy`, which replaces each bad sequence with U+FFFD), a leading UTF-8 BOM
/// is dropped, text is normalized (`normalization`, NFC by default) and cut
/// into clusters by ICU's character break iterator (UAX #29).
package struct GraphemeTokenizer: Sendable {
    /// The normalization applied before segmentation.
    package let normalization: NormalizationForm
    /// Bytes processed per chunk (the result never depends on it).
    let chunkSize: Int
    /// Whether the ASCII fast path is used (the result never depends on it).
    let fastASCII: Bool

    /// A tokenizer applying `normalization` (NFC by default).
    package init(normalization: NormalizationForm = .nfc) {
        self.init(normalization: normalization, chunkSize: defaultChunkSize, fastASCII: true)
    }

    /// A tokenizer with an explicit chunk size and fast-path switch (for tests).
    init(normalization: NormalizationForm, chunkSize: Int, fastASCII: Bool = true) {
        self.normalization = normalization
        self.chunkSize = max(1, chunkSize)
        self.fastASCII = fastASCII
    }

    /// The Unicode version of the linked ICU (e.g. "15.0" for ICU 72).
    package static var unicodeVersion: String {
        var buffer = [CChar](repeating: 0, count: 32)
        cicu_unicode_version(&buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func stream(source: String, lossy: Bool, checksInput: Bool = true) throws(TextError) -> GraphemeStream {
        try GraphemeStream(normalization: normalization, lossy: lossy, source: source,
                           checksInput: checksInput, fastASCII: fastASCII, chunkSize: chunkSize)
    }

    /// Normalized graphemes of an in-memory string (priming text, predict input...).
    ///
    /// A Swift string is valid Unicode already, so nothing is checked or
    /// dropped (a leading U+FEFF stays). Should ICU be unusable (broken
    /// installation), falls back to Swift's own segmentation, unnormalized.
    package func graphemes(in text: String) -> [String] {
        var text = text
        var result: [String] = []
        let ok: Bool = text.withUTF8 { bytes in
            do {
                let s = try stream(source: "<text>", lossy: false, checksInput: false)
                try s.feedAll(bytes) { piece, ends in Self.appendStrings(piece, ends, to: &result) }
                return true
            } catch { return false }
        }
        if !ok { return text.map(String.init) }
        return result
    }

    /// Graphemes of raw bytes (validated UTF-8; BOM dropped). `source` names
    /// the input in errors (`"<stdin>"` or a path). Returns how many invalid
    /// sequences were replaced by U+FFFD (always 0 unless `lossy`).
    package func graphemes(utf8 bytes: [UInt8], source: String, lossy: Bool) throws(TextError) -> (graphemes: [String], replaced: Int) {
        var result: [String] = []
        let s = try stream(source: source, lossy: lossy)
        try bytes.withUnsafeBufferPointer { (buf) throws(TextError) in
            try s.feedAll(buf) { piece, ends in Self.appendStrings(piece, ends, to: &result) }
        }
        return (result, s.replaced)
    }

    /// Byte offsets of grapheme boundaries in the NORMALIZED text
    /// (`0 ... normalized.count`), and that text. Empty input gives `[0]`.
    package func boundaries(utf8 bytes: [UInt8], source: String, lossy: Bool) throws(TextError) -> (normalized: [UInt8], offsets: [Int]) {
        var normalized: [UInt8] = []
        normalized.reserveCapacity(bytes.count)
        var offsets: [Int] = [0]
        let s = try stream(source: source, lossy: lossy)
        try bytes.withUnsafeBufferPointer { (buf) throws(TextError) in
            try s.feedAll(buf) { piece, ends in
                let base = normalized.count
                normalized.append(contentsOf: piece)
                for e in ends { offsets.append(base + Int(e)) }
            }
        }
        return (normalized, offsets)
    }

    /// Calls `body` with the UTF-8 bytes of each grapheme of `bytes`, in
    /// order, without building strings. Returns the number of replaced
    /// sequences (lossy).
    package func forEachGrapheme(utf8 bytes: [UInt8], source: String, lossy: Bool,
                                _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(TextError) -> Int {
        let s = try stream(source: source, lossy: lossy)
        try bytes.withUnsafeBufferPointer { (buf) throws(TextError) in
            try s.feedAll(buf) { piece, ends in Self.forEach(piece, ends, body) }
        }
        return s.replaced
    }

    /// Calls `body` with the UTF-8 bytes of each grapheme of the file at
    /// `path`, read in chunks (constant memory). Refuses missing, directory,
    /// unreadable, empty, BOM-only and binary files. Returns the number of
    /// replaced sequences (lossy).
    package func forEachGrapheme(inFile path: String, lossy: Bool,
                                _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(TextError) -> Int {
        let s = try stream(source: path, lossy: lossy)
        try Self.feedFile(path, into: s) { piece, ends in Self.forEach(piece, ends, body) }
        return s.replaced
    }

    // MARK: - Helpers

    /// Streams the file at `path` through `s` in chunks, then checks that it was not empty or BOM-only.
    static func feedFile(_ path: String, into s: GraphemeStream,
                         _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) throws(TextError) {
        let file = try InputFile(path: path)
        while true {
            let chunk = try file.readChunk(count: s.preferredReadSize)
            try s.feed(chunk, isFinal: chunk.isEmpty, emit)
            if chunk.isEmpty { break }
        }
        try checkNotEmpty(s)
    }

    /// Refuses an input that had no bytes, or only a BOM.
    static func checkNotEmpty(_ s: GraphemeStream) throws(TextError) {
        if s.inputBytes == 0 { throw .empty(source: s.source) }
        if s.droppedByteOrderMark && s.inputBytes == 3 { throw .onlyByteOrderMark(source: s.source) }
    }

    static func forEach(_ piece: UnsafeBufferPointer<UInt8>, _ ends: UnsafeBufferPointer<Int32>,
                        _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        for e in ends {
            let end = Int(e)
            body(UnsafeBufferPointer(rebasing: piece[start ..< end]))
            start = end
        }
    }

    static func appendStrings(_ piece: UnsafeBufferPointer<UInt8>, _ ends: UnsafeBufferPointer<Int32>,
                              to result: inout [String]) {
        result.reserveCapacity(result.count + ends.count)
        forEach(piece, ends) { g in result.append(String(decoding: g, as: UTF8.self)) }
    }
}
