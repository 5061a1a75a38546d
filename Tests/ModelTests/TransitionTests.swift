import Foundation
import Testing

@testable import RecstreamModel

@Suite("What comes next: transitions and the blend they join")
struct TransitionTests {
    func configuration(weight: Float = 1, tuning: Bool = false) -> ModelConfiguration {
        var configuration = ModelConfiguration()
        configuration.dimension = 8
        configuration.warmItemUsers = 2
        configuration.sweepInterval = 0
        configuration.transitionWeight = weight
        configuration.blendTuning = tuning
        return configuration
    }

    /// Random events with repeats (the same item twice in a row too).
    func events(count: Int, users: Int, items: Int, seed: UInt64) -> [Engagement] {
        var random = SplitMix64(seed: seed)
        var last: [Int: Int] = [:]
        return (0..<count).map { _ in
            let user = Int.random(in: 0..<users, using: &random)
            let item = Bool.random(using: &random) ? last[user] ?? 0 : Int.random(in: 0..<items, using: &random)
            last[user] = item
            return Engagement(user: "u\(user)", item: "i\(item)", type: EventType.allCases.randomElement(using: &random)!)
        }
    }

    /// The steps of a log, counted straight from it: an event that does not
    /// repeat its user's last item steps to it from each of the user's last
    /// `window` distinct items before it (the item itself skipped), the k-th
    /// most recent weighing 2^(1-k).
    static func steps(of log: [Engagement], window: Int) -> [String: [String: Float]] {
        var steps: [String: [String: Float]] = [:]
        var recent: [String: [String]] = [:]
        for event in log {
            var items = recent[event.user] ?? []
            if let last = items.first, last != event.item {
                for (k, from) in items.prefix(window).enumerated() where from != event.item {
                    steps[from, default: [:]][event.item, default: 0] += pow(2, -Float(k))
                }
            }
            items.removeAll { $0 == event.item }
            items.insert(event.item, at: 0)
            recent[event.user] = items
        }
        return steps
    }

    /// The counts after a replay in batches of every size equal a count
    /// straight from the log.
    @Test(arguments: [1, 3])
    func countsEqualTheStepsOfEachUsersStream(window: Int) {
        let log = events(count: 3_000, users: 40, items: 60, seed: 3)
        var configuration = configuration()
        configuration.transitionWindow = window
        var model = RecommenderModel(configuration: configuration)
        var random = SplitMix64(seed: 4)
        var start = 0
        while start < log.count {
            let size = Int.random(in: 1...200, using: &random)
            model.apply(Array(log[start..<min(log.count, start + size)]))
            start += size
        }
        var expected: [String: Float] = [:]
        for (from, successors) in Self.steps(of: log, window: window) {
            for (to, weight) in successors { expected["\(from)>\(to)"] = weight }
        }
        var stored: [String: Float] = [:]
        for (from, successors) in model.transitions.successors.enumerated() {
            for (to, weight) in successors {
                stored["\(model.items.ids[from])>\(model.items.ids[Int(to)])"] = weight
            }
        }
        #expect(stored == expected)
        #expect(model.transitions.count == expected.count)
    }

    /// A user's score for j is the sum over its last distinct items r_k
    /// (most recent first) of T[r_k, j] / k, from the log alone.
    @Test func scoresSumTheSuccessorsOfTheLastItemsByRecency() {
        let log = events(count: 2_000, users: 20, items: 40, seed: 8)
        var model = RecommenderModel(configuration: configuration())
        model.apply(log)
        let steps = Self.steps(of: log, window: model.configuration.transitionWindow)
        for user in Set(log.map(\.user)) {
            var recent: [String] = []
            for event in log.reversed() where event.user == user && !recent.contains(event.item) {
                recent.append(event.item)
                if recent.count == model.configuration.transitionMemory { break }
            }
            var expected: [String: Float] = [:]
            for (index, item) in recent.enumerated() {
                for (next, count) in steps[item] ?? [:] { expected[next, default: 0] += count / Float(index + 1) }
            }
            let scores = model.transitionScores(ofUser: model.users.row(of: user)!)
            let named = Dictionary(uniqueKeysWithValues: scores.map { (model.items.ids[Int($0.key)], $0.value) })
            #expect(named.keys == expected.keys, "user \(user)")
            for (item, score) in expected { #expect(abs(named[item]! - score) <= 1e-5 * max(1, score), "user \(user), item \(item)") }
        }
    }

    /// The published lists equal a brute-force scoring of every item with
    /// the blended score: <u, v> + popularity + weight * rms(u.v) / std(t) * t,
    /// the spreads computed over the catalog directly.
    @Test func listsEqualABruteForceBlendedScoring() {
        let log = events(count: 2_500, users: 30, items: 80, seed: 11)
        var model = RecommenderModel(configuration: configuration(weight: 2))
        model.apply(log)
        let n = model.items.count
        let bias = model.popularityBias() ?? [Float](repeating: 0, count: n)
        let rows = (0..<Int32(model.users.count)).map { $0 }
        let lists = model.recommend(userRows: rows, k: 10)
        for user in rows {
            let u = model.userFactors.vector(Int(user)).map(Double.init)
            let products = (0..<n).map { j in zip(u, model.itemFactors.vector(j)).reduce(0.0) { $0 + $1.0 * Double($1.1) } }
            let rms = (products.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
            let t = model.transitionScores(ofUser: user)
            let dense = (0..<n).map { Double(t[Int32($0)] ?? 0) }
            let mean = dense.reduce(0, +) / Double(n)
            let std = (dense.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            let scale = std > 0 ? 2 * rms / std : 0
            let seen = Set(model.interactions.byUser[Int(user)].map(\.item))
            var scored: [(item: Int32, score: Double)] = []
            for item in 0..<n where !seen.contains(Int32(item)) {
                let score: Double = products[item] + Double(bias[item]) + scale * dense[item]
                scored.append((Int32(item), score))
            }
            Self.expect(lists[Int(user)], isTheTop10Of: scored, "user \(user)")
        }
    }

    /// `list` holds the 10 best of `scored` with their scores, within rounding.
    static func expect(_ list: ScoredItems, isTheTop10Of scored: [(item: Int32, score: Double)], _ name: String) {
        let expected = Array(scored.sorted { $0.score > $1.score }.prefix(10))
        #expect(list.items.count == expected.count)
        for (index, want) in expected.enumerated() where index < list.items.count {
            #expect(abs(Double(list.scores[index]) - want.score) <= 1e-3 * max(1, abs(want.score)), "\(name)")
            // The same item, unless two scores are equal within rounding.
            if list.items[index] != want.item {
                let gotScore = scored.first { $0.item == list.items[index] }?.score ?? -.infinity
                #expect(abs(gotScore - want.score) <= 1e-3 * max(1, abs(want.score)), "\(name)")
            }
        }
    }

    /// Related lists equal a brute-force scoring with the blended score:
    /// cos(a, j) + weight * rms(cos(a, .)) / std(T[a, .]) * T[a, j], the
    /// spreads computed over the catalog directly; with weight 0 they are
    /// the cosines alone.
    @Test(arguments: [Float(0), 2])
    func relatedListsEqualABruteForceBlendOfCosinesAndWhatFollows(weight: Float) {
        let log = events(count: 2_500, users: 30, items: 80, seed: 17)
        var model = RecommenderModel(configuration: configuration(weight: weight))
        model.apply(log)
        let n = model.items.count
        let rows = (0..<Int32(n)).map { $0 }
        let lists = model.related(itemRows: rows, k: 10)
        func unit(_ row: Int) -> [Double] {
            let vector = model.itemFactors.vector(row).map(Double.init)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
        var boosted = 0
        for item in 0..<n {
            let a = unit(item)
            let cosines = (0..<n).map { j in zip(a, unit(j)).reduce(0.0) { $0 + $1.0 * $1.1 } }
            let rms = (cosines.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
            let next = (0..<n).map { Double(model.transitions.weight(from: Int32(item), to: Int32($0))) }
            let mean = next.reduce(0, +) / Double(n)
            let std = (next.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            let scale = std > 0 ? Double(weight) * rms / std : 0
            if scale > 0 { boosted += 1 }
            let scored = (0..<n).filter { $0 != item }.map { j in (item: Int32(j), score: cosines[j] + scale * next[j]) }
            Self.expect(lists[item], isTheTop10Of: scored, "item \(item)")
        }
        #expect(weight == 0 ? boosted == 0 : boosted > n / 2, "the transitions count where the weight says so")
    }

    /// Transitions do not count while the weight is 0: the lists are the
    /// factorisation's alone.
    @Test func weightZeroLeavesTheFactorisationsLists() {
        let log = events(count: 1_500, users: 20, items: 50, seed: 13)
        var learning = RecommenderModel(configuration: configuration(weight: 0))
        learning.apply(log)
        let off = learning
        let rows = (0..<Int32(off.users.count)).map { $0 }
        let interactions = off.interactions
        let plain = TopKScorer(k: 10).topK(
            queries: off.userFactors, queryRows: rows, candidates: off.itemFactors, bias: off.popularityBias()
        ) { user in interactions.byUser[Int(user)].map(\.item) }
        #expect(off.recommend(userRows: rows, k: 10).map(\.items) == plain.map(\.items))
    }

    /// A stream that is pure order (each user walks one fixed cycle of the
    /// catalog: its next item is the successor of its last) teaches the
    /// tuner that the transitions must count: without them (weight 0) the
    /// lists (with the popularity weight it keeps) hit clearly less often
    /// than with the transition weight it keeps.
    @Test func theTunedWeightKeepsTransitionsWhereTheStreamIsOrder() {
        var model = RecommenderModel(configuration: configuration(tuning: true))
        let items = 300
        var random = SplitMix64(seed: 21)
        var cycle = Array(0..<items)
        cycle.shuffle(using: &random)
        let next = Dictionary(uniqueKeysWithValues: (0..<items).map { (cycle[$0], cycle[($0 + 1) % items]) })
        var position = (0..<100).map { _ in Int.random(in: 0..<items, using: &random) }
        var batch: [Engagement] = []
        for _ in 0..<20_000 {
            let user = Int.random(in: 0..<100, using: &random)
            position[user] = next[position[user]]!
            batch.append(Engagement(user: "u\(user)", item: "i\(position[user])"))
            if batch.count == 50 {
                model.apply(batch)
                batch.removeAll()
            }
        }
        #expect(model.blend.tests > 1_000)
        let chosen = model.blend.grid.firstIndex(of: model.blendWeights)!
        #expect(model.blendWeights.transitions > 0)
        let withoutTransitions = model.blend.grid.firstIndex(of: BlendWeights(popularity: model.blendWeights.popularity, transitions: 0))!
        #expect(
            model.blend.hits[withoutTransitions] < 0.9 * model.blend.hits[chosen], "hits \(Array(zip(model.blend.grid, model.blend.hits)))")
    }

    /// Each test counts, for every pair of weights, whether the target
    /// would be in the top k of all candidates with the blended score:
    /// against a brute-force ranking of the same candidates in double
    /// precision. The lists leave the baseline (the initial weights) only
    /// for weights that win the tests where exactly one of the two hit by
    /// more than the margin, the ones with the most hits among those.
    @Test func tunerCountsEqualABruteForceRankingAndItMovesOnlyOnAClearWin() {
        var random = SplitMix64(seed: 5)
        let popularityWeights = [0.0, 1]
        let transitionWeights = [0.0, 0.5, 1, 2]
        var tuner = BlendTuner(
            popularityWeights: popularityWeights.map(Float.init), transitionWeights: transitionWeights.map(Float.init),
            initial: BlendWeights(popularity: 0, transitions: 1), k: 3, halfLife: 50, margin: 2)
        let grid = popularityWeights.flatMap { p in transitionWeights.map { (p, $0) } }
        #expect(tuner.grid.map { (Double($0.popularity), Double($0.transitions)) }.elementsEqual(grid) { $0 == $1 })
        let baseline = 2
        var hits = [Double](repeating: 0, count: grid.count)
        var wins = [[Double]](repeating: [Double](repeating: 0, count: grid.count), count: grid.count)
        let decay = exp2(-1.0 / 50)
        func candidate(transitions: Float) -> BlendCandidate {
            BlendCandidate(
                score: Float.random(in: -1...1, using: &random), popularity: Float.random(in: 0...1, using: &random),
                transitions: transitions)
        }
        for test in 0..<400 {
            // Early tests favour no transitions, later ones strong transitions
            // and popularity.
            let late = test >= 200
            var target = candidate(transitions: late ? 2 * Float.random(in: 0...1, using: &random) : 0)
            if late { target.popularity += 1 }
            let rest = (0..<20).map { _ in candidate(transitions: 0) }
            let boosted = (0..<4).map { _ in candidate(transitions: (late ? 0 : 2) * Float.random(in: 0...1, using: &random)) }
            var scores = rest.map(\.score)
            let popularity = rest.map(\.popularity)
            // A row that is no candidate.
            scores.append(-.infinity)
            scores.withUnsafeBufferPointer { scores in
                (popularity + [5]).withUnsafeBufferPointer { popularity in
                    tuner.test(target: target, scores: scores, popularity: popularity, boosted: boosted)
                }
            }
            func blended(_ c: BlendCandidate, _ weights: (Double, Double)) -> Double {
                Double(c.score) + weights.0 * Double(c.popularity) + weights.1 * Double(c.transitions)
            }
            let hit = grid.map { weights -> Bool in
                let threshold = blended(target, weights)
                return (rest + boosted).filter { blended($0, weights) > threshold }.count < 3
            }
            for i in grid.indices {
                hits[i] = hits[i] * decay + (hit[i] ? 1 : 0)
                for j in grid.indices { wins[i][j] = wins[i][j] * decay + (hit[i] && !hit[j] ? 1 : 0) }
            }
            var current = baseline
            for i in grid.indices
            where hits[i] > hits[current]
                && wins[i][baseline] - wins[baseline][i] > 2 * (wins[i][baseline] + wins[baseline][i]).squareRoot()
            {
                current = i
            }
            #expect(tuner.current == current, "test \(test)")
        }
        #expect(tuner.tests == 400)
        for i in grid.indices {
            #expect(abs(tuner.hits[i] - hits[i]) < 1e-9, "weights \(grid[i])")
            for j in grid.indices { #expect(abs(tuner.wins[i][j] - wins[i][j]) < 1e-9) }
        }
        #expect(tuner.weights == BlendWeights(popularity: 1, transitions: 2), "the late tests favour both signals")
    }

    /// Where no weights win clearly (every pair answers every test the
    /// same), the lists keep the weights they started from, which join the
    /// grid when it lacks them.
    @Test func withoutAClearWinTheWeightsStay() {
        let initial = BlendWeights(popularity: 0.3, transitions: 0)
        var tuner = BlendTuner(popularityWeights: [0, 1], transitionWeights: [0, 1, 2], initial: initial, k: 1)
        #expect(tuner.grid.count == 9 && tuner.grid[tuner.baseline] == initial)
        let scores: [Float] = [0.5, 0.2]
        let popularity: [Float] = [0, 0]
        for _ in 0..<1_000 {
            scores.withUnsafeBufferPointer { scores in
                popularity.withUnsafeBufferPointer { popularity in
                    tuner.test(
                        target: BlendCandidate(score: 1, popularity: 0, transitions: 0), scores: scores, popularity: popularity,
                        boosted: [])
                }
            }
        }
        #expect(tuner.weights == initial && tuner.hits.allSatisfy { abs($0 - tuner.hits[0]) < 1e-9 })
    }

    /// A stream that is pure popularity (every user draws its next item
    /// from one skewed distribution, whatever it did before) teaches the
    /// tuner to weigh popularity more than it started with: the popular
    /// items are the best guess for everyone.
    @Test func theTunedPopularityWeightRisesWhereTheStreamIsPopularity() {
        var model = RecommenderModel(configuration: configuration(weight: 0, tuning: true))
        var random = SplitMix64(seed: 41)
        let items = 200
        // Zipf-like: item i drawn with probability proportional to 1 / (i + 1).
        let cumulative = (0..<items).reduce(into: [Double]()) { $0.append(($0.last ?? 0) + 1 / Double($1 + 1)) }
        var batch: [Engagement] = []
        for _ in 0..<20_000 {
            let draw = Double.random(in: 0..<cumulative.last!, using: &random)
            let item = cumulative.firstIndex { $0 > draw }!
            batch.append(Engagement(user: "u\(Int.random(in: 0..<300, using: &random))", item: "i\(item)"))
            if batch.count == 50 {
                model.apply(batch)
                batch.removeAll()
            }
        }
        #expect(model.blend.tests > 1_000)
        let baseline = model.blend.baseline
        #expect(model.blend.grid[baseline] == BlendWeights(popularity: 0.1, transitions: 0))
        #expect(model.blendWeights.popularity > 0.1, "hits \(Array(zip(model.blend.grid, model.blend.hits)))")
        let chosen = model.blend.grid.firstIndex(of: model.blendWeights)!
        #expect(model.blend.hits[baseline] < model.blend.hits[chosen])
    }

    /// A model restored from its stored state (interactions with their
    /// recency, transitions, the blend) scores what comes next as before.
    @Test func aRestoredModelKeepsItsTransitionsAndItsBlend() throws {
        let configuration = configuration(tuning: true)
        var model = RecommenderModel(configuration: configuration)
        let log = events(count: 3_000, users: 30, items: 60, seed: 31)
        for start in stride(from: 0, to: log.count, by: 100) { model.apply(Array(log[start..<start + 100])) }
        var snapshot = ModelSnapshot()
        snapshot.users = model.users.ids.enumerated().map { ($1, model.interactions.userEventCounts[$0]) }
        snapshot.items = model.items.ids.map { ($0, ItemProfile()) }
        for (user, entries) in model.interactions.byUser.enumerated() {
            for entry in entries { snapshot.interactions.append((Int32(user), entry.item, entry.weight, entry.lastSequence)) }
        }
        for row in 0..<model.users.count { snapshot.userVectors[Int32(row)] = model.userFactors.vector(row) }
        for row in 0..<model.items.count { snapshot.itemVectors[Int32(row)] = model.itemFactors.vector(row) }
        for (from, successors) in model.transitions.successors.enumerated() {
            for (to, weight) in successors { snapshot.transitions.append((Int32(from), to, weight)) }
        }
        snapshot.blend = (model.blend.hits, model.blend.wins, model.blend.current, model.blend.tests)
        let restored = try RecommenderModel(configuration: configuration, restoring: snapshot)
        #expect(model.blend.tests > 0)
        #expect(restored.blendWeights == model.blendWeights && restored.blend.hits == model.blend.hits)
        for user in 0..<Int32(model.users.count) {
            #expect(restored.transitionScores(ofUser: user) == model.transitionScores(ofUser: user), "user \(user)")
        }
    }
}
