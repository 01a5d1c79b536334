// CorpusShard: a byte range of a corpus file, tokenized on its own with exactly the
// graphemes (and normalized text) the whole file gives there.
//
// Cuts: part k of N starts just after the first line feed at or after byte ⌊k·size/N⌋ − 1
// (the end of the file when there is none; parts may then be empty). A cut after LF is
// safe for every step of the tokenizer:
//   UTF-8      0x0A is never inside a multi-byte sequence, and a bad sequence
//              (replaced under --lossy) never spans it;
//   graphemes  UAX #29 always breaks after LF (GB4), so CR LF stays whole before the cut;
//   normalize  LF is a starter (ccc 0) that composes with nothing and has no
//              decomposition, so no mark reorders or composes across it (NFC, NFD, NFKC, NFKD);
//   BOM        only part 0 may drop a leading BOM (GraphemeStream.startsAt).
// So the concatenation of the parts' graphemes is the one-process tokenization.

/// Byte ranges of a corpus file cut at grapheme-safe boundaries, and their tokenization.
package enum CorpusShard {
    /// The N byte ranges (in order, covering the file) that the N parts read. Refuses an empty
    /// or BOM-only file as one process does.
    package static func cuts(file path: String, parts: Int) throws(TextError) -> [Range<Int>] {
        let file = try InputFile(path: path)
        let size = file.sizeHint
        let head = Array(try file.readChunk(count: 4))
        if head.isEmpty { throw .empty(source: path) }
        if size == 0 { throw .unreadable(source: path, reason: "not a regular file; across processes give a file every process can read") }
        if head.elementsEqual(UTF8Scanner.byteOrderMark) { throw .onlyByteOrderMark(source: path) }
        var starts = [0]
        for k in 1 ..< max(1, parts) {
            let nominal = k * size / parts
            var cut = max(nominal, starts[k - 1])
            if cut > 0 && cut < size {
                try file.seek(to: nominal - 1)
                var at = nominal - 1
                cut = size
                search: while true {
                    let chunk = try file.readChunk(count: 1 << 16)
                    if chunk.isEmpty { break }
                    for (i, b) in chunk.enumerated() where b == 0x0A {
                        cut = at + i + 1
                        break search
                    }
                    at += chunk.count
                }
                cut = max(cut, starts[k - 1])
            }
            starts.append(min(cut, size))
        }
        starts.append(size)
        return (0 ..< max(1, parts)).map { starts[$0] ..< starts[$0 + 1] }
    }

    /// Streams the graphemes of bytes `range` of the file through `emit` (as GraphemeStream's
    /// pieces), stopping early when `more()` says so after a piece. Returns the stream (counts).
    @discardableResult
    package static func tokenize(file path: String, range: Range<Int>, normalization: NormalizationForm, lossy: Bool,
                         more: () -> Bool = { true },
                         _ emit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int32>) -> Void) throws(TextError) -> GraphemeStream {
        let stream = try GraphemeTokenizer(normalization: normalization).stream(source: path, lossy: lossy)
        stream.startsAt(offset: range.lowerBound)
        let file = try InputFile(path: path)
        try file.seek(to: range.lowerBound)
        var at = range.lowerBound
        while at < range.upperBound && more() {
            let chunk = try file.readChunk(count: min(stream.preferredReadSize, range.upperBound - at))
            if chunk.isEmpty { break }
            at += chunk.count
            try stream.feed(chunk, isFinal: false, emit)
        }
        try stream.feed(UnsafeBufferPointer(start: nil, count: 0), isFinal: true, emit)
        return stream
    }

    /// What one part contributes before the processes agree on a vocabulary.
    package struct Count {
        /// Distinct graphemes (UTF-8 bytes) and how often each occurs in the part.
        package var keys: [[UInt8]] = []
        package var counts: [Int] = []
        package var graphemes = 0
        package var codePoints = 0
        package var normalizedBytes = 0
        package var replaced = 0
        package var inputBytes = 0
        package init() {}
    }

    /// Counts the graphemes of bytes `range` (no ids are kept: memory is the distinct graphemes).
    package static func count(file path: String, range: Range<Int>, normalization: NormalizationForm,
                      lossy: Bool) throws(TextError) -> Count {
        var table = GraphemeTable()
        var result = Count()
        let stream = try tokenize(file: path, range: range, normalization: normalization, lossy: lossy) { piece, ends in
            guard let p = piece.baseAddress else { return }
            result.normalizedBytes += piece.count
            result.codePoints += countCodePoints(piece)
            result.graphemes += ends.count
            var start = 0
            for e in ends {
                let end = Int(e)
                let i = table.index(of: p + start, count: end - start)
                if i == result.counts.count { result.counts.append(1) } else { result.counts[i] += 1 }
                start = end
            }
        }
        result.keys = (0 ..< table.count).map { Array(table.bytes($0)) }
        result.replaced = stream.replaced
        result.inputBytes = stream.inputBytes
        return result
    }
}
