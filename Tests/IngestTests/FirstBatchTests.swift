import Foundation
import Logging
import RecstreamIngest
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// A start on a backlog commits a small first batch before it learns the
/// next (what the crash-loop guard suspects when a start dies before any
/// commit), then fills batches as usual.
@Suite("The first batch of a start", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct FirstBatchTests {
    @Test func aStartOnABacklogCommitsAFirstBatchOfAtMost500RecordsThenFullerOnes() throws {
        let database = try FreshDatabase()
        var configuration = try DaemonConfiguration.forTests(databaseURL: database.url, prefix: "it-first")
        configuration.batchMaxEvents = 2_000
        configuration.topKIncremental = false
        configuration.model.dimension = 8
        let eventCount = 6_000
        let producer = try KafkaProducer(properties: ["bootstrap.servers": configuration.brokers, "linger.ms": "5"])
        for index in 0..<eventCount {
            try producer.send(
                topic: configuration.engagementTopic, key: "u\(index % 97)",
                value: #"{"event_id":"f\#(index)","user_id":"u\#(index % 97)","item_id":"i\#(index % 41)","type":"view","ts":\#(index)}"#)
        }
        try producer.flush()

        try IngestPipeline(configuration: configuration, logger: Logger(label: "test")).drain { $0.applied >= eventCount }

        let sizes = try database.connect().execute("select cardinality(event_ids) from processed_event_batches order by seq")
        let batches = (0..<sizes.rowCount).map { Int(sizes.text(row: $0, column: 0)!)! }
        #expect(batches.reduce(0, +) == eventCount)
        #expect(batches.first == 500, "batches: \(batches)")
        #expect(batches.dropFirst().contains { $0 > 500 }, "later batches fill beyond the first's limit: \(batches)")
    }
}
