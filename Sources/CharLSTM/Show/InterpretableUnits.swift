// InterpretableUnits: the units whose values follow a named text feature most
// closely, by |Pearson correlation| over the shown text.
//
// Choice: first the best series for each feature that varies in the text
// (distinct series), then the remaining series by their best |r|, until
// `count`; listed by |r|, highest first.

/// One ranked unit: a series and the feature it follows best.
public struct RankedUnit: Equatable, Sendable {
    public var layer: Int
    /// Index into ShowModel.signals.
    public var signal: Int
    public var unit: Int
    /// Index into TextFeatures.names.
    public var feature: Int
    /// Pearson's r with that feature.
    public var correlation: Double
}

enum InterpretableUnits {
    /// The `count` most interpretable series of `stats` (series j = (l·NS + s)·H + u).
    static func rank(_ stats: UnitStatistics, signals: Int, hidden: Int, count: Int) -> [RankedUnit] {
        let S = stats.series, K = stats.features
        guard S > 0, count > 0 else { return [] }
        var bestFeature = [Int](repeating: 0, count: S)
        var bestR = [Double](repeating: 0, count: S)
        var bestForFeature = [(j: Int, r: Double)](repeating: (-1, 0), count: K)
        let varying = (0..<K).map { stats.featureVaries($0) }
        for j in 0..<S {
            for k in 0..<K where varying[k] {
                let r = stats.correlation(series: j, feature: k)
                if abs(r) > abs(bestR[j]) { bestR[j] = r; bestFeature[j] = k }
                if abs(r) > abs(bestForFeature[k].r) { bestForFeature[k] = (j, r) }
            }
        }
        var chosen: [Int] = []
        var taken = Set<Int>()
        for k in 0..<K where bestForFeature[k].j >= 0 && !taken.contains(bestForFeature[k].j) && chosen.count < count {
            let j = bestForFeature[k].j
            bestR[j] = bestForFeature[k].r
            bestFeature[j] = k
            chosen.append(j)
            taken.insert(j)
        }
        let order = (0..<S).filter { bestR[$0] != 0 }.sorted { abs(bestR[$0]) > abs(bestR[$1]) || (abs(bestR[$0]) == abs(bestR[$1]) && $0 < $1) }
        for j in order where chosen.count < count && !taken.contains(j) {
            chosen.append(j)
            taken.insert(j)
        }
        chosen.sort { abs(bestR[$0]) > abs(bestR[$1]) || (abs(bestR[$0]) == abs(bestR[$1]) && $0 < $1) }
        let perLayer = signals * hidden
        return chosen.map { j in
            RankedUnit(layer: j / perLayer, signal: (j % perLayer) / hidden, unit: j % hidden,
                       feature: bestFeature[j], correlation: bestR[j])
        }
    }
}
