// CorpusSplit: the contiguous train / validation / test parts of an encoded corpus.
//
//   [0 ..................... train ...................... | validation | test ]
//
// Contiguous chunks (not shuffled windows) keep validation text unseen in
// training even though neighbouring windows overlap in style.

/// Where the training, validation and test graphemes lie in the corpus.
package struct CorpusSplit: Equatable, Sendable {
    /// The first part, fed to the optimizer.
    package var train: Range<Int>
    /// The middle part, evaluated every `--eval-every` steps.
    package var validation: Range<Int>
    /// The last part, evaluated once at the end.
    package var test: Range<Int>

    /// Splits `count` ids: ⌊count·validationFraction⌋ for validation, ⌊count·testFraction⌋
    /// for test, the rest (at the start) for training. Fractions must be in [0, 1) with a sum below 1.
    package init(count: Int, validationFraction: Double, testFraction: Double) {
        let n = max(0, count)
        let v = min(n, max(0, Int((Double(n) * validationFraction).rounded(.down))))
        let t = min(n - v, max(0, Int((Double(n) * testFraction).rounded(.down))))
        let trainEnd = n - v - t
        train = 0..<trainEnd
        validation = trainEnd..<(trainEnd + v)
        test = (trainEnd + v)..<n
    }

    package init(train: Range<Int>, validation: Range<Int>, test: Range<Int>) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}
