import CBLAS

extension BlendTuner {
    /// The tuner of a model with this configuration: its grids, starting
    /// from (and judged against) its configured weights.
    public init(configuration: ModelConfiguration) {
        self.init(
            popularityWeights: configuration.popularityWeightGrid, transitionWeights: configuration.transitionWeightGrid,
            initial: BlendWeights(popularity: configuration.popularityWeight, transitions: configuration.transitionWeight))
    }
}

extension RecommenderModel {
    /// The weights the lists use now: learned from the stream
    /// (`BlendTuner`), or the configured ones when tuning is off.
    public var blendWeights: BlendWeights {
        configuration.blendTuning
            ? blend.weights
            : BlendWeights(popularity: configuration.popularityWeight, transitions: configuration.transitionWeight)
    }

    /// Tests the lists the users of a batch had when its events arrived,
    /// the ones published after the previous batch: before the batch is
    /// learned, as many of its events as the test budget allows
    /// (`blendTestBudget`, `blendTestShare`), drawn at random, scored
    /// together in one matrix product. True when any list was tested.
    mutating func testBlend(before events: [Engagement]) -> Bool {
        guard !events.isEmpty, items.count > 0 else { return false }
        let affordable = max(configuration.blendMinimumTests, configuration.blendTestBudget / items.count)
        let allowed = min(affordable, max(1, Int(configuration.blendTestShare * Double(events.count))))
        let rate = min(1, Double(allowed) / Double(events.count))
        var tests: [(user: Int32, item: Int32)] = []
        var drawn = 0
        for event in events where drawn < allowed {
            guard rate >= 1 || Double.random(in: 0..<1, using: &blendSampling) < rate else { continue }
            drawn += 1
            // Items the user already has cannot be in its list, and a user
            // without history gets the popular list: they test nothing.
            if let user = users.row(of: event.user), let item = items.row(of: event.item),
                !interactions.byUser[Int(user)].isEmpty, interactions.pair(user: user, item: item) == nil
            {
                tests.append((user, item))
            }
        }
        guard !tests.isEmpty else { return false }
        let n = items.count
        let d = configuration.dimension
        let logCounts = popularity.logCounts(items: n)
        let queries = userFactors.gather(tests.map(\.user))
        var scores = [Float](repeating: 0, count: tests.count * n)
        itemFactors.withUnsafeValues { values in
            // One query alone: a product with the matrix as it is (a matrix
            // product would pack it first), on this thread (too small to split).
            if tests.count == 1 {
                BLASThreads.withSingleThreadedCalls {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, values, Int32(d), queries, 1, 0, &scores, 1)
                }
            } else {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tests.count), Int32(n), Int32(d), 1, queries, Int32(d),
                    values, Int32(d), 0, &scores, Int32(n))
            }
        }
        scores.withUnsafeMutableBufferPointer { scores in
            for (index, test) in tests.enumerated() {
                testBlend(
                    user: test.user, item: test.item, scores: UnsafeMutableBufferPointer(rebasing: scores[index * n..<(index + 1) * n]),
                    logCounts: logCounts)
            }
        }
        return true
    }

    /// Tests the user's list on its next item under every weight of the
    /// tuner's grid (`BlendTuner.test`). `scores` are the user's `<u, v>`
    /// with every item row (overwritten), `logCounts` the items' `log(1 +
    /// decayed count)`, as the lists knew them.
    private mutating func testBlend(user: Int32, item: Int32, scores: UnsafeMutableBufferPointer<Float>, logCounts: [Float]) {
        for entry in interactions.byUser[Int(user)] { scores[Int(entry.item)] = -.infinity }
        let transitions = transitionScores(ofUser: user)
        let scale = transitionScale(ofUser: user, scores: transitions)
        func candidate(_ row: Int32) -> BlendCandidate {
            BlendCandidate(score: scores[Int(row)], popularity: logCounts[Int(row)], transitions: (transitions[row] ?? 0) * scale)
        }
        let target = candidate(item)
        scores[Int(item)] = -.infinity
        var boosted: [BlendCandidate] = []
        for other in transitions.keys where other != item && scores[Int(other)] > -.infinity {
            boosted.append(candidate(other))
            scores[Int(other)] = -.infinity
        }
        logCounts.withUnsafeBufferPointer { popularity in
            blend.test(target: target, scores: UnsafeBufferPointer(scores), popularity: popularity, boosted: boosted)
        }
    }
}
