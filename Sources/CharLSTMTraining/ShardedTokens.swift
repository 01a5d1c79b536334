// ShardedTokens: the ids of a few ranges of a corpus that only this process reads.
//
// Dimension key: G graphemes in the whole corpus (`count`), held ranges R_i ⊂ 0 ..< G.
//
// A data-parallel process holds the ids its share of the streams reads (see
// BatchStreams.heldRange), not the whole corpus: `segments[i]` = ids of R_i, in the
// narrowest width for the vocabulary. Indices are global, so the Trainer reads it as
// it reads a whole corpus; reading outside the held ranges is a programming error.
// `load` re-tokenizes just the byte parts (CorpusShard) that overlap each range,
// knowing each part's first global grapheme index (`partStarts`, agreed across processes).

/// Global-index access to the held ranges of a corpus.
import CharLSTMText

package final class ShardedTokens: TokenSource {
    /// G, graphemes in the whole corpus.
    package let count: Int
    /// Held ranges, sorted, disjoint, and their ids.
    package private(set) var segments: [(range: Range<Int>, ids: TokenIDs)] = []
    /// Ids held (the sum of the held ranges' lengths).
    package var heldCount: Int { segments.reduce(0) { $0 + $1.range.count } }

    let path: String
    let normalization: NormalizationForm
    let lossy: Bool
    let vocabulary: Vocabulary
    /// Byte ranges of the parts, and the global index of each part's first grapheme (+ G at the end).
    let parts: [Range<Int>]
    let partStarts: [Int]

    init(path: String, normalization: NormalizationForm, lossy: Bool, vocabulary: Vocabulary,
         parts: [Range<Int>], partStarts: [Int]) {
        self.path = path
        self.normalization = normalization
        self.lossy = lossy
        self.vocabulary = vocabulary
        self.parts = parts
        self.partStarts = partStarts
        count = partStarts.last ?? 0
    }

    /// Tokenizes and keeps the ids of `ranges` (merged where they overlap or touch).
    package func load(_ ranges: [Range<Int>]) throws(TextError) {
        var merged: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound ..< max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        segments = []
        for r in merged { segments.append((r, try ids(of: r))) }
    }

    /// The ids of global range `r`, from the parts that overlap it.
    private func ids(of r: Range<Int>) throws(TextError) -> TokenIDs {
        let width = TokenIDs.bytesPerID(vocabularySize: vocabulary.count)
        var storage = IDStorage.empty(width: width, capacity: r.count)
        var table = GraphemeTable()
        var map: [UInt32] = []
        var scratch: [UInt32] = []
        for k in parts.indices where partStarts[k] < r.upperBound && partStarts[k + 1] > r.lowerBound {
            var g = partStarts[k]          // global index of the next grapheme
            try CorpusShard.tokenize(file: path, range: parts[k], normalization: normalization, lossy: lossy,
                                     more: { g < r.upperBound }) { piece, ends in
                guard let p = piece.baseAddress else { return }
                scratch.removeAll(keepingCapacity: true)
                var start = 0
                for e in ends {
                    let end = Int(e)
                    if r.contains(g) {
                        let i = table.index(of: p + start, count: end - start)
                        if i == map.count {
                            let text = String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
                            map.append(UInt32(vocabulary.id(of: text) ?? Vocabulary.unknownID))
                        }
                        scratch.append(map[i])
                        if scratch.count == 1 << 16 {   // keep the scratch small (pieces run to megabytes)
                            scratch.withUnsafeBufferPointer { storage.append($0) }
                            scratch.removeAll(keepingCapacity: true)
                        }
                    }
                    g += 1
                    start = end
                }
                scratch.withUnsafeBufferPointer { storage.append($0) }
            }
        }
        guard storage.count == r.count else {
            throw .readFailed(source: path, reason: "it changed while it was read; keep the corpus unchanged while training")
        }
        return TokenIDs(storage: storage, start: 0, count: r.count)
    }

    /// The segment holding global `start ..< start + n`.
    private func segment(_ start: Int, _ n: Int) -> (range: Range<Int>, ids: TokenIDs) {
        guard let s = segments.first(where: { $0.range.lowerBound <= start && start + n <= $0.range.upperBound }) else {
            preconditionFailure("ShardedTokens: ids \(start) ..< \(start + n) are not held by this process")
        }
        return s
    }

    package func id(at index: Int) -> Int32 {
        let s = segment(index, 1)
        return s.ids.id(at: index - s.range.lowerBound)
    }

    package func copyIDs(from start: Int, count n: Int, into destination: UnsafeMutablePointer<Int32>, stride: Int) {
        guard n > 0 else { return }
        let s = segment(start, n)
        s.ids.copyIDs(from: start - s.range.lowerBound, count: n, into: destination, stride: stride)
    }
}
