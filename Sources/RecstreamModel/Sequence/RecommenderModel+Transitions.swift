extension RecommenderModel {
    /// The user's last `count` distinct items, most recent first (`count`
    /// at most the interaction store's `recentCapacity`).
    public func recentItems(ofUser user: Int32, count: Int) -> [Int32] {
        precondition(count <= interactions.recentCapacity, "only \(interactions.recentCapacity) recent items are kept")
        return Array(interactions.recentItems(ofUser: user).prefix(count))
    }

    /// Counts the steps an event of `user` on `item` makes: none when it
    /// repeats the user's last item, else one from each of the user's last
    /// `transitionWindow` distinct items `r_k` (most recent first, `item`
    /// itself skipped), weighing `2^(1-k)`.
    mutating func recordTransitions(user: Int32, item: Int32, into changes: inout ModelChanges) {
        let recent = interactions.recentItems(ofUser: user).prefix(configuration.transitionWindow)
        guard let last = recent.first, last != item else { return }
        for (index, from) in recent.enumerated() where from != item {
            let weight = 1 / Float(1 << index)
            transitions.record(from: from, to: item, weight: weight)
            changes.transitions[TransitionCounts.Transition(from: from, to: item), default: 0] += weight
        }
    }

    /// What the transitions say the user does next: for each successor `j`
    /// of the user's last `transitionMemory` distinct items `r_1, r_2, ...`
    /// (most recent first), `sum_k T[r_k, j] / k`.
    public func transitionScores(ofUser user: Int32) -> [Int32: Float] {
        var scores: [Int32: Float] = [:]
        for (index, item) in recentItems(ofUser: user, count: configuration.transitionMemory).enumerated()
        where Int(item) < transitions.successors.count {
            let discount = 1 / Float(index + 1)
            for (next, weight) in transitions.successors[Int(item)] { scores[next, default: 0] += weight * discount }
        }
        return scores
    }

    /// The transition scores each user's list adds to `<u, v> + bias`:
    /// the blend's transition weight times `transitionScale`.
    var transitionBoosts: @Sendable (Int32) -> [(item: Int32, score: Float)] {
        let weight = blendWeights.transitions
        guard weight > 0, items.count > 0 else { return { _ in [] } }
        let model = self
        return { user in
            let scores = model.transitionScores(ofUser: user)
            let scale = weight * model.transitionScale(ofUser: user, scores: scores)
            return scale > 0 ? scores.map { ($0.key, $0.value * scale) } : []
        }
    }

    /// What each item's related list adds to the cosines ("watched next"):
    /// for item `a`, each successor `j` gets `T[a, j]` times the blend's
    /// transition weight times `rms(cos(a, .)) / std(T[a, .])` over the
    /// catalog, the cosines' root mean square from the Gramian of
    /// `unitItems` (the item vectors at unit length). So the two add as
    /// standardised scores, as in a user's list, with the weight the
    /// stream taught the user lists.
    func nextItemBoosts(unitItems: EmbeddingTable) -> @Sendable (Int32) -> [(item: Int32, score: Float)] {
        let weight = blendWeights.transitions
        guard weight > 0, items.count > 0, transitions.count > 0 else { return { _ in [] } }
        let gramian = Gramian(exactOf: unitItems)
        let (successors, n) = (transitions.successors, items.count)
        return { item in
            guard Int(item) < successors.count, !successors[Int(item)].isEmpty else { return [] }
            let next = successors[Int(item)]
            let spread = Self.innerProductSpread(of: unitItems.vector(Int(item)), gramian: gramian, count: n)
            let scale = weight * Self.standardisingScale(next.values, spread: spread, count: n)
            return scale > 0 ? next.map { ($0.key, $0.value * scale) } : []
        }
    }

    /// What puts the user's transition scores on the factorisation's scale:
    /// `rms(u . v) / std(t)`, the root mean square of the user's inner
    /// products over the catalog (from `G_V`: `u^T G_V u / n`) over the
    /// standard deviation of its transition scores over the catalog (most
    /// are 0). The two then add as standardised scores, whatever the scale
    /// of either; 0 when either has no spread.
    func transitionScale(ofUser user: Int32, scores: [Int32: Float]) -> Float {
        guard !scores.isEmpty, items.count > 0 else { return 0 }
        let spread = Self.innerProductSpread(of: userFactors.vector(Int(user)), gramian: itemGramian, count: items.count)
        return Self.standardisingScale(scores.values, spread: spread, count: items.count)
    }

    /// `spread / std(scores)`, the standard deviation over `count` items of
    /// which those not in `scores` score 0; 0 when either has no spread.
    static func standardisingScale(_ scores: some Collection<Float>, spread: Float, count: Int) -> Float {
        guard !scores.isEmpty, count > 0 else { return 0 }
        let n = Float(count)
        let (sum, squares) = scores.reduce((Float(0), Float(0))) { ($0.0 + $1, $0.1 + $1 * $1) }
        let variance = squares / n - (sum / n) * (sum / n)
        return variance > 0 && spread > 0 ? spread / variance.squareRoot() : 0
    }

    /// `sqrt(x^T G x / count)`: the root mean square of `x`'s inner
    /// products with the `count` rows whose Gramian is `gramian`.
    static func innerProductSpread(of x: [Float], gramian: Gramian, count: Int) -> Float {
        let d = gramian.dimension
        var total = 0.0
        gramian.values.withUnsafeBufferPointer { g in
            for i in 0..<d {
                var row = 0.0
                for j in 0..<d { row += g[i * d + j] * Double(x[j]) }
                total += Double(x[i]) * row
            }
        }
        return Float(max(0, total / Double(count)).squareRoot())
    }
}
