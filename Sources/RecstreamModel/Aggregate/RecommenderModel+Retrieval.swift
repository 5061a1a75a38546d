extension RecommenderModel {
    /// Score offsets from decayed popularity (nil when its weight is 0).
    public func popularityBias() -> [Float]? {
        guard configuration.popularityWeight > 0 else { return nil }
        return popularity.bias(weight: configuration.popularityWeight, items: items.count)
    }

    /// Top-k items for each user row, by `<u, v> + popularity bias`, items
    /// the user interacted with excluded. `candidateCount` limits the
    /// candidates to item rows `0..<candidateCount` (default all).
    public func recommend(userRows: [Int32], k: Int, candidateCount: Int? = nil) -> [ScoredItems] {
        let interactions = self.interactions
        return TopKScorer(k: k).topK(
            queries: userFactors, queryRows: userRows, candidates: itemFactors, candidateCount: candidateCount,
            bias: popularityBias()
        ) { user in
            Int(user) < interactions.byUser.count ? interactions.byUser[Int(user)].map(\.item) : []
        }
    }

    /// The top-k item rows by decayed popularity (for users with no history).
    public func popular(k: Int) -> ScoredItems {
        let counts = popularity.counts(items: items.count)
        let order = counts.indices.sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }.prefix(k)
        return ScoredItems(items: order.map { Int32($0) }, scores: order.map { Float(counts[$0]) })
    }

    /// The k most similar other items of each item row, by cosine.
    public func related(itemRows: [Int32], k: Int) -> [ScoredItems] {
        TopKScorer(k: k).relatedByCosine(items: itemFactors, itemRows: itemRows)
    }
}
