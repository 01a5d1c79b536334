// Encoding a corpus for `charlstm bench`: the ICU tokenizer (NFC), vocabulary = the
// corpus's distinct graphemes (plus the reserved <unk> at id 0, never a target here).

import CharLSTM

/// Ids of every grapheme of the corpus (narrowest storage) and the vocabulary size.
func benchmarkEncode(_ path: String) throws -> (TokenIDs, Int) {
    let corpus = try EncodedCorpus.build(file: path, normalization: .nfc, lossy: false, maxVocab: nil, minCount: 1)
    return (corpus.ids, corpus.vocabulary.count)
}
