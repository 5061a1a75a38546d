extension RecommenderModel {
    /// Score offsets from decayed popularity, by the blend's popularity
    /// weight (nil when it is 0).
    public func popularityBias() -> [Float]? {
        let weight = blendWeights.popularity
        guard weight > 0 else { return nil }
        return popularity.bias(weight: weight, items: items.count)
    }

    /// Top-k items for each user row, by `<u, v> + popularity bias`, items
    /// the user interacted with excluded. `candidateCount` limits the
    /// candidates to item rows `0..<candidateCount` (default all).
    public func recommend(userRows: [Int32], k: Int, candidateCount: Int? = nil) -> [ScoredItems] {
        TopKScorer(k: k).topK(
            queries: userFactors, queryRows: userRows, candidates: itemFactors, candidateCount: candidateCount,
            bias: popularityBias(), exclusions: seenItems, boosts: transitionBoosts)
    }

    /// `recommend` by approximate retrieval: each user scores exactly only
    /// the items of its `probes` best clusters and the items added since the
    /// clusters were built (`TopKScorer.topK(..., clusters:)`).
    public func recommend(userRows: [Int32], k: Int, clusters: ItemClusters, probes: Int) -> [ScoredItems] {
        TopKScorer(k: k).topK(
            queries: userFactors, queryRows: userRows, candidates: itemFactors, clusters: clusters, probes: probes,
            bias: popularityBias(), exclusions: seenItems, boosts: transitionBoosts)
    }

    /// Each user row's items, which its lists exclude.
    private var seenItems: @Sendable (Int32) -> [Int32] {
        let interactions = self.interactions
        return { user in Int(user) < interactions.byUser.count ? interactions.byUser[Int(user)].map(\.item) : [] }
    }

    /// The top-k item rows by decayed popularity (for users with no history).
    public func popular(k: Int) -> ScoredItems {
        let counts = popularity.counts(items: items.count)
        let order = Self.largest(k, of: counts)
        return ScoredItems(items: order.map { Int32($0) }, scores: order.map { Float(counts[$0]) })
    }

    /// The indices of the `k` largest `values`, largest first, ties by the
    /// smaller index: one pass that keeps the best k (every batch publishes
    /// the popular list, and sorting the whole catalog for it cost
    /// O(n log n)).
    static func largest(_ k: Int, of values: [Double]) -> [Int] {
        guard k > 0 else { return [] }
        var best: [(value: Double, index: Int)] = []
        best.reserveCapacity(k + 1)
        for (index, value) in values.enumerated() {
            // Equal values keep the smaller index: a later one never displaces them.
            if best.count == k, !(value > best[k - 1].value) { continue }
            var low = 0
            var high = best.count
            while low < high {
                let middle = (low + high) / 2
                if best[middle].value >= value { low = middle + 1 } else { high = middle }
            }
            best.insert((value, index), at: low)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.index)
    }

    /// The k other items most related to each item row: by cosine, plus
    /// what the transitions say follows the item (`nextItemBoosts`).
    public func related(itemRows: [Int32], k: Int) -> [ScoredItems] {
        let unitItems = itemFactors.unitRows()
        return TopKScorer(k: k).relatedByCosine(unitItems: unitItems, itemRows: itemRows, boosts: nextItemBoosts(unitItems: unitItems))
    }
}
