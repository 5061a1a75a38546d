import Foundation

/// Learns the transition weight of the lists from the stream itself. Each
/// sampled event, before it is learned, tests the list its user had: for
/// every weight of a small grid, whether the event's item would have been
/// among the user's top `k`. Counts decay with a half-life in tests, so the
/// choice follows a stream that changes.
///
/// The tests are paired (every weight answers the same events). The
/// initial weight is the baseline (by default 0: the factorisation alone),
/// and the lists use, among the baseline and the weights that beat it
/// clearly, the one with the most hits. A weight beats the baseline clearly
/// when, of the tests where exactly one of the two hit, it has more than
/// `margin` standard deviations over an even split (McNemar's test). A
/// weight that wins by noise on a stream where transitions carry little
/// therefore never takes over, and one that stops winning gives way.
public struct BlendTuner: Sendable {
    /// The weights tried, ascending.
    public let grid: [Float]
    /// A test counts for the top this many.
    public let k: Int
    /// Tests after which a hit counts half.
    public let halfLife: Double
    /// Standard deviations by which a weight must win to take over.
    public let margin: Double
    /// Decayed hits per grid weight.
    public private(set) var hits: [Double]
    /// `wins[i][j]`: decayed tests where weight `i` hit and weight `j` missed.
    public private(set) var wins: [[Double]]
    /// Tests so far.
    public private(set) var tests = 0
    /// The grid index the lists use.
    public private(set) var current: Int
    /// The grid index of the baseline (the initial weight).
    public let baseline: Int

    /// Starts at `initial` (the grid weight nearest to it), the baseline.
    public init(grid: [Float], initial: Float, k: Int = 10, halfLife: Double = 2_000, margin: Double = 2) {
        precondition(!grid.isEmpty && k > 0 && halfLife > 0 && margin >= 0)
        let sorted = grid.sorted()
        self.grid = sorted
        self.k = k
        self.halfLife = halfLife
        self.margin = margin
        hits = [Double](repeating: 0, count: grid.count)
        wins = [[Double]](repeating: [Double](repeating: 0, count: grid.count), count: grid.count)
        baseline = sorted.indices.min { abs(sorted[$0] - initial) < abs(sorted[$1] - initial) }!
        current = baseline
    }

    /// The weight the lists use.
    public var weight: Float { grid[current] }

    /// Sets stored state (restoring from storage), by grid index.
    public mutating func restore(hits: [Double], wins: [[Double]], current: Int, tests: Int) {
        guard hits.count == grid.count, wins.count == grid.count, wins.allSatisfy({ $0.count == grid.count }),
            grid.indices.contains(current)
        else { return }
        self.hits = hits
        self.wins = wins
        self.current = current
        self.tests = tests
    }

    /// Records one test: the event's item scored `target` on the
    /// factorisation and `targetBoost` on the transitions (on their common
    /// scale). The other candidates are `boosted`, the few with transitions
    /// (factorisation score and transition score each), and `scores`, the
    /// factorisation scores of the rest.
    public mutating func test(
        target: Float, targetBoost: Float, scores: UnsafeBufferPointer<Float>, boosted: [(score: Float, boost: Float)]
    ) {
        let decay = exp2(-1 / halfLife)
        tests += 1
        let hit = grid.map { weight -> Bool in
            let threshold = target + weight * targetBoost
            var above = 0
            for (score, boost) in boosted where score + weight * boost > threshold { above += 1 }
            if above < k {
                for score in scores where score > threshold {
                    above += 1
                    if above >= k { break }
                }
            }
            return above < k
        }
        for i in grid.indices {
            hits[i] = hits[i] * decay + (hit[i] ? 1 : 0)
            for j in grid.indices { wins[i][j] = wins[i][j] * decay + (hit[i] && !hit[j] ? 1 : 0) }
        }
        current = baseline
        for index in grid.indices where hits[index] > hits[current] && beatsBaseline(index) { current = index }
    }

    /// Whether weight `index` won clearly more of the discordant tests against the baseline.
    private func beatsBaseline(_ index: Int) -> Bool {
        let (ahead, behind) = (wins[index][baseline], wins[baseline][index])
        return ahead - behind > margin * (ahead + behind).squareRoot()
    }
}
