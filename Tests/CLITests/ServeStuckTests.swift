import Foundation
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// Health tells the truth: a batch that cannot be committed for longer than
/// `health.stall_seconds` makes `/healthz` fail with the reason and stops the
/// watchdog, however busy the retries keep the loop; when PostgreSQL is back
/// the daemon is live again and has lost nothing.
@Suite("serve: a batch that cannot commit", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct ServeStuckTests {
    @Test func aStuckBatchFailsHealthzAndStarvesTheWatchdogUntilItCommits() throws {
        let setup = try ServeOperationsTests.Setup()
        let cluster = OwnStack(prefix: "stuck")
        defer {
            do { try cluster.remove() } catch { Issue.record("the cluster was not removed: \(error)") }
        }
        let url = try cluster.startPostgres()
        let inbox = try NotifyInbox()
        let daemon = try ServeProcess(
            arguments: setup.arguments(databaseURL: url, extra: ["health.stall_seconds=2"]),
            environment: ["NOTIFY_SOCKET": inbox.path, "WATCHDOG_USEC": "400000"])
        #expect(setup.wait("/readyz", status: 200, timeout: 60), "\(daemon.output.suffix(2_000))")
        let producer = try KafkaProducer(properties: ["bootstrap.servers": setup.brokers, "linger.ms": "5"])
        func produce(_ range: Range<Int>) throws {
            for index in range {
                try producer.send(
                    topic: setup.engagements, key: "u\(index % 30)",
                    value: #"{"event_id":"s\#(index)","user_id":"u\#(index % 30)","item_id":"i\#(index % 50)","type":"view","ts":1}"#)
            }
            try producer.flush()
        }
        try produce(0..<500)
        let state = StateRepository(connection: try PostgresConnection(conninfo: url))
        let deadline = Date().addingTimeInterval(60)
        while ((try? state.loadOffsets()) ?? []).reduce(0, { $0 + $1.nextOffset }) < 500 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }

        try cluster.stopPostgres()
        try produce(500..<1_000)
        #expect(setup.wait("/healthz", status: 503, timeout: 30), "a batch waits to commit: not live")
        let body = Loopback.get(port: setup.port, path: "/healthz")?.body ?? ""
        #expect(body.hasPrefix("stuck: a batch has waited to be committed since"), "\(body)")
        // The monitor samples the gauge every probe interval.
        var stuck: Double?
        let sampled = Date().addingTimeInterval(10)
        repeat {
            let metrics = try PrometheusText.parse(try #require(Loopback.get(port: setup.port, path: "/metrics")).body)
            stuck = metrics["recstream_pipeline_stuck{}"]
        } while stuck != 1 && Date() < sampled
        #expect(stuck == 1)
        let watchdogs = inbox.count("WATCHDOG=1")
        Thread.sleep(forTimeInterval: 1)
        #expect(inbox.count("WATCHDOG=1") == watchdogs, "the watchdog is not fed while stuck")

        try cluster.startPostgres()
        #expect(setup.wait("/healthz", status: 200, timeout: 60), "live again once the batch commits")
        let stateAfter = StateRepository(connection: try PostgresConnection(conninfo: url))
        let applied = Date().addingTimeInterval(60)
        while ((try? stateAfter.loadOffsets()) ?? []).reduce(0, { $0 + $1.nextOffset }) < 1_000 && Date() < applied {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(try stateAfter.loadInteractions().reduce(0) { $0 + $1.weight } == 1_000, "every event applied once")
        let fedAgain = Date().addingTimeInterval(10)
        while inbox.count("WATCHDOG=1") == watchdogs && Date() < fedAgain { Thread.sleep(forTimeInterval: 0.05) }
        #expect(inbox.count("WATCHDOG=1") > watchdogs, "the watchdog is fed again")
        #expect(daemon.kill(signal: SIGTERM) == 0)
    }
}
