// Encoding a corpus for `charlstm bench`: the ICU tokenizer (NFC), vocabulary = the
// corpus's distinct graphemes (plus the reserved <unk> at id 0, never a target here).

import CharLSTM

/// Ids of every grapheme of the corpus and the vocabulary size.
func benchmarkEncode(_ path: String) throws -> ([Int32], Int) {
    let corpus = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)
    let ids = corpus.ids
    var out = [Int32](repeating: 0, count: ids.count)
    for i in 0..<ids.count { out[i] = Int32(ids[i]) }
    return (out, corpus.vocabulary.count)
}
