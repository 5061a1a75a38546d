import Foundation
import Logging
import RecstreamIngest
import RecstreamModel
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// Defence in depth: when PostgreSQL refuses a batch for a data reason that
/// the decoder did not foresee (here a constraint the operator added), the
/// pipeline isolates the records it refuses as dead letters and commits the
/// rest exactly once, with a model that equals what was committed.
@Suite("A batch PostgreSQL refuses", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct RefusedBatchTests {
    @Test func refusedRecordsAreIsolatedAndTheRestIsAppliedOnce() throws {
        let database = try FreshDatabase()
        try database.migrated().execute("alter table items add constraint test_refuses check (external_id not like 'refused%')")
        var configuration = try DaemonConfiguration.forTests(databaseURL: database.url, prefix: "it-refused")
        configuration.model.dimension = 8
        configuration.batchMaxEvents = 1_000
        let producer = try KafkaProducer(properties: ["bootstrap.servers": configuration.brokers, "linger.ms": "5"])
        var expected: [String: Float] = [:]
        var eventCounts: [String: Int64] = [:]
        let refusedAt: Set = [1_234, 2_500, 4_321]
        for index in 0..<5_000 {
            let user = "u\(index % 50)"
            let item = refusedAt.contains(index) ? "refused-\(index)" : "i\(index % 80)"
            if !refusedAt.contains(index) {
                expected["\(user)/\(item)", default: 0] += 1
                eventCounts[user, default: 0] += 1
            }
            try producer.send(
                topic: configuration.engagementTopic, key: user,
                value: #"{"event_id":"r\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"view","ts":1}"#)
        }
        try producer.flush()

        let pipeline = try IngestPipeline(configuration: configuration, logger: Logger(label: "test"))
        let running = pipeline.start()
        let deadline = Date().addingTimeInterval(120)
        while pipeline.statistics.consumed < 5_000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try running.stop()
        #expect(pipeline.statistics.consumed == 5_000, "caught up")
        #expect(pipeline.statistics.deadLettered == 3)

        let state = StateRepository(connection: try database.connect())
        let letters = try state.loadDeadLetters()
        #expect(Set(letters.map(\.offset)).count == 3)
        for letter in letters {
            #expect(letter.reason.hasPrefix("PostgreSQL refused it:") && letter.reason.contains("test_refuses"), "\(letter.reason)")
            #expect(String(decoding: letter.payload ?? [], as: UTF8.self).contains("refused-"))
        }
        let users = Dictionary(uniqueKeysWithValues: try state.loadUsers().map { ($0.id, $0.externalID) })
        let items = Dictionary(uniqueKeysWithValues: try state.loadItems().map { ($0.id, $0.externalID) })
        var stored: [String: Float] = [:]
        var derivedCounts: [String: Int64] = [:]
        for row in try state.loadInteractions() {
            stored["\(users[row.user]!)/\(items[row.item]!)"] = row.weight
            derivedCounts[users[row.user]!] = max(derivedCounts[users[row.user]!] ?? 0, row.lastSequence + 1)
        }
        #expect(stored == expected, "every other event applied once")
        // A user's event counter as stored counts only its stored events: the
        // model that went on learning forgot the refused ones.
        #expect(derivedCounts == eventCounts)
        #expect(try state.loadOffsets().reduce(0) { $0 + $1.nextOffset } == 5_000)
    }
}
