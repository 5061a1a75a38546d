import Foundation
import Logging
import RecstreamIngest
import RecstreamModel
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// PostgreSQL stopped for 10 s in the middle of a stream: the pipeline
/// keeps its batch, retries, and ends where it would have without the outage.
/// The cluster is one of its own, so no other test loses its database.
@Suite("Ingest through a PostgreSQL outage", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct DatabaseOutageTests {
    @Test func aTenSecondOutageLosesNothingAndNeedsNoRestart() throws {
        let cluster = OwnStack(prefix: "outage")
        defer {
            do { try cluster.remove() } catch { Issue.record("the outage cluster was not removed: \(error)") }
        }
        var configuration = try DaemonConfiguration.forTests(databaseURL: try cluster.startPostgres(), prefix: "it-outage")
        configuration.batchMaxEvents = 200
        configuration.model.dimension = 8
        let producer = try KafkaProducer(properties: ["bootstrap.servers": configuration.brokers, "linger.ms": "5"])
        var expected: [String: Float] = [:]
        func produce(_ range: Range<Int>) throws {
            for index in range {
                let user = "u\(index % 50)"
                let item = "i\(index % 70)"
                expected["\(user)/\(item)", default: 0] += 1
                try producer.send(
                    topic: configuration.engagementTopic, key: user,
                    value: #"{"event_id":"o\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"view","ts":1}"#)
            }
            try producer.flush()
        }

        try produce(0..<2_000)
        let pipeline = try IngestPipeline(configuration: configuration, logger: Logger(label: "test"))
        let running = pipeline.start()
        defer { try? running.stop() }
        let firstDeadline = Date().addingTimeInterval(60)
        while pipeline.statistics.consumed < 2_000 && Date() < firstDeadline { Thread.sleep(forTimeInterval: 0.05) }

        try cluster.stopPostgres()
        try produce(2_000..<4_000)
        Thread.sleep(forTimeInterval: 10)
        let duringOutage = pipeline.statistics
        try cluster.startPostgres()
        let deadline = Date().addingTimeInterval(90)
        while pipeline.statistics.consumed < 4_000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try running.stop()

        #expect(duringOutage.consumed < 4_000, "a batch waits for PostgreSQL instead of moving on")
        #expect(pipeline.statistics.databaseRetries > 0)
        #expect(pipeline.statistics.consumed == 4_000)
        let state = StateRepository(connection: try PostgresConnection(conninfo: configuration.databaseURL))
        let users = Dictionary(uniqueKeysWithValues: try state.loadUsers().map { ($0.id, $0.externalID) })
        let items = Dictionary(uniqueKeysWithValues: try state.loadItems().map { ($0.id, $0.externalID) })
        var stored: [String: Float] = [:]
        for row in try state.loadInteractions() { stored["\(users[row.user]!)/\(items[row.item]!)"] = row.weight }
        #expect(stored == expected)
        #expect(try state.loadOffsets().reduce(0) { $0 + $1.nextOffset } == 4_000)
    }
}
