import Foundation
import RecstreamEvents
import RecstreamModel

/// `recstream generate`: a seeded, time-ordered stream from a latent-factor
/// model, for the demo and for load: users and items have hidden taste
/// vectors; items belong to the category of their strongest factor and to
/// one of many uploaders; popularity is skewed (a Zipf-like bias per item);
/// a user's events come in sessions, each leaning to one of its tastes.
public struct SyntheticStream {
    public var users = 5_000
    public var items = 2_000
    public var events = 200_000
    public var factors = 8
    public var uploaders = 150
    public var seed: UInt64 = 1

    public init() {}

    /// The catalog (one event per item) and the engagements in time order.
    public func generate() -> InteractionLog {
        var random = SplitMix64(seed: seed)
        func gaussian() -> Double {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &random)
            let u2 = Double.random(in: 0..<1, using: &random)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        let itemFactors = (0..<items).map { _ in (0..<factors).map { _ in gaussian() } }
        let userFactors = (0..<users).map { _ in (0..<factors).map { _ in gaussian() } }
        // Popularity: rank r (random order) gets bias log(1 / (r + 1)) scaled.
        let ranks = Array(0..<items).shuffled(using: &random)
        let popularity = ranks.map { 1.5 * log(1 / Double($0 + 1)) }
        var stream = InteractionLog()
        for item in 0..<items {
            let strongest = itemFactors[item].indices.max { abs(itemFactors[item][$0]) < abs(itemFactors[item][$1]) }!
            let category = "\(itemFactors[item][strongest] >= 0 ? "pro" : "anti")-\(strongest)"
            let uploader = "uploader-\(Int.random(in: 0..<uploaders, using: &random))"
            stream.catalog["item-\(item)"] = CatalogEvent(
                itemID: "item-\(item)", categories: [category], uploaderID: uploader, createdAt: 1_700_000_000_000, title: "Item \(item)")
        }
        let types: [(EventType, Double)] = [(.view, 0.75), (.click, 0.2), (.like, 0.05)]
        var time: Int64 = 1_700_000_000_000
        var produced = 0
        while produced < events {
            // A session: an active user (activity is skewed too), 1-12 events leaning one way.
            let user = Int(Double(users) * pow(Double.random(in: 0..<1, using: &random), 2))
            let lean = (0..<factors).map { userFactors[user][$0] + 0.7 * gaussian() }
            for _ in 0..<Int.random(in: 1...12, using: &random) where produced < events {
                // Choose among 40 candidates by softmax of taste + popularity.
                let candidates = (0..<40).map { _ in Int.random(in: 0..<items, using: &random) }
                let scores = candidates.map { item in
                    zip(lean, itemFactors[item]).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(factors).squareRoot() * 2 + popularity[item]
                }
                let top = scores.max()!
                let weights = scores.map { exp($0 - top) }
                var pick = Double.random(in: 0..<weights.reduce(0, +), using: &random)
                var chosen = candidates[0]
                for (candidate, weight) in zip(candidates, weights) {
                    pick -= weight
                    if pick < 0 {
                        chosen = candidate
                        break
                    }
                }
                var draw = Double.random(in: 0..<1, using: &random)
                let type =
                    types.first {
                        draw -= $0.1
                        return draw < 0
                    }?.0 ?? .view
                time += Int64.random(in: 1...2_000, using: &random)
                stream.events.append(
                    EngagementEvent(
                        eventID: "gen-\(seed)-\(produced)", userID: "user-\(user)", itemID: "item-\(chosen)", type: type, timestamp: time))
                produced += 1
            }
        }
        return stream
    }
}
