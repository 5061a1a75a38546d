import RecstreamModel
import Testing

@testable import RecstreamIngest

@Suite("Exact or approximate lists by the pipeline's delay")
struct ListScoringTests {
    @Test func approximateWhileTheOldestEventIsOlderThanHalfTheTargetUntilItIsYoungerThanAQuarter() {
        var scoring = ListScoring(freshnessTargetMs: 2_000, probeFraction: 0.1)
        var modes: [Bool] = []
        for age in [500, 1_000, 1_001, 900, 600, 500, 499, 800, nil, 1_200, nil] as [Int64?] {
            scoring.observe(oldestEventAgeMs: age)
            modes.append(scoring.approximate)
        }
        #expect(modes == [false, false, true, true, true, true, false, false, false, true, true])
        var exactOnly = ListScoring(freshnessTargetMs: 2_000, probeFraction: 0)
        exactOnly.observe(oldestEventAgeMs: 60_000)
        #expect(!exactOnly.approximate, "a probe fraction of 0 keeps every list exact")
    }

    @Test func probingEveryClusterPublishesTheExactLists() throws {
        var configuration = ModelConfiguration()
        configuration.dimension = 8
        var model = RecommenderModel(configuration: configuration)
        var random = SplitMix64(seed: 11)
        model.apply(
            (0..<3_000).map { index in
                Engagement(user: "u\(index % 200)", item: "i\(Int.random(in: 0..<400, using: &random))")
            })
        let rows = (0..<Int32(200)).map { $0 }
        var scoring = ListScoring(freshnessTargetMs: 2_000, probeFraction: 1)
        let exact = scoring.userUpdate(model, rows: rows, modelVersion: 1, k: 20)
        scoring.observe(oldestEventAgeMs: 5_000)
        let approximate = scoring.userUpdate(model, rows: rows, modelVersion: 1, k: 20)
        #expect(scoring.approximate)
        #expect(approximate.popular == exact.popular)
        for (a, e) in zip(approximate.lists, exact.lists) {
            #expect(a.id == e.id && a.itemRows.count == e.itemRows.count)
            #expect(zip(a.scores, e.scores).allSatisfy { abs($0 - $1) < 1e-4 }, "user \(e.id)")
        }
    }
}
