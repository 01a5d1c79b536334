// LargeVocabularyWarning: what `train` and `tokenize` say about a vocabulary
// over `Vocabulary.largeSizeThreshold` entries, with the flags that cap it.

import CharLSTM

/// The warning for a vocabulary of `count` entries; nil when it is not large.
func largeVocabularyWarning(count: Int) -> String? {
    guard Vocabulary.isLarge(count: count) else { return nil }
    return "the vocabulary has \(count) entries (over \(Vocabulary.largeSizeThreshold)); the model's embedding "
        + "and output layers grow with it: cap it with --max-vocab N (e.g. --max-vocab 5000) or "
        + "--min-count N (e.g. --min-count 5); rarer graphemes then map to <unk>"
}
