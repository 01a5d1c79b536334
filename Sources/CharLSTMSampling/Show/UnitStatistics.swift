// UnitStatistics: running sums over a text, per series (layer, signal, unit),
// for the correlations with text features and the gate saturation.
//
// Dimension key: S series, K features (TextFeatures), T positions.
// Sums are in Double; one `add` per position costs O(S · nonzero features).

/// Sums of every series' values, squares, products with each feature, and
/// how often each gate series is below 0.1 or above 0.9.
final class UnitStatistics {
    let series: Int
    let features: Int
    private(set) var positions = 0
    /// Σx, Σx² per series (S).
    private var sum: [Double], sumSquares: [Double]
    /// max |x| per series (S).
    private(set) var maxAbs: [Float]
    /// Σx·f, (K, S) row-major: row k is feature k.
    private var cross: [Double]
    /// Σf, Σf² per feature (K).
    private var featureSum: [Double], featureSquares: [Double]
    /// Counts of x < 0.1 and x > 0.9 per series (S), kept for `gates` only.
    private var low: [Int32], high: [Int32]
    /// Whether series j is a gate (S).
    private let gates: [Bool]

    init(series: Int, features: Int, isGate: [Bool]) {
        self.series = series
        self.features = features
        sum = [Double](repeating: 0, count: series)
        sumSquares = sum
        maxAbs = [Float](repeating: 0, count: series)
        cross = [Double](repeating: 0, count: series * features)
        featureSum = [Double](repeating: 0, count: features)
        featureSquares = featureSum
        low = [Int32](repeating: 0, count: series)
        high = low
        gates = isGate
    }

    /// Adds one position: `x` (S) the series' values, `f` (K) the features'.
    func add(_ x: UnsafePointer<Float>, features f: UnsafePointer<Float>) {
        let S = series
        positions += 1
        sum.withUnsafeMutableBufferPointer { s in
            sumSquares.withUnsafeMutableBufferPointer { q in
                maxAbs.withUnsafeMutableBufferPointer { m in
                    for j in 0..<S {
                        let v = x[j], d = Double(v)
                        s[j] += d
                        q[j] += d * d
                        let a = abs(v)
                        if a > m[j] { m[j] = a }
                    }
                }
            }
        }
        low.withUnsafeMutableBufferPointer { lo in
            high.withUnsafeMutableBufferPointer { hi in
                for j in 0..<S where gates[j] {
                    if x[j] < 0.1 { lo[j] += 1 } else if x[j] > 0.9 { hi[j] += 1 }
                }
            }
        }
        cross.withUnsafeMutableBufferPointer { c in
            for k in 0..<features {
                let fk = Double(f[k])
                featureSum[k] += fk
                featureSquares[k] += fk * fk
                if fk == 0 { continue }
                let row = c.baseAddress! + k * S
                for j in 0..<S { row[j] += fk * Double(x[j]) }
            }
        }
    }

    /// Pearson's r of series j with feature k (0 when either is constant).
    func correlation(series j: Int, feature k: Int) -> Double {
        let n = Double(positions)
        let vx = n * sumSquares[j] - sum[j] * sum[j]
        let vf = n * featureSquares[k] - featureSum[k] * featureSum[k]
        guard vx > 1e-9 * max(1, n * sumSquares[j]), vf > 1e-9 * max(1, n * featureSquares[k]) else { return 0 }
        let r = (n * cross[k * series + j] - sum[j] * featureSum[k]) / (vx * vf).squareRoot()
        return max(-1, min(1, r))
    }

    /// Whether feature k varies over the text.
    func featureVaries(_ k: Int) -> Bool {
        let n = Double(positions)
        return n * featureSquares[k] - featureSum[k] * featureSum[k] > 1e-9 * max(1, n * featureSquares[k])
    }

    /// The fractions of positions where series j was below 0.1 and above 0.9.
    func saturation(series j: Int) -> (left: Double, right: Double) {
        guard positions > 0 else { return (0, 0) }
        return (Double(low[j]) / Double(positions), Double(high[j]) / Double(positions))
    }
}
