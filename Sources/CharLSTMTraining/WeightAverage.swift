// WeightAverage: the uniform running mean of the weights that `--average-from STEP`
// keeps (Polyak averaging; AWD-LSTM's averaged SGD, PyTorch's swa_utils.AveragedModel).
//
//   after every optimizer step s > from:   count += 1;  avg += (w − avg) / count
//                                          (count 1: avg = w)
//
// Training reads and updates only the raw weights; the average never feeds back.
// Evaluation swaps the two copies (`swap(with:)`, exact, no third buffer), measures,
// and swaps back. The snapshot copy follows the trainer's rollback snapshot.
//
// Shapes: `values` and `saved` are P floats in the parameter layout (ParameterLayout),
// allocated once when averaging is set up; the update is one vectorised pass.

import CharLSTMSupport
import CharLSTMCheckpoint

/// The running mean of the weights after every step after `from`, with its rollback snapshot.
package final class WeightAverage {
    /// Steps up to and including this one are not averaged.
    package let from: Int
    /// Steps averaged so far.
    package private(set) var count = 0
    /// The average, P floats (meaningful once `count` > 0).
    package let values: Buffer<Float>
    /// The average and count at the trainer's last good snapshot.
    private let saved: Buffer<Float>
    private var savedCount = 0

    package init(from: Int, parameterCount: Int) {
        self.from = from
        values = Buffer(count: parameterCount)
        saved = Buffer(count: parameterCount)
    }

    /// Takes in the weights `w` (P floats) after optimizer step `step`, if it is past `from`.
    package func add(_ w: Buffer<Float>, afterStep step: Int) {
        guard step > from else { return }
        count += 1
        let n = values.count, a = values.base, x = w.base
        if count == 1 {
            a.update(from: x, count: n)
            return
        }
        let k = Float(count)
        for i in 0..<n { a[i] += (x[i] - a[i]) / k }
    }

    /// Exchanges the contents of `values` and `w` (P floats each), element by element.
    package func swap(with w: Buffer<Float>) {
        let n = values.count, a = values.base, x = w.base
        for i in 0..<n {
            let t = a[i]
            a[i] = x[i]
            x[i] = t
        }
    }

    /// Restores a saved state: `count` steps averaged into `average` (empty when `count` is 0).
    package func restore(count: Int, average: [Float]) {
        self.count = count
        if count > 0 { _ = values.pointer.update(fromContentsOf: average) } else { values.zero() }
    }

    /// Records the current average as the last good one (with the trainer's snapshot).
    func takeSnapshot() {
        saved.copy(from: values)
        savedCount = count
    }

    /// Returns to the last snapshot.
    func rollBack() {
        values.copy(from: saved)
        count = savedCount
    }

    /// The checkpoint record. `values` holds the copy the WGHT section does not: the average,
    /// or the training weights while the average is swapped into the model (`weightsAreAverage`).
    func checkpointRecord(weightsAreAverage: Bool) -> CheckpointWeightAverage {
        CheckpointWeightAverage(from: from, count: count, weightsAreAverage: weightsAreAverage,
                                weights: count > 0 ? values.array : [])
    }
}
