import Foundation
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// A record that crashes `recstream serve` every time it is applied (a
/// fault injected by RECSTREAM_TEST_CRASH_ON_ITEM): restarted after each
/// death, as systemd does, the daemon must find the record, dead-letter it
/// and apply every other record exactly once.
@Suite("serve gets out of a crash loop", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct ServeCrashLoopTests {
    @Test func aRecordThatCrashesTheDaemonBecomesADeadLetterAfterAFewRestarts() throws {
        let database = try FreshDatabase()
        let brokers = try TestServices.kafkaBrokers()
        let engagements = TestServices.uniqueName("it-loop-engagements")
        let catalog = TestServices.uniqueName("it-loop-catalog")
        let admin = try KafkaAdmin(properties: ["bootstrap.servers": brokers])
        try admin.createTopic(engagements, partitions: 2)
        try admin.createTopic(catalog, partitions: 1)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"])
        var expected: [String: Float] = [:]
        let eventCount = 600
        for index in 0..<eventCount {
            let user = "u\(index % 37)"
            let item = index == 300 ? "poison" : "i\(index % 53)"
            if index != 300 { expected["\(user)/\(item)", default: 0] += 1 }
            try producer.send(
                topic: engagements, key: user,
                value: #"{"event_id":"l\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"view","ts":\#(index)}"#)
        }
        try producer.flush()

        let arguments =
            ["serve"]
            + [
                "kafka.brokers=\(brokers)", "database.url=\(database.url)", "kafka.engagement_topic=\(engagements)",
                "kafka.catalog_topic=\(catalog)", "kafka.group_id=\(TestServices.uniqueName("it-loop"))", "kafka.session_timeout_ms=1000",
                "kafka.properties.heartbeat.interval.ms=100", "batch.max_events=100", "model.dimension=8", "http.address=127.0.0.1:0",
            ].flatMap { ["--set", $0] }
        let state = StateRepository(connection: try database.connect())
        func consumed() -> Int64 { ((try? state.loadOffsets()) ?? []).reduce(0) { $0 + $1.nextOffset } }

        var deaths = 0
        var caughtUp = false
        while !caughtUp && deaths < 10 {
            let daemon = try ServeProcess(arguments: arguments, environment: ["RECSTREAM_TEST_CRASH_ON_ITEM": "poison"])
            let deadline = Date().addingTimeInterval(90)
            while daemon.isRunning && consumed() < Int64(eventCount) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if daemon.isRunning {
                caughtUp = consumed() == Int64(eventCount)
                #expect(daemon.kill(signal: SIGTERM) == 0, "\(daemon.output.suffix(2_000))")
            } else {
                deaths += 1
            }
        }
        // At least two deaths in a row before the record's partition moved,
        // then two on the record itself applied alone; how many runs commit
        // other records first depends on how the batches fall.
        #expect(caughtUp && deaths >= 4, "caught up: \(caughtUp) after \(deaths) deaths")
        let letters = try state.loadDeadLetters()
        #expect(letters.count == 1)
        #expect(letters.first.map { String(decoding: $0.payload ?? [], as: UTF8.self).contains(#""item_id":"poison""#) } == true)
        #expect(letters.first?.reason.hasPrefix("the daemon died while applying it") == true, "\(letters)")

        #expect(try state.interactionWeights() == expected, "every other record applied exactly once")
        let notes = try database.connect().execute("select (select count(*) from suspect_records), (select count(*) from applying_starts)")
        #expect(notes.text(row: 0, column: 0) == "0" && notes.text(row: 0, column: 1) == "0", "no notes left after a clean stop")
    }
}
