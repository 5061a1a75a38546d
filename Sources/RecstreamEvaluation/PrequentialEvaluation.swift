import Foundation
import RecstreamEvents
public import RecstreamModel

/// The prequential ("test-then-learn") protocol of EVAL.md: learn the first
/// 80 % of the time-ordered log the way the daemon would have seen it (in
/// batches), then for each later event first ask the model for the user's
/// top-k among the items seen so far (excluding the user's own), count a hit
/// when the event's item is in it, then learn the event. Runs the daemon's
/// model and update policy in-process, without Kafka or PostgreSQL.
public struct PrequentialEvaluation {
    public var configuration: ModelConfiguration
    /// Share of the log learned before evaluation starts.
    public var warmUpFraction = 0.8
    /// Events per batch while learning the warm-up: the daemon under a light
    /// stream, whose batches close on `batch.max_wait_ms` long before they fill.
    public var warmUpBatchSize = 500
    public var k = 10
    /// About this many stream events (evenly spread) test the related lists too.
    public var relatedSamples = 2_000

    public init(configuration: ModelConfiguration) {
        self.configuration = configuration
    }

    /// What one run measured.
    public struct Report: Sendable {
        public var interactions = 0
        public var warmUpEvents = 0
        public var streamEvents = 0
        /// 1 for a hit, 0 for a miss, per evaluated stream event, in order.
        public var outcomes: [UInt8] = []
        /// Outcomes of the evaluated events whose item first appeared after the warm-up.
        public var freshItemOutcomes: [UInt8] = []
        /// For a sample of the stream's events (about `relatedSamples` of
        /// those whose user had another last item): 1 when the event's item was in
        /// the related list of the user's last item; the same for the
        /// cosines alone, without what follows the item.
        public var relatedOutcomes: [UInt8] = []
        public var cosineRelatedOutcomes: [UInt8] = []
        public var learnedEvents = 0
        public var learnSeconds = 0.0
        public var streamLearnSeconds = 0.0
        public var streamLoopSeconds = 0.0
        public var allUsersTopKSeconds = 0.0
        public var users = 0
        public var items = 0
        /// The blend weights the lists used at the end, and how many events
        /// tested them.
        public var blendWeights = BlendWeights(popularity: 0, transitions: 0)
        public var blendTests = 0
        /// The decayed hits of each pair of weights tried, at the end.
        public var blendHits: [(weights: BlendWeights, hits: Double)] = []
        /// The decayed hits of the configured weights, at the end.
        public var baselineHits = 0.0

        public var evaluatedEvents: Int { outcomes.count }
        public var hitRate: Double { Self.mean(outcomes) }
        /// sqrt(p (1 - p) / n).
        public var standardError: Double { Self.standardError(outcomes) }
        public var freshItemHitRate: Double { Self.mean(freshItemOutcomes) }
        public var freshItemStandardError: Double { Self.standardError(freshItemOutcomes) }
        public var relatedHitRate: Double { Self.mean(relatedOutcomes) }
        public var cosineRelatedHitRate: Double { Self.mean(cosineRelatedOutcomes) }
        /// Every learned event (warm-up and stream) per second spent learning.
        public var learnEventsPerSecond: Double { Double(learnedEvents) / learnSeconds }
        /// Stream events learned one at a time, per second spent learning them.
        public var streamLearnEventsPerSecond: Double { Double(streamEvents) / streamLearnSeconds }
        /// Stream events per second of the whole test-then-learn loop.
        public var loopEventsPerSecond: Double { Double(streamEvents) / streamLoopSeconds }

        static func mean(_ outcomes: [UInt8]) -> Double {
            outcomes.isEmpty ? 0 : Double(outcomes.reduce(0) { $0 + Int($1) }) / Double(outcomes.count)
        }

        static func standardError(_ outcomes: [UInt8]) -> Double {
            let p = mean(outcomes)
            return outcomes.isEmpty ? 0 : (p * (1 - p) / Double(outcomes.count)).squareRoot()
        }
    }

    public func run(_ log: InteractionLog) -> Report {
        let events = log.timeOrdered()
        let split = Int((Double(events.count) * warmUpFraction).rounded(.down))
        var model = RecommenderModel(configuration: configuration)
        var report = Report()
        report.interactions = events.count
        report.warmUpEvents = split
        report.streamEvents = events.count - split

        /// A catalog event precedes an item's first engagement, as producers would send it.
        func announce(_ itemID: String) {
            if model.items.row(of: itemID) == nil, let catalog = log.catalog[itemID] {
                model.upsertItem(itemID, profile: catalog.profile)
            }
        }

        var start = 0
        while start < split {
            let batch = events[start..<min(start + warmUpBatchSize, split)]
            for event in batch { announce(event.itemID) }
            let engagements = batch.map(\.engagement)
            report.learnSeconds += timed { model.apply(engagements) }
            start += batch.count
        }
        let itemsBeforeStream = model.items.count

        let relatedInterval = max(1, report.streamEvents / relatedSamples)
        var relatedCandidates = 0
        func testRelated(last: Int32, next: Int32) {
            report.relatedOutcomes.append(model.related(itemRows: [last], k: k)[0].items.contains(next) ? 1 : 0)
            let cosines = TopKScorer(k: k).relatedByCosine(unitItems: model.itemFactors.unitRows(), itemRows: [last])
            report.cosineRelatedOutcomes.append(cosines[0].items.contains(next) ? 1 : 0)
        }

        let loopStart = DispatchTime.now().uptimeNanoseconds
        for event in events[split...] {
            if let user = model.users.row(of: event.userID), let item = model.items.row(of: event.itemID) {
                let hit: UInt8 = model.recommend(userRows: [user], k: k)[0].items.contains(item) ? 1 : 0
                report.outcomes.append(hit)
                if Int(item) >= itemsBeforeStream { report.freshItemOutcomes.append(hit) }
                if let last = model.recentItems(ofUser: user, count: 1).first, last != item {
                    relatedCandidates += 1
                    if relatedCandidates % relatedInterval == 0 { testRelated(last: last, next: item) }
                }
            }
            announce(event.itemID)
            let engagement = event.engagement
            let seconds = timed { model.apply([engagement]) }
            report.learnSeconds += seconds
            report.streamLearnSeconds += seconds
        }
        report.streamLoopSeconds = Double(DispatchTime.now().uptimeNanoseconds - loopStart) / 1e9
        report.learnedEvents = events.count
        report.allUsersTopKSeconds = timed { _ = model.recommend(userRows: (0..<Int32(model.users.count)).map { $0 }, k: k) }
        report.users = model.users.count
        report.blendWeights = model.blendWeights
        report.blendTests = model.blend.tests
        report.blendHits = Array(zip(model.blend.grid, model.blend.hits))
        report.baselineHits = model.blend.hits[model.blend.baseline]
        report.items = model.items.count
        return report
    }
}
