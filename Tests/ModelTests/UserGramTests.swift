import Testing

@testable import RecstreamModel

@Suite("Kept projection terms of users with long histories (UserGram)")
struct UserGramTests {
    /// The model tests' small configuration (d = 8, so histories of 8 or
    /// more entries keep their terms; sharp recency, so the decay of the
    /// recent part matters; SGD on, so items move between a user's
    /// projections) without sweeps unless a test runs one.
    func configuration(cacheMegabytes: Double = 256) -> ModelConfiguration {
        var configuration = RecommenderModelTests().configuration(sweepInterval: 0)
        configuration.userGramCacheMegabytes = cacheMegabytes
        return configuration
    }

    /// One event at a time (as eval's stream), 3 users over 30 items with
    /// repeats and all three types, so each user's history grows past d and
    /// the items the others touch move between its projections.
    func events(count: Int, seed: UInt64) -> [Engagement] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            Engagement(
                user: "u\(Int.random(in: 0..<3, using: &random))", item: "i\(Int.random(in: 0..<30, using: &random))",
                type: EventType.allCases.randomElement(using: &random)!)
        }
    }

    /// Learns `history` one event per batch (a full sweep every
    /// `sweepEvery` events, when given) after `alreadyLearned`, and checks
    /// the user of every tenth event against its normal equations solved in
    /// double from scratch.
    /// `apply` projects users last (no item projection at these settings),
    /// so right after it the user was solved against the items as they are.
    func learnAndCheck(_ model: inout RecommenderModel, _ history: [Engagement], sweepEvery: Int? = nil, alreadyLearned: [Engagement] = [])
    {
        for (index, event) in history.enumerated() {
            if let sweepEvery, index > 0, index % sweepEvery == 0 { model.fullSweep() }
            model.apply([event])
            guard index % 10 == 9 else { continue }
            let row = Int(model.users.row(of: event.user)!)
            let expected = Reference.userVector(model, user: event.user, history: alreadyLearned + history[...index])
            #expect(Reference.relativeError(model.userFactors.vector(row), expected) < 1e-4, "event \(index), user \(event.user)")
        }
    }

    @Test func keptTermsGiveTheExactProjectionWhileItemsMoveAndRecencyDecays() {
        var model = RecommenderModel(configuration: configuration())
        learnAndCheck(&model, events(count: 600, seed: 11))
        // Most projections were synced, not rebuilt: the test covers the
        // rank-2 corrections and the decay, not just the build.
        #expect(model.statistics.userGramProjections > 400)
        #expect(model.statistics.userGramBuilds * 4 < model.statistics.userGramProjections)
    }

    @Test func afterASweepMovesEveryItemTheTermsAreRebuiltAndStayExact() {
        var model = RecommenderModel(configuration: configuration())
        learnAndCheck(&model, events(count: 600, seed: 12), sweepEvery: 100)
        // At least one rebuild per user after each of the five sweeps.
        #expect(model.statistics.userGramBuilds >= 15)
        #expect(model.statistics.userGramProjections > model.statistics.userGramBuilds)
    }

    @Test func batchesThatMoveMuchOfAHistoryProjectItThePlainWayAndSmallOnesBuildTerms() {
        var model = RecommenderModel(configuration: configuration())
        let history = events(count: 600, seed: 15)
        // 60 events per batch: SGD moves most of each user's items, so terms
        // built now would be stale at the next such batch.
        for end in stride(from: 60, through: history.count, by: 60) {
            model.apply(Array(history[end - 60..<end]))
            for user in Set(history[..<end].map(\.user)) {
                let row = Int(model.users.row(of: user)!)
                let expected = Reference.userVector(model, user: user, history: Array(history[..<end]))
                #expect(Reference.relativeError(model.userFactors.vector(row), expected) < 1e-4, "batch ending \(end), user \(user)")
            }
        }
        #expect(model.statistics.userGramBuilds == 0)
        #expect(model.statistics.userGramProjections == 0)
        // One event per batch moves one item: terms are built, then synced.
        learnAndCheck(&model, events(count: 60, seed: 16), alreadyLearned: history)
        #expect(model.statistics.userGramBuilds > 0)
        #expect(model.statistics.userGramProjections > 2 * model.statistics.userGramBuilds)
    }

    @Test func aBudgetForOneUserEvictsTheLeastRecentlyUsedAndStaysExact() {
        // One user's terms take about 2.6 KB here (2 d^2 + 2 d doubles, 44
        // bytes per history entry); 4 KB holds one, never two.
        let budget = 0.004
        var model = RecommenderModel(configuration: configuration(cacheMegabytes: budget))
        let history = events(count: 300, seed: 13)
        learnAndCheck(&model, history)
        #expect(model.userGrams.count <= 1)
        #expect(model.userGrams.bytes <= Int(budget * 1_048_576))
        #expect(model.statistics.userGramProjections > 0)
        // Users alternate, so an evicted user's next projection rebuilds.
        #expect(model.statistics.userGramBuilds * 2 > model.statistics.userGramProjections)
    }

    @Test func withoutABudgetEveryUserIsProjectedThePlainWayToTheSameVectors() {
        let history = events(count: 300, seed: 14)
        var plain = RecommenderModel(configuration: configuration(cacheMegabytes: 0))
        var kept = RecommenderModel(configuration: configuration())
        learnAndCheck(&plain, history)
        for event in history { kept.apply([event]) }
        #expect(plain.statistics.userGramProjections == 0)
        #expect(plain.userGrams.count == 0)
        for row in 0..<plain.users.count {
            let expected = plain.userFactors.vector(row).map(Double.init)
            #expect(Reference.relativeError(kept.userFactors.vector(row), expected) < 1e-3, "user row \(row)")
        }
    }
}
