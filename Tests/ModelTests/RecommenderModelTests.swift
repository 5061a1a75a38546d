import Foundation
import RecstreamConfiguration
import Testing

@testable import RecstreamModel

@Suite("Recommender model (the aggregate serve and eval drive)")
struct RecommenderModelTests {
    /// A small configuration: exact checks stay cheap, every feature is on.
    func configuration(sweepInterval: Int = 0) -> ModelConfiguration {
        var configuration = ModelConfiguration()
        configuration.dimension = 8
        configuration.warmItemUsers = 2
        configuration.sweepInterval = sweepInterval
        configuration.confidence = ConfidenceModel(alpha: 1, recencyBoost: 3, recencyHorizon: 2)
        return configuration
    }

    /// Random events over `users` x `items`, with repeats and all three types.
    func events(count: Int, users: Int, items: Int, seed: UInt64) -> [Engagement] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            Engagement(
                user: "u\(Int.random(in: 0..<users, using: &random))", item: "i\(Int.random(in: 0..<items, using: &random))",
                type: EventType.allCases.randomElement(using: &random)!)
        }
    }

    @Test func batchesReportTheirUsersAndPairs() {
        var model = RecommenderModel(configuration: configuration())
        for batch in 0..<6 {
            let batchEvents = events(count: 40, users: 12, items: 30, seed: UInt64(batch))
            let changes = model.apply(batchEvents)
            #expect(changes.users == Set(batchEvents.map { model.users.row(of: $0.user)! }))
            #expect(changes.pairs.count == Set(batchEvents.map { "\($0.user)/\($0.item)" }).count)
            #expect(Set(batchEvents.map { model.items.row(of: $0.item)! }).isSubset(of: changes.items))
        }
    }

    /// With item vectors held still (no item projections, no SGD), every user
    /// of a batch must equal the exact solution of its normal equations.
    @Test func touchedUsersAreProjectedExactlyFromTheirWholeHistory() {
        var frozen = configuration()
        frozen.itemProjectionInterval = 0
        frozen.sgdLearningRate = 0
        var model = RecommenderModel(configuration: frozen)
        let history = events(count: 240, users: 12, items: 30, seed: 5)
        model.apply(history)
        for user in Set(history.map(\.user)) {
            let row = Int(model.users.row(of: user)!)
            let expected = Reference.userVector(model, user: user, history: history)
            #expect(Reference.relativeError(model.userFactors.vector(row), expected) < 1e-4, "user \(user)")
        }
    }

    @Test func gramiansFollowEveryVectorChange() {
        var model = RecommenderModel(configuration: configuration())
        for batch in 0..<20 { model.apply(events(count: 25, users: 15, items: 40, seed: UInt64(100 + batch))) }
        model.upsertItem("brand-new", profile: ItemProfile(categories: ["c1"], uploader: "up"))
        #expect(model.userGramian.relativeDrift(from: Gramian(exactOf: model.userFactors)) < 1e-4)
        #expect(model.itemGramian.relativeDrift(from: Gramian(exactOf: model.itemFactors)) < 1e-4)
    }

    /// A sweep in slices: each batch projects at most `sweepSliceRows` rows
    /// and reports them, every row exactly once per sweep, and the Gramians
    /// are exact when it ends. With no events in between (and no centroid
    /// priors, which the slices refine as they go) it ends where the whole
    /// sweep does.
    @Test func aSweepInSlicesCoversEveryRowOnceAndEndsAsTheWholeSweep() {
        var configuration = configuration()
        configuration.freshItemCentroids = false
        configuration.sweepSliceRows = 30
        var sliced = RecommenderModel(configuration: configuration)
        _ = sliced.apply(events(count: 3_000, users: 70, items: 45, seed: 21))
        var whole = sliced
        whole.fullSweep()

        sliced.sweep = SweepProgress()
        var userCounts = [Int](repeating: 0, count: sliced.users.count)
        var itemCounts = [Int](repeating: 0, count: sliced.items.count)
        var batches = 0
        while sliced.sweep != nil && batches < 100 {
            let changes = sliced.apply([])
            #expect(changes.sweptUsers.count + changes.sweptItems.count <= 30)
            for row in changes.sweptUsers { userCounts[Int(row)] += 1 }
            for row in changes.sweptItems { itemCounts[Int(row)] += 1 }
            batches += 1
        }
        #expect(batches == 4, "115 rows in slices of 30")
        #expect(userCounts.allSatisfy { $0 == 1 } && itemCounts.allSatisfy { $0 == 1 })
        #expect(sliced.userGramian.relativeDrift(from: Gramian(exactOf: sliced.userFactors)) < 1e-12)
        #expect(sliced.itemGramian.relativeDrift(from: Gramian(exactOf: sliced.itemFactors)) < 1e-12)
        #expect(sliced.statistics.sweeps == whole.statistics.sweeps)
        for row in 0..<sliced.users.count {
            #expect(Reference.relativeError(sliced.userFactors.vector(row), whole.userFactors.vector(row).map(Double.init)) < 1e-4)
        }
        for row in 0..<sliced.items.count {
            #expect(Reference.relativeError(sliced.itemFactors.vector(row), whole.itemFactors.vector(row).map(Double.init)) < 1e-4)
        }
    }

    @Test func freshItemStartsAtTheCentroidOfItsWarmCategoryMates() {
        var model = RecommenderModel(configuration: configuration())
        for item in 0..<6 {
            model.upsertItem("i\(item)", profile: ItemProfile(categories: item < 3 ? ["drama"] : ["comedy"], uploader: nil))
        }
        model.apply(events(count: 300, users: 10, items: 6, seed: 7))
        let dramas = (0..<3).map { model.itemFactors.vector(Int(model.items.row(of: "i\($0)")!)) }
        #expect((0..<6).allSatisfy { model.warm[Int(model.items.row(of: "i\($0)")!)] }, "every item has >= 2 users")
        let row = model.upsertItem("new-drama", profile: ItemProfile(categories: ["drama"]))
        let expected = (0..<8).map { k in dramas.reduce(0.0) { $0 + Double($1[k]) } / 3 }
        #expect(Reference.relativeError(model.itemFactors.vector(Int(row)), expected) < 1e-5)
        #expect(!model.warm[Int(row)])
    }

    @Test func sameSeedAndEventsGiveIdenticalModels() {
        let stream = events(count: 400, users: 20, items: 50, seed: 11)
        var first = RecommenderModel(configuration: configuration(sweepInterval: 150))
        var second = RecommenderModel(configuration: configuration(sweepInterval: 150))
        for start in stride(from: 0, to: stream.count, by: 50) {
            first.apply(Array(stream[start..<start + 50]))
            second.apply(Array(stream[start..<start + 50]))
        }
        #expect(first.statistics.sweeps == 2)
        #expect(first.userFactors.values == second.userFactors.values)
        #expect(first.itemFactors.values == second.itemFactors.values)
    }

    /// A model with more rows than `sweepInterval` waits as many events as it
    /// has rows between sweeps: 20 users + 130 items = 150 rows, interval 40.
    @Test func aModelLargerThanTheSweepIntervalIsSweptOncePerRowCountOfEvents() {
        var model = RecommenderModel(configuration: configuration(sweepInterval: 40))
        // Every user and item exists from the first batch on.
        model.apply((0..<130).map { Engagement(user: "u\($0 % 20)", item: "i\($0)", type: .view) })
        #expect(model.users.count + model.items.count == 150)
        #expect(model.statistics.sweeps == 0, "130 events: fewer than the 150 rows")
        let stream = events(count: 400, users: 20, items: 130, seed: 5)
        var sweptAfter: [Int] = []
        for (index, event) in stream.enumerated() {
            let before = model.statistics.sweeps
            model.apply([event])
            if model.statistics.sweeps > before { sweptAfter.append(130 + index + 1) }
        }
        #expect(sweptAfter == [150, 300, 450])
    }

    @Test func recommendationsExcludeSeenItemsAndUnknownUsersGetThePopularList() {
        var model = RecommenderModel(configuration: configuration())
        model.apply(events(count: 500, users: 10, items: 25, seed: 3))
        let user = model.users.row(of: "u0")!
        let seen = Set(model.interactions.byUser[Int(user)].map(\.item))
        let list = model.recommend(userRows: [user], k: 5)[0]
        #expect(list.items.count == min(5, 25 - seen.count))
        #expect(list.items.allSatisfy { !seen.contains($0) })
        // Popularity: counts decayed by 2^(-age / half-life), age in events.
        let halfLife = model.configuration.popularityHalfLife
        let stream = events(count: 500, users: 10, items: 25, seed: 3)
        var expected: [String: Double] = [:]
        for (index, event) in stream.enumerated() {
            expected[event.item, default: 0] += exp2(-Double(stream.count - 1 - index) / halfLife)
        }
        let popular = model.popular(k: 3)
        let top = expected.sorted { $0.value > $1.value }.prefix(3)
        #expect(popular.items.map { model.items.ids[Int($0)] } == top.map(\.key))
        for (score, (_, count)) in zip(popular.scores, top) { #expect(abs(Double(score) - count) < 1e-3) }
    }

    @Test func configurationKeysSetValuesAndProblemsNameTheKey() throws {
        let table = ModelConfiguration.configurationTable
        var configuration = try table.load(ModelConfiguration(), overrides: ["recency_horizon=7.5", "event_weights.like=9"])
        #expect(configuration.confidence.recencyHorizon == 7.5)
        #expect(configuration.eventWeights.like == 9)
        #expect(throws: ConfigurationProblems.self) { try table.load(ModelConfiguration(), overrides: ["dimension=lots"]) }
        #expect(throws: ConfigurationProblems.self) { try table.load(ModelConfiguration(), overrides: ["no_such_key=1"]) }
        configuration.regularization = 0
        configuration.popularityHalfLife = -1
        #expect(configuration.problems().map(\.key) == ["regularization", "popularity_half_life"])
        #expect(ModelConfiguration().problems().isEmpty)
    }

    /// The popular list's selection against a full sort, with many ties and
    /// rising values (each new one displaces the k-th).
    @Test func largestKAgreesWithAFullSortIncludingTies() {
        var random = SplitMix64(seed: 9)
        for (count, k) in [(0, 3), (5, 10), (1_000, 1), (1_000, 100), (20_000, 100)] {
            let values = (0..<count).map { index in index % 3 == 0 ? Double(index) : Double(Int.random(in: 0..<20, using: &random)) }
            let sorted = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            #expect(RecommenderModel.largest(k, of: values) == Array(sorted.prefix(k)), "\(count) values, k \(k)")
        }
        #expect(RecommenderModel.largest(0, of: [1, 2]).isEmpty)
    }

    @Test func theWarmItemCountFollowsTheWarmFlags() throws {
        var configuration = ModelConfiguration()
        configuration.dimension = 4
        configuration.warmItemUsers = 2
        var model = RecommenderModel(configuration: configuration)
        model.apply(events(count: 300, users: 20, items: 40, seed: 2))
        #expect(model.warmItemCount == model.warm.filter { $0 }.count && model.warmItemCount > 0)
        var snapshot = ModelSnapshot()
        snapshot.users = (0..<model.users.count).map { (model.users.ids[$0], model.interactions.userEventCounts[$0]) }
        snapshot.items = (0..<model.items.count).map { (model.items.ids[$0], model.profiles[$0]) }
        snapshot.interactions = model.interactions.byUser.enumerated().flatMap { user, entries in
            entries.map { (Int32(user), $0.item, $0.weight, $0.lastSequence) }
        }
        let restored = try RecommenderModel(configuration: configuration, restoring: snapshot)
        #expect(restored.warmItemCount == restored.warm.filter { $0 }.count && restored.warmItemCount == model.warmItemCount)
    }
}
