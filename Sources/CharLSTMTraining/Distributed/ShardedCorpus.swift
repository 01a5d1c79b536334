// ShardedCorpus: the corpus of a data-parallel run, read in shares so that each process
// tokenizes and holds only about 1/N of it.
//
// Dimension key: N processes, G graphemes in the corpus, part r = bytes rank r counts.
//
//   1. cut      every process computes the same N byte parts (CorpusShard.cuts: after a LF)
//   2. count    rank r tokenizes part r, counting distinct graphemes (no ids kept)
//   3. agree    one allgather of [failed, graphemes, code points, normalized bytes,
//               replaced, input bytes] gives every part's first global grapheme index;
//               a failure on any process (bad UTF-8 in its part) stops all of them here
//               (its error is the one reported, see DistributedError.peerFailed);
//               one allgather of the (grapheme, count) lists merges the counts, and
//               RankedVocabulary orders them by one process's rule (same ids)
//   4. hold     once the Trainer knows its streams, `ShardedTokens.load` re-tokenizes
//               only the parts overlapping the ranges its share of the train,
//               validation and test streams reads (BatchStreams.heldRange)
//
// The split, the geometry and every stream's position come from G, so they are those of
// one process; only which ids are in memory differs.

/// Reads the corpus in shares across `group` (collective: every process calls it).
import CharLSTMText

enum ShardedCorpus {
    /// The corpus totals and vocabulary (`ids` empty), and this process's ShardedTokens (nothing held yet).
    static func read(file path: String, normalization: NormalizationForm, lossy: Bool,
                             order: VocabularyOrder, group: ProcessGroup) throws -> (EncodedCorpus, ShardedTokens) {
        var local: Result<([Range<Int>], CorpusShard.Count), TextError>
        do throws(TextError) {
            let parts = try CorpusShard.cuts(file: path, parts: group.size)
            let count = try CorpusShard.count(file: path, range: parts[group.rank], normalization: normalization, lossy: lossy)
            local = .success((parts, count))
        } catch {
            local = .failure(error)
        }
        let c = (try? local.get())?.1 ?? CorpusShard.Count()
        let all = try group.gather([local.isFailure ? 1 : 0, Double(c.graphemes), Double(c.codePoints),
                                    Double(c.normalizedBytes), Double(c.replaced), Double(c.inputBytes)])
        if case .failure(let error) = local { throw error }
        if all.contains(where: { $0[0] > 0 }) { throw DistributedError.peerFailed }
        let parts = try local.get().0
        let sum = { (k: Int) in all.reduce(0) { $0 + Int($1[k]) } }
        var partStarts = [0]
        for row in all { partStarts.append(partStarts.last! + Int(row[1])) }

        // Merge the counts of every part.
        let merged = mergeCounts(try group.gather(bytes: encodeCounts(keys: c.keys, counts: c.counts)))
        let keys = Array(merged.keys)
        let ranked = try RankedVocabulary(keys: keys, counts: keys.map { merged[$0]! }, order: order)
        let tokens = ShardedTokens(path: path, normalization: normalization, lossy: lossy, vocabulary: ranked.vocabulary,
                                   parts: parts, partStarts: partStarts)
        let corpus = EncodedCorpus(vocabulary: ranked.vocabulary, ids: TokenIDs([], vocabularySize: ranked.vocabulary.count),
                                   unknownCount: ranked.unknown, replacedSequences: sum(4), byteCount: sum(5),
                                   distinctGraphemes: keys.count, codePointCount: sum(2), normalizedByteCount: sum(3))
        return (corpus, tokens)
    }
}

extension ShardedCorpus {
    /// One part's (grapheme, count) list as bytes: per entry a UInt32 length, a UInt64 count
    /// (little-endian) and the grapheme's UTF-8 bytes.
    static func encodeCounts(keys: [[UInt8]], counts: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (key, n) in zip(keys, counts) {
            withUnsafeBytes(of: UInt32(key.count).littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt64(n).littleEndian) { bytes += $0 }
            bytes += key
        }
        return bytes
    }

    /// The summed counts of every part's `encodeCounts` list.
    static func mergeCounts(_ lists: [[UInt8]]) -> [[UInt8]: Int] {
        var merged: [[UInt8]: Int] = [:]
        for bytes in lists {
            var at = 0
            func word(_ width: Int) -> Int {
                defer { at += width }
                return (0 ..< width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) }
            }
            while at + 12 <= bytes.count {
                let length = word(4), n = word(8)
                merged[Array(bytes[at ..< min(bytes.count, at + length)]), default: 0] += n
                at += length
            }
        }
        return merged
    }
}

extension Result {
    fileprivate var isFailure: Bool { if case .failure = self { true } else { false } }
}

extension BatchStreams {
    /// The global ids this process's share of the streams reads (inputs and targets of every window).
    package var heldRange: Range<Int> {
        guard windowCount > 0, !streams.isEmpty else { return range.lowerBound ..< range.lowerBound }
        return (range.lowerBound + streams.lowerBound * streamLength) ..< (range.lowerBound + streams.upperBound * streamLength)
    }
}

extension Trainer {
    /// The global id ranges this process reads: its share of the train, validation and test streams.
    package var heldTokenRanges: [Range<Int>] {
        [trainStreams.heldRange, validationStreams.heldRange] + (testStreams.map { [$0.heldRange] } ?? [])
    }
}

extension Trainer {
    /// Across processes, how many corpus ids each process holds, in rank order (a collective:
    /// every process calls it); nil in one process, which holds the whole corpus.
    package func heldTokensPerProcess() throws(TrainingError) -> [Int]? {
        guard let dataParallel else { return nil }
        let mine = (tokens as? ShardedTokens)?.heldCount ?? tokens.count
        do { return try dataParallel.group.gather([Double(mine)]).map { Int($0[0]) } } catch { throw .distributed(error) }
    }
}
