import Foundation
import RecstreamEvaluation
import RecstreamEvents
import RecstreamModel
import Testing

@Suite("Prequential evaluation and log formats")
struct PrequentialEvaluationTests {
    /// A synthetic log: 9 in 10 of a user's events fall in its own group of
    /// 100 items (of 4 groups); timestamps repeat (ties must keep file order).
    func syntheticLog(events: Int, seed: UInt64) -> InteractionLog {
        var random = SplitMix64(seed: seed)
        var log = InteractionLog()
        for index in 0..<events {
            let user = Int.random(in: 0..<40, using: &random)
            let group = Int.random(in: 0..<10, using: &random) < 9 ? user % 4 : Int.random(in: 0..<4, using: &random)
            let item = group * 100 + Int.random(in: 0..<100, using: &random)
            log.events.append(
                EngagementEvent(
                    eventID: "e\(index)", userID: "u\(user)", itemID: "i\(item)", type: .view, timestamp: Int64(index / 3)))
        }
        for item in 0..<400 { log.catalog["i\(item)"] = CatalogEvent(itemID: "i\(item)", categories: ["g\(item / 100)"]) }
        return log
    }

    @Test func evaluatesExactlyTheEventsTheProtocolNames() {
        let log = syntheticLog(events: 3000, seed: 1)
        var configuration = ModelConfiguration()
        configuration.dimension = 8
        configuration.sweepInterval = 500
        let report = PrequentialEvaluation(configuration: configuration).run(log)
        // Independent count: a stream event counts when its user and its item
        // both occurred earlier in the time-ordered log.
        let ordered = log.timeOrdered()
        let split = 2400
        var users = Set(ordered[..<split].map(\.userID))
        var items = Set(ordered[..<split].map(\.itemID))
        let warmItems = items
        var seen = Dictionary(grouping: ordered[..<split], by: \.userID).mapValues { Set($0.map(\.itemID)) }
        var last = Dictionary(ordered[..<split].map { ($0.userID, $0.itemID) }) { _, later in later }
        var evaluated = 0
        var fresh = 0
        var relatedTests = 0
        var randomHits = 0.0
        for event in ordered[split...] {
            if users.contains(event.userID) && items.contains(event.itemID) {
                evaluated += 1
                if !warmItems.contains(event.itemID) { fresh += 1 }
                let candidates = items.count - seen[event.userID, default: []].count
                randomHits += min(1, 10 / Double(candidates))
                // The stream is short: every event after another item tests the related lists.
                if let previous = last[event.userID], previous != event.itemID { relatedTests += 1 }
            }
            last[event.userID] = event.itemID
            users.insert(event.userID)
            items.insert(event.itemID)
            seen[event.userID, default: []].insert(event.itemID)
        }
        #expect(report.warmUpEvents == split)
        #expect(report.evaluatedEvents == evaluated)
        #expect(report.freshItemOutcomes.count == fresh)
        #expect(report.relatedOutcomes.count == relatedTests && report.cosineRelatedOutcomes.count == relatedTests)
        // A model that learned the groups beats a random top-10 among the same
        // candidates by far (measured: 0.088 vs 0.029).
        let randomHitRate = randomHits / Double(evaluated)
        #expect(report.hitRate > 3 * randomHitRate, "HR@10 \(report.hitRate), random \(randomHitRate)")
        print("synthetic log: HR@10 \(report.hitRate), random top-10 \(randomHitRate)")
        #expect(report.learnEventsPerSecond > 0 && report.loopEventsPerSecond > 0)
    }

    @Test func timeOrderIsStable() {
        let log = InteractionLog(events: [
            EngagementEvent(eventID: "a", userID: "u", itemID: "1", type: .view, timestamp: 5),
            EngagementEvent(eventID: "b", userID: "u", itemID: "2", type: .view, timestamp: 1),
            EngagementEvent(eventID: "c", userID: "u", itemID: "3", type: .view, timestamp: 5),
            EngagementEvent(eventID: "d", userID: "u", itemID: "4", type: .view, timestamp: 1),
        ])
        #expect(log.timeOrdered().map(\.eventID) == ["b", "d", "a", "c"])
    }

    func write(_ text: String, encoding: String.Encoding = .utf8) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recstream-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: encoding)
        return path
    }

    @Test func movieLensCSVWithQuotedTitles() throws {
        let ratings = try write("userId,movieId,rating,timestamp\n1,11,4.0,964982703\n2,29,3.5,964982224\n")
        let movies = try write(
            "movieId,title,genres\n11,\"American President, The (1995)\",Comedy|Drama|Romance\n29,\"Say \"\"Hi\"\" (1995)\",(no genres listed)\n"
        )
        let log = try InteractionLog.load(ratings: ratings, items: movies, format: .movielensCSV)
        #expect(log.events.map(\.itemID) == ["11", "29"])
        #expect(log.events[0].timestamp == 964_982_703_000)
        #expect(log.catalog["11"]?.title == "American President, The (1995)")
        #expect(log.catalog["11"]?.categories == ["Comedy", "Drama", "Romance"])
        #expect(log.catalog["29"]?.title == "Say \"Hi\" (1995)")
        #expect(log.catalog["29"]?.categories == [])
    }

    @Test func movieLens100kWithLatin1Titles() throws {
        let ratings = try write("196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
        let flags = ["0", "1", "0", "0", "0", "1"] + [String](repeating: "0", count: 12) + ["1"]
        let items = try write(
            "242|Kolya (1996)|24-Jan-1997||http://x|" + flags.joined(separator: "|") + "\n302|Amélie|01-Jan-2001||http://y|"
                + [String](repeating: "0", count: 19).joined(separator: "|") + "\n", encoding: .isoLatin1)
        let log = try InteractionLog.load(ratings: ratings, items: items, format: .movielens100k)
        #expect(log.events.map(\.userID) == ["196", "186"])
        #expect(log.catalog["242"]?.categories == ["Action", "Comedy", "Western"])
        #expect(log.catalog["302"]?.title == "Amélie")
    }

    @Test func jsonLinesAndTheLineOfABadRecord() throws {
        let good = #"{"event_id":"e1","user_id":"u","item_id":"i","type":"click","ts":1}"#
        let events = try write(good + "\n\n" + good.replacingOccurrences(of: "e1", with: "e2") + "\n")
        let catalog = try write(#"{"item_id":"i","categories":["x"],"uploader_id":"up"}"# + "\n")
        let log = try InteractionLog.load(ratings: events, items: catalog, format: .jsonl)
        #expect(log.events.map(\.eventID) == ["e1", "e2"])
        #expect(log.catalog["i"]?.uploaderID == "up")
        let bad = try write(good + "\n" + #"{"event_id":"e3"}"# + "\n")
        do {
            _ = try InteractionLog.load(ratings: bad, items: nil, format: .jsonl)
            Issue.record("a bad record must be refused")
        } catch let error as InteractionLogError {
            #expect(error.line == 2)
            #expect(error.reason == "missing required field user_id")
        }
    }
}
