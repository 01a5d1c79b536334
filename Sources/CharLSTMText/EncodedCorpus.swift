// EncodedCorpus: a text file tokenized once into a vocabulary and ids.
//
// One streaming pass: each chunk is normalized and segmented, each grapheme
// gets a provisional id (first-seen order, GraphemeTable) stored in the
// narrowest width that fits so far, and counted. At the end the vocabulary is
// ordered (descending count, ties by UTF-8 bytes), caps are applied, and the
// provisional ids are remapped in place to final ids.
// Memory: about one byte per grapheme for ≤ 255 distinct graphemes (two for
// ≤ 65,535), plus a few chunk-sized buffers.

/// A corpus tokenized once: vocabulary + ids, built in streaming chunks.
import CharLSTMSupport

package struct EncodedCorpus: Sendable {
    /// The vocabulary (`<unk>` at id 0).
    package let vocabulary: Vocabulary
    /// One id per grapheme of the corpus.
    package let ids: TokenIDs
    /// Tokens mapped to `<unk>` (by caps or by an outside vocabulary).
    package let unknownCount: Int
    /// Invalid UTF-8 sequences replaced by U+FFFD (lossy).
    package let replacedSequences: Int
    /// Bytes of input (including a BOM).
    package let byteCount: Int
    /// Distinct graphemes in the corpus, before caps.
    package let distinctGraphemes: Int
    /// Code points of the normalized text.
    package let codePointCount: Int
    /// Bytes of the normalized text (UTF-8, BOM dropped).
    package let normalizedByteCount: Int

    /// Number of graphemes (`ids.count`).
    package var graphemeCount: Int { ids.count }

    /// Builds the vocabulary from the file: id 0 `<unk>`, then by descending
    /// frequency, ties by UTF-8 bytes; `maxVocab` counts `<unk>` too (nil = no
    /// cap); `minCount` drops rarer graphemes to `<unk>`.
    package static func build(file path: String, normalization: NormalizationForm, lossy: Bool,
                             maxVocab: Int?, minCount: Int) throws(TextError) -> EncodedCorpus {
        try build(file: path, normalization: normalization, lossy: lossy, maxVocab: maxVocab,
                  minCount: minCount, chunkSize: defaultChunkSize)
    }

    /// `build(file:...)` with an explicit chunk size (tests).
    static func build(file path: String, normalization: NormalizationForm, lossy: Bool,
                      maxVocab: Int?, minCount: Int, chunkSize: Int) throws(TextError) -> EncodedCorpus {
        try checkCaps(maxVocab: maxVocab, minCount: minCount)
        let tokenizer = GraphemeTokenizer(normalization: normalization, chunkSize: chunkSize)
        let stream = try tokenizer.stream(source: path, lossy: lossy)
        let file = try InputFile(path: path)
        var counter = GraphemeCounter(expected: file.sizeHint)
        try GraphemeTokenizer.feedFile(path, into: stream) { counter.add($0, $1) }
        return try counter.finish(stream: stream, order: .frequency(maxVocab: maxVocab, minCount: minCount))
    }

    /// Like `build(file:...)` for bytes already in memory (e.g. stdin);
    /// empty or BOM-only input is refused.
    package static func build(utf8 bytes: [UInt8], source: String, normalization: NormalizationForm, lossy: Bool,
                             maxVocab: Int?, minCount: Int) throws(TextError) -> EncodedCorpus {
        try checkCaps(maxVocab: maxVocab, minCount: minCount)
        let stream = try GraphemeTokenizer(normalization: normalization).stream(source: source, lossy: lossy)
        var counter = GraphemeCounter(expected: bytes.count)
        try bytes.withUnsafeBufferPointer { (b) throws(TextError) in try stream.feedAll(b) { counter.add($0, $1) } }
        try GraphemeTokenizer.checkNotEmpty(stream)
        return try counter.finish(stream: stream, order: .frequency(maxVocab: maxVocab, minCount: minCount))
    }

    /// Encodes the file against an existing vocabulary (fine-tuning, tokenize
    /// --checkpoint): unknown graphemes map to `<unk>`, counted.
    package static func encode(file path: String, vocabulary: Vocabulary, normalization: NormalizationForm,
                              lossy: Bool) throws(TextError) -> EncodedCorpus {
        try encode(file: path, vocabulary: vocabulary, normalization: normalization, lossy: lossy,
                   chunkSize: defaultChunkSize)
    }

    static func encode(file path: String, vocabulary: Vocabulary, normalization: NormalizationForm,
                       lossy: Bool, chunkSize: Int) throws(TextError) -> EncodedCorpus {
        let tokenizer = GraphemeTokenizer(normalization: normalization, chunkSize: chunkSize)
        let stream = try tokenizer.stream(source: path, lossy: lossy)
        let file = try InputFile(path: path)
        var counter = GraphemeCounter(expected: file.sizeHint)
        try GraphemeTokenizer.feedFile(path, into: stream) { counter.add($0, $1) }
        return try counter.finish(stream: stream, order: .fixed(vocabulary))
    }

    /// Like `encode(file:...)` for bytes already in memory (e.g. stdin).
    package static func encode(utf8 bytes: [UInt8], source: String, vocabulary: Vocabulary,
                              normalization: NormalizationForm, lossy: Bool) throws(TextError) -> EncodedCorpus {
        let stream = try GraphemeTokenizer(normalization: normalization).stream(source: source, lossy: lossy)
        var counter = GraphemeCounter(expected: bytes.count)
        try bytes.withUnsafeBufferPointer { (b) throws(TextError) in try stream.feedAll(b) { counter.add($0, $1) } }
        try GraphemeTokenizer.checkNotEmpty(stream)
        return try counter.finish(stream: stream, order: .fixed(vocabulary))
    }

    package static func checkCaps(maxVocab: Int?, minCount: Int) throws(TextError) {
        if let maxVocab, maxVocab < 1 {
            throw .invalidArgument("the vocabulary cap must be at least 1 (it counts <unk>), got \(maxVocab)")
        }
        if minCount < 1 { throw .invalidArgument("the minimum count must be at least 1, got \(minCount)") }
    }

    package init(vocabulary: Vocabulary, ids: TokenIDs, unknownCount: Int, replacedSequences: Int, byteCount: Int,
         distinctGraphemes: Int, codePointCount: Int, normalizedByteCount: Int) {
        self.vocabulary = vocabulary
        self.ids = ids
        self.unknownCount = unknownCount
        self.replacedSequences = replacedSequences
        self.byteCount = byteCount
        self.distinctGraphemes = distinctGraphemes
        self.codePointCount = codePointCount
        self.normalizedByteCount = normalizedByteCount
    }
}

/// How the final vocabulary is chosen.
package enum VocabularyOrder {
    /// From the corpus: descending count, ties by bytes, with caps.
    case frequency(maxVocab: Int?, minCount: Int)
    /// A given vocabulary.
    case fixed(Vocabulary)
}

/// The number of code points in valid UTF-8 `text` (bytes that are not continuation bytes).
func countCodePoints(_ text: UnsafeBufferPointer<UInt8>) -> Int {
    var continuation = 0
    for b in text { continuation &+= Int((b & 0xC0) == 0x80 ? 1 : 0) }
    return text.count - continuation
}

/// Counts graphemes and stores their provisional (first-seen) ids.
struct GraphemeCounter {
    var table = GraphemeTable()
    var counts: [Int] = []
    var ids: IDStorage
    var codePoints = 0
    var normalizedBytes = 0
    private var scratch: [UInt32] = []
    private let expected: Int

    init(expected bytes: Int) {
        expected = max(bytes, 16)
        ids = .empty(width: 1, capacity: expected)
    }

    /// Adds the graphemes of one piece (see GraphemeStream).
    mutating func add(_ text: UnsafeBufferPointer<UInt8>, _ ends: UnsafeBufferPointer<Int32>) {
        guard let p = text.baseAddress else { return }
        let n = ends.count
        normalizedBytes += text.count
        codePoints += countCodePoints(text)
        if scratch.count < n { scratch = [UInt32](repeating: 0, count: n) }
        var ascii = table.ascii            // local copy: no uniqueness checks in the loop
        scratch.withUnsafeMutableBufferPointer { out in
            ascii.withUnsafeMutableBufferPointer { a in
                var start = 0
                for k in 0 ..< n {
                    let end = Int(ends[k])
                    let b = p[start]
                    if end - start == 1 && b < 0x80 && a[Int(b)] >= 0 {
                        out[k] = UInt32(truncatingIfNeeded: a[Int(b)])
                    } else {
                        let index = table.index(of: p + start, count: end - start)
                        if end - start == 1 && b < 0x80 { a[Int(b)] = Int32(index) }
                        out[k] = UInt32(truncatingIfNeeded: index)
                    }
                    start = end
                }
            }
        }
        if counts.count < table.count { counts.append(contentsOf: repeatElement(0, count: table.count - counts.count)) }
        scratch.withUnsafeBufferPointer { ids in
            counts.withUnsafeMutableBufferPointer { c in
                for k in 0 ..< n { c[Int(ids[k])] += 1 }
            }
        }
        let largest = UInt32(truncatingIfNeeded: table.count - 1)
        if largest > ids.maxID {
            ids = ids.widened(to: largest <= 0xFFFF ? 2 : 4, capacity: expected)
        }
        scratch.withUnsafeBufferPointer { ids.append(UnsafeBufferPointer(rebasing: $0[0 ..< n])) }
    }

    /// The corpus: final vocabulary, ids remapped to it.
    mutating func finish(stream: GraphemeStream, order: VocabularyOrder) throws(TextError) -> EncodedCorpus {
        let distinct = table.count
        let ranked = try RankedVocabulary(keys: (0 ..< distinct).map { Array(table.bytes($0)) }, counts: counts, order: order)
        let vocabulary = ranked.vocabulary
        let map = ranked.map
        let unknown = ranked.unknown
        let count = ids.count
        // Move the ids out so the remap can work in place (no copy-on-write).
        let provisional = ids
        ids = .u8([])
        let final = (consume provisional).remapped(map, width: TokenIDs.bytesPerID(vocabularySize: vocabulary.count))
        return EncodedCorpus(
            vocabulary: vocabulary, ids: TokenIDs(storage: final, start: 0, count: count),
            unknownCount: unknown, replacedSequences: stream.replaced, byteCount: stream.inputBytes,
            distinctGraphemes: distinct, codePointCount: codePoints, normalizedByteCount: normalizedBytes)
    }
}
