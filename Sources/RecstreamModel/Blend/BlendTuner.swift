import Foundation

/// Learns the blend weights of the lists from the stream itself. Each
/// sampled event, before it is learned, tests the list its user had: for
/// every pair of weights of a small grid (popularity weights times
/// transition weights), whether the event's item would have been among the
/// user's top `k`. Counts decay with a half-life in tests, so the choice
/// follows a stream that changes.
///
/// The tests are paired (every pair of weights answers the same events).
/// The initial weights are the baseline (by default the configured
/// popularity weight and no transitions), and the lists use, among the
/// baseline and the weights that beat it clearly, the ones with the most
/// hits. Weights beat the baseline clearly when, of the tests where exactly
/// one of the two hit, they have more than `margin` standard deviations
/// over an even split (McNemar's test). Weights that win by noise on a
/// stream where they carry little therefore never take over, and weights
/// that stop winning give way.
public struct BlendTuner: Sendable {
    /// The weights tried: every popularity weight with every transition
    /// weight, by popularity and then transitions, each ascending.
    public let grid: [BlendWeights]
    /// A test counts for the top this many.
    public let k: Int
    /// Tests after which a hit counts half.
    public let halfLife: Double
    /// Standard deviations by which weights must win to take over.
    public let margin: Double
    /// Decayed hits per grid entry.
    public private(set) var hits: [Double]
    /// `wins[i][j]`: decayed tests where grid entry `i` hit and `j` missed.
    public private(set) var wins: [[Double]]
    /// Tests so far.
    public private(set) var tests = 0
    /// The grid index the lists use.
    public private(set) var current: Int
    /// The grid index of the baseline (the initial weights).
    public let baseline: Int
    private let popularityWeights: [Float]
    private let transitionWeights: [Float]

    /// Tries every pair of `popularityWeights` and `transitionWeights`, with
    /// `initial` added to each list, and starts at `initial`, the baseline.
    public init(
        popularityWeights: [Float], transitionWeights: [Float], initial: BlendWeights, k: Int = 10,
        halfLife: Double = 2_000, margin: Double = 2
    ) {
        precondition(k > 0 && halfLife > 0 && margin >= 0)
        let popularityAxis = Array(Set(popularityWeights + [initial.popularity])).sorted()
        let transitionAxis = Array(Set(transitionWeights + [initial.transitions])).sorted()
        self.popularityWeights = popularityAxis
        self.transitionWeights = transitionAxis
        grid = popularityAxis.flatMap { popularity in transitionAxis.map { BlendWeights(popularity: popularity, transitions: $0) } }
        self.k = k
        self.halfLife = halfLife
        self.margin = margin
        hits = [Double](repeating: 0, count: grid.count)
        wins = [[Double]](repeating: [Double](repeating: 0, count: grid.count), count: grid.count)
        baseline = grid.firstIndex(of: initial)!
        current = baseline
    }

    /// The weights the lists use.
    public var weights: BlendWeights { grid[current] }

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

    /// Records one test: `target` is the event's item. The other
    /// candidates are `boosted`, the few with transitions, and the rest:
    /// `scores[i]` and `popularity[i]` for item row `i` (as many of each),
    /// a score of minus infinity for a row that is no candidate.
    public mutating func test(
        target: BlendCandidate, scores: UnsafeBufferPointer<Float>, popularity: UnsafeBufferPointer<Float>,
        boosted: [BlendCandidate]
    ) {
        precondition(scores.count == popularity.count, "one popularity per score")
        var hit: [Bool] = []
        hit.reserveCapacity(grid.count)
        // Whether at least k others beat the target depends on the k best of the rest alone.
        let best = largest(of: scores, times: popularity)
        for (betaIndex, beta) in popularityWeights.enumerated() {
            for weight in transitionWeights {
                let threshold = target.score + beta * target.popularity + weight * target.transitions
                var above = best[betaIndex].count(where: { $0 > threshold })
                for other in boosted where other.score + beta * other.popularity + weight * other.transitions > threshold {
                    above += 1
                }
                hit.append(above < k)
            }
        }
        record(hit)
    }

    /// For each popularity weight `beta`, the `k` largest `scores[i] + beta
    /// * popularity[i]`, in no order (minus infinity where fewer are
    /// finite). One pass over the candidates serves up to 8 weights.
    private func largest(of scores: UnsafeBufferPointer<Float>, times popularity: UnsafeBufferPointer<Float>) -> [[Float]] {
        var best: [[Float]] = []
        for chunk in stride(from: 0, to: popularityWeights.count, by: 8) {
            let lanes = min(8, popularityWeights.count - chunk)
            var betas = SIMD8<Float>(repeating: 0)
            for lane in 0..<lanes { betas[lane] = popularityWeights[chunk + lane] }
            var kept = [[Float]](repeating: [Float](repeating: -.infinity, count: k), count: lanes)
            var floorIndex = [Int](repeating: 0, count: lanes)
            // Lanes past the weights never take a value.
            var floors = SIMD8<Float>(repeating: .infinity)
            for lane in 0..<lanes { floors[lane] = -.infinity }
            for index in scores.indices {
                let values = SIMD8(repeating: scores[index]) + betas * SIMD8(repeating: popularity[index])
                let entering = values .> floors
                guard any(entering) else { continue }
                for lane in 0..<lanes where entering[lane] {
                    kept[lane][floorIndex[lane]] = values[lane]
                    floorIndex[lane] = kept[lane].indices.min { kept[lane][$0] < kept[lane][$1] }!
                    floors[lane] = kept[lane][floorIndex[lane]]
                }
            }
            best.append(contentsOf: kept)
        }
        return best
    }

    private mutating func record(_ hit: [Bool]) {
        let decay = exp2(-1 / halfLife)
        tests += 1
        for i in grid.indices {
            hits[i] = hits[i] * decay + (hit[i] ? 1 : 0)
            for j in grid.indices { wins[i][j] = wins[i][j] * decay + (hit[i] && !hit[j] ? 1 : 0) }
        }
        current = baseline
        for index in grid.indices where hits[index] > hits[current] && beatsBaseline(index) { current = index }
    }

    /// Whether grid entry `index` won clearly more of the discordant tests against the baseline.
    private func beatsBaseline(_ index: Int) -> Bool {
        let (ahead, behind) = (wins[index][baseline], wins[baseline][index])
        return ahead - behind > margin * (ahead + behind).squareRoot()
    }
}
