// InterpretableUnits: the units whose values follow a named text feature most
// closely, by |Pearson correlation| over the shown text.
//
// Choice, in rounds: each feature that varies in the text contributes its
// best series not chosen yet, until `count` (so every feature is represented,
// not only the one most units follow); listed by |r|, highest first.

/// One ranked unit: a series and the feature it follows best.
package struct RankedUnit: Equatable, Sendable {
    package var layer: Int
    /// Index into ShowModel.signals.
    package var signal: Int
    package var unit: Int
    /// Index into TextFeatures.names.
    package var feature: Int
    /// Pearson's r with that feature.
    package var correlation: Double
}

enum InterpretableUnits {
    /// The `count` most interpretable series of `stats` (series j = (l·NS + s)·H + u).
    static func rank(_ stats: UnitStatistics, signals: Int, hidden: Int, count: Int) -> [RankedUnit] {
        let S = stats.series, K = stats.features
        guard S > 0, count > 0 else { return [] }
        // Per varying feature, its best `count` series by |r|, best first.
        var candidates: [[(j: Int, r: Double)]] = []
        var featureOf: [Int] = []
        for k in 0..<K where stats.featureVaries(k) {
            var best: [(j: Int, r: Double)] = []
            for j in 0..<S {
                let r = stats.correlation(series: j, feature: k)
                guard r != 0, best.count < count || abs(r) > abs(best[best.count - 1].r) else { continue }
                var at = best.count
                while at > 0 && abs(r) > abs(best[at - 1].r) { at -= 1 }
                best.insert((j, r), at: at)
                if best.count > count { best.removeLast() }
            }
            candidates.append(best)
            featureOf.append(k)
        }
        // Rounds: each feature's best series not chosen yet, until `count`.
        var chosen: [(j: Int, k: Int, r: Double)] = []
        var taken = Set<Int>()
        var next = [Int](repeating: 0, count: candidates.count)
        var progress = true
        while chosen.count < count && progress {
            progress = false
            for f in 0..<candidates.count where chosen.count < count {
                while next[f] < candidates[f].count && taken.contains(candidates[f][next[f]].j) { next[f] += 1 }
                guard next[f] < candidates[f].count else { continue }
                let c = candidates[f][next[f]]
                chosen.append((c.j, featureOf[f], c.r))
                taken.insert(c.j)
                progress = true
            }
        }
        chosen.sort { abs($0.r) > abs($1.r) || (abs($0.r) == abs($1.r) && $0.j < $1.j) }
        let perLayer = signals * hidden
        return chosen.map { c in
            RankedUnit(layer: c.j / perLayer, signal: (c.j % perLayer) / hidden, unit: c.j % hidden,
                       feature: c.k, correlation: c.r)
        }
    }
}
