// Encoding a corpus for `charlstm bench`: vocabulary = the distinct graphemes (no caps).

import CharLSTM
#if canImport(Glibc)
import Glibc
#endif

/// Ids of every grapheme of the corpus and the vocabulary size.
func benchmarkEncode(_ path: String) throws -> ([Int32], Int) {
    // TEMPORARY until the ICU tokenizer lands: Swift's own grapheme segmentation.
    guard let f = fopen(path, "rb") else { throw BenchmarkError(description: "cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    var ids: [Int32] = []
    var table: [String: Int32] = ["<unk>": 0]
    for ch in text {
        let s = String(ch)
        if let id = table[s] { ids.append(id) } else { let id = Int32(table.count); table[s] = id; ids.append(id) }
    }
    return (ids, table.count)
}
