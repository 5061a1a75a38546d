import Foundation
import Testing

@testable import RecstreamModel

@Suite("Ids, interactions and confidence")
struct InteractionStoreTests {
    @Test func entityIndexAssignsDenseRowsOnce() {
        var index = EntityIndex()
        #expect(index.resolve("b") == (0, true))
        #expect(index.resolve("a") == (1, true))
        #expect(index.resolve("b") == (0, false))
        #expect(index.row(of: "a") == 1 && index.row(of: "zzz") == nil)
        #expect(index.ids == ["b", "a"])
    }

    @Test func bothSidesAccumulateTheSameWeightsAndSequences() {
        var random = SplitMix64(seed: 77)
        var store = InteractionStore()
        var expected: [Int32: [Int32: Float]] = [:]
        for _ in 0..<2_000 {
            let (user, item) = (Int32.random(in: 0..<30, using: &random), Int32.random(in: 0..<40, using: &random))
            let weight = Float([1, 2, 4].randomElement(using: &random)!)
            store.record(user: user, item: item, weight: weight)
            expected[user, default: [:]][item, default: 0] += weight
        }
        #expect(store.pairCount == expected.values.reduce(0) { $0 + $1.count })
        #expect(store.userEventCounts.reduce(0, +) == 2_000)
        for (user, items) in expected {
            for (item, weight) in items {
                let fromUser = store.byUser[Int(user)].first { $0.item == item }!
                let fromItem = store.byItem[Int(item)].first { $0.user == user }!
                #expect(fromUser.weight == weight && fromItem.weight == weight)
                #expect(fromUser.lastSequence == fromItem.lastSequence)
            }
        }
    }

    /// Each user's kept recent items are its last distinct items by their
    /// latest event, most recent first, as recorded and as restored (the
    /// pairs put back in any order).
    @Test func recentItemsAreTheLastDistinctItemsRecordedAndRestored() {
        var random = SplitMix64(seed: 78)
        var store = InteractionStore(recentCapacity: 4)
        var log: [Int32: [Int32]] = [:]
        for _ in 0..<3_000 {
            // Few items per user, so that repeats move kept items up.
            let (user, item) = (Int32.random(in: 0..<25, using: &random), Int32.random(in: 0..<8, using: &random))
            store.record(user: user, item: item, weight: 1)
            log[user, default: []].append(item)
        }
        var restored = InteractionStore(recentCapacity: 4)
        var pairs = store.byUser.enumerated().flatMap { user, entries in entries.map { (Int32(user), $0) } }
        pairs.shuffle(using: &random)
        for (user, entry) in pairs {
            restored.restore(user: user, item: entry.item, weight: entry.weight, lastSequence: entry.lastSequence)
        }
        for (user, items) in log {
            var expected: [Int32] = []
            for item in items.reversed() where !expected.contains(item) { expected.append(item) }
            #expect(Array(store.recentItems(ofUser: user)) == Array(expected.prefix(4)), "user \(user)")
            #expect(Array(restored.recentItems(ofUser: user)) == Array(expected.prefix(4)), "user \(user), restored")
        }
        #expect(store.recentItems(ofUser: 99).isEmpty)
    }

    @Test func confidenceFollowsTheStatedFormula() {
        let plain = ConfidenceModel(alpha: 2)
        #expect(plain.confidence(weight: 3, eventsSince: 50) == 7)
        let recent = ConfidenceModel(alpha: 2, recencyBoost: 2, recencyHorizon: 10)
        #expect(recent.confidence(weight: 1, eventsSince: 0) == 1 + 2 * 3)
        #expect(abs(recent.confidence(weight: 1, eventsSince: 10) - Float(1 + 2 * (1 + 2 * exp(-1.0)))) < 1e-6)
        // Far past the horizon exp is skipped; the result must be bit-identical
        // to the formula evaluated in full.
        for (boost, horizon) in [(Float(16), Float(5)), (0.3, 2), (1_000, 1), (3, 40)] {
            let model = ConfidenceModel(alpha: 1.5, recencyBoost: boost, recencyHorizon: horizon)
            for weight in [Float(0.5), 1, 7] {
                for since in Int64(0)...Int64(40 * horizon) {
                    let full = 1 + 1.5 * weight * (1 + boost * Float(exp(-Double(since) / Double(horizon))))
                    #expect(
                        model.confidence(weight: weight, eventsSince: since) == full,
                        "boost \(boost), horizon \(horizon), w \(weight), k \(since)")
                }
            }
        }
        var store = InteractionStore()
        store.record(user: 0, item: 5, weight: 1)
        store.record(user: 0, item: 6, weight: 1)
        store.record(user: 0, item: 7, weight: 1)
        #expect(store.eventsSince(user: 0, lastSequence: store.byUser[0][0].lastSequence) == 2)
        store.record(user: 0, item: 5, weight: 1)
        #expect(store.eventsSince(user: 0, lastSequence: store.byUser[0][0].lastSequence) == 0)
    }
}
