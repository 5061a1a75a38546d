import Foundation
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// `recstream serve` as operators run it: endpoints, metrics, systemd
/// notifications and structured logs, against real Tansu and PostgreSQL.
@Suite("serve: health, metrics, systemd", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct ServeOperationsTests {
    /// New topics and a serve command line on them with fast joins and probes.
    struct Setup: Sendable {
        let engagements = TestServices.uniqueName("it-ops-engagements")
        let catalog = TestServices.uniqueName("it-ops-catalog")
        let brokers: String
        let port: Int

        /// On the test services' broker, or on `brokers`.
        init(brokers: String? = nil) throws {
            self.brokers = try brokers ?? TestServices.kafkaBrokers()
            port = try Loopback.freePort()
            let admin = try KafkaAdmin(properties: ["bootstrap.servers": self.brokers])
            try admin.createTopic(engagements, partitions: 2)
            try admin.createTopic(catalog, partitions: 1)
        }

        func arguments(databaseURL: String, extra: [String] = []) -> [String] {
            ["serve"]
                + ([
                    "kafka.brokers=\(brokers)", "database.url=\(databaseURL)", "kafka.engagement_topic=\(engagements)",
                    "kafka.catalog_topic=\(catalog)", "kafka.group_id=\(TestServices.uniqueName("it-ops"))",
                    "kafka.session_timeout_ms=1000", "kafka.properties.heartbeat.interval.ms=100", "model.dimension=8",
                    "http.address=127.0.0.1:\(port)", "health.probe_interval_ms=200", "batch.max_wait_ms=50",
                ] + extra).flatMap { ["--set", $0] }
        }

        /// Polls `/readyz` until its `component` reports `status` or 20 s
        /// pass; returns the last answer's HTTP status and that component.
        func readiness(of component: String, becomes status: String) throws -> (httpStatus: Int?, component: [String: Any]) {
            var answer: (status: Int, report: [String: Any])?
            let deadline = Date().addingTimeInterval(20)
            repeat {
                Thread.sleep(forTimeInterval: 0.1)
                if let response = Loopback.get(port: port, path: "/readyz"),
                    let report = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
                {
                    answer = (response.status, report)
                }
            } while (answer?.report[component] as? [String: Any])?["status"] as? String != status && Date() < deadline
            return (answer?.status, answer?.report[component] as? [String: Any] ?? [:])
        }

        /// Polls `path` until it answers `status` (true) or `timeout` passes (false).
        func wait(_ path: String, status: Int, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if Loopback.get(port: port, path: path)?.status == status { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }
    }

    @Test func metricsRiseAsEventsFlowAndSystemdHearsReadyWatchdogAndStopping() throws {
        let setup = try Setup()
        let database = try FreshDatabase()
        let inbox = try NotifyInbox()
        let daemon = try ServeProcess(
            arguments: setup.arguments(databaseURL: database.url, extra: ["log.format=json"]),
            environment: ["NOTIFY_SOCKET": inbox.path, "WATCHDOG_USEC": "400000"])
        #expect(inbox.wait(for: "READY=1", timeout: 60), "READY=1 after startup\n\(daemon.output.suffix(2_000))")
        #expect(setup.wait("/readyz", status: 200, timeout: 60), "ready once partitions are assigned\n\(daemon.output.suffix(2_000))")

        let before = try PrometheusText.parse(try #require(Loopback.get(port: setup.port, path: "/metrics")).body)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": setup.brokers, "linger.ms": "5"])
        let types = ["view", "click", "like"]
        for index in 0..<300 {
            let user = "u\(index % 20)"
            try producer.send(
                topic: setup.engagements, key: user,
                value: #"{"event_id":"m\#(index)","user_id":"\#(user)","item_id":"i\#(index % 30)","type":"\#(types[index % 3])","ts":1}"#)
        }
        for index in 0..<5 { try producer.send(topic: setup.engagements, key: "bad", value: "{not json \(index)") }
        try producer.send(
            topic: setup.engagements, key: "u0", value: #"{"event_id":"m0","user_id":"u0","item_id":"i0","type":"view","ts":1}"#)
        for index in 0..<4 {
            try producer.send(topic: setup.catalog, key: "n\(index)", value: #"{"item_id":"n\#(index)","categories":["c"]}"#)
        }
        try producer.flush()

        let engagementTopic = "topic=\"\(setup.engagements)\""
        var after: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(60)
        var lagKnown = false
        repeat {
            Thread.sleep(forTimeInterval: 0.2)
            after = try PrometheusText.parse(try #require(Loopback.get(port: setup.port, path: "/metrics")).body)
            // Lag is sampled by the probe after the batch commits.
            lagKnown = (0..<2).allSatisfy { after["recstream_consumer_lag{partition=\"\($0)\",\(engagementTopic)}"] == 0 }
        } while ((after["recstream_events_consumed_total{\(engagementTopic)}"] ?? 0) < 306 || !lagKnown) && Date() < deadline

        #expect(before["recstream_events_consumed_total{\(engagementTopic)}"] == nil, "nothing consumed before the events")
        #expect(after["recstream_events_consumed_total{\(engagementTopic)}"] == 306)
        #expect(after["recstream_events_consumed_total{topic=\"\(setup.catalog)\"}"] == 4)
        for type in types { #expect(after["recstream_events_applied_total{type=\"\(type)\"}"] == 100, "\(type)") }
        #expect(after["recstream_events_applied_total{type=\"catalog\"}"] == 4)
        #expect(after["recstream_events_duplicate_total{type=\"view\"}"] == 1)
        #expect(after["recstream_events_dead_lettered_total{\(engagementTopic)}"] == 5)
        #expect((after["recstream_batch_size_count{}"] ?? 0) >= 1)
        #expect(after["recstream_batch_size_sum{}"] == 310)
        #expect((after["recstream_batch_commit_seconds_count{}"] ?? 0) == after["recstream_batch_size_count{}"])
        #expect(after["recstream_freshness_seconds_count{}"] == 300, "one freshness sample per applied event")
        #expect(after["recstream_users{}"] == 20)
        #expect(after["recstream_items{}"] == 34)
        #expect(after["recstream_fresh_items{}"] == 34, "no item has the 5 users that make it warm")
        for partition in 0..<2 {
            #expect(after["recstream_consumer_lag{partition=\"\(partition)\",\(engagementTopic)}"] == 0, "partition \(partition)")
        }
        #expect(after.keys.contains { $0.hasPrefix("recstream_build_info{librdkafka=\"2.16.") })
        #expect(after["recstream_postgres_errors_total{}"] == 0)

        let watchdogs = inbox.count("WATCHDOG=1")
        #expect(watchdogs >= 3, "WATCHDOG=1 every 200 ms while live, got \(watchdogs)")
        #expect(daemon.kill(signal: SIGTERM) == 0)
        #expect(inbox.wait(for: "STOPPING=1", timeout: 5))
        let readyAt = try #require(inbox.messages.first { $0.text.contains("READY=1") }).at
        let stoppingAt = try #require(inbox.messages.first { $0.text.contains("STOPPING=1") }).at
        #expect(readyAt < stoppingAt)

        // log.format=json: every line is one JSON object with time, level and message.
        let lines = daemon.output.split(separator: "\n")
        #expect(lines.count > 3)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            #expect(object?["ts"] != nil && object?["level"] != nil && object?["msg"] != nil, "not a JSON log line: \(line)")
        }
    }

    @Test func readyzFollowsPostgresWithoutARestartAndLogsNoPassword() throws {
        let setup = try Setup()
        let cluster = OwnStack(prefix: "readyz")
        defer {
            do { try cluster.remove() } catch { Issue.record("the cluster was not removed: \(error)") }
        }
        // Trust authentication ignores the password; it must never reach the log.
        let password = "pw-\(UUID().uuidString.prefix(8))"
        let url = try cluster.startPostgres().replacingOccurrences(
            of: "postgresql://recstream@", with: "postgresql://recstream:\(password)@")
        #expect(url.contains(password))
        let daemon = try ServeProcess(arguments: setup.arguments(databaseURL: url))
        #expect(setup.wait("/readyz", status: 200, timeout: 60), "\(daemon.output.suffix(2_000))")

        try cluster.stopPostgres()
        let postgres = try setup.readiness(of: "postgres", becomes: "unreachable")
        #expect(postgres.component["status"] as? String == "unreachable", "PostgreSQL stopped: \(postgres.component)")
        #expect(postgres.httpStatus == 503)
        #expect((postgres.component["last_error"] as? String)?.isEmpty == false)
        #expect(Loopback.get(port: setup.port, path: "/healthz")?.status == 200, "alive: waiting for PostgreSQL is not a wedge")

        try cluster.startPostgres()
        #expect(setup.wait("/readyz", status: 200, timeout: 30), "ready again once PostgreSQL is back")
        #expect(daemon.isRunning, "recovered without a restart")
        #expect(daemon.kill(signal: SIGTERM) == 0)
        #expect(!daemon.output.contains(password), "a password in the log")
        #expect(daemon.output.contains("level=info"), "logfmt by default")
    }

    /// The broker frozen (SIGSTOP) for 10 s on a broker of the test's own:
    /// not ready while it is away, alive throughout, and after it thaws the
    /// daemon goes on by itself and applies every event exactly once.
    @Test func aFrozenBrokerMakesItUnreadyAndItRecoversWithoutARestart() throws {
        let broker = OwnStack(prefix: "frozen")
        defer {
            do { try broker.remove() } catch { Issue.record("the broker was not removed: \(error)") }
        }
        let setup = try Setup(brokers: try broker.startKafka())
        let database = try FreshDatabase()
        let producer = try KafkaProducer(properties: ["bootstrap.servers": setup.brokers, "linger.ms": "5"])
        func produce(_ range: Range<Int>) throws {
            for index in range {
                try producer.send(
                    topic: setup.engagements, key: "u\(index % 40)",
                    value: #"{"event_id":"k\#(index)","user_id":"u\#(index % 40)","item_id":"i\#(index % 90)","type":"view","ts":1}"#)
            }
            try producer.flush()
        }
        let state = StateRepository(connection: try database.connect())
        func applied() -> Int64 { ((try? state.loadOffsets()) ?? []).reduce(0) { $0 + $1.nextOffset } }
        func waitForApplied(_ count: Int64, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while applied() < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            return applied() == count
        }

        try produce(0..<1_000)
        let daemon = try ServeProcess(arguments: setup.arguments(databaseURL: database.url))
        #expect(setup.wait("/readyz", status: 200, timeout: 60), "\(daemon.output.suffix(2_000))")
        #expect(waitForApplied(1_000, timeout: 60))

        try broker.freezeKafka()
        // Not ready at once (the group session lapses: no partitions), and the
        // metadata probe times out: the brokers are named unreachable.
        let kafka = try setup.readiness(of: "kafka", becomes: "unreachable")
        #expect(kafka.component["status"] as? String == "unreachable", "\(kafka.component)")
        #expect(kafka.httpStatus == 503)
        #expect((kafka.component["last_error"] as? String)?.isEmpty == false)
        Thread.sleep(forTimeInterval: 10)
        #expect(Loopback.get(port: setup.port, path: "/healthz")?.status == 200, "alive: a restart would not bring the broker back")
        try broker.thawKafka()

        try produce(1_000..<2_000)
        #expect(waitForApplied(2_000, timeout: 120), "applied \(applied()) of 2000 after the thaw\n\(daemon.output.suffix(3_000))")
        #expect(setup.wait("/readyz", status: 200, timeout: 60), "ready again")
        #expect(daemon.isRunning, "recovered without a restart")
        #expect(daemon.kill(signal: SIGTERM) == 0)
        let interactions = try state.loadInteractions()
        #expect(interactions.reduce(0) { $0 + $1.weight } == 2_000, "every event applied once")
        #expect(interactions.count == 360, "40 users x 90 items meet in 360 pairs")
    }

    @Test func configCheckNamesEveryProblemAndServeConnectsToNothing() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).toml").path
        try """
        [kafka]
        colour = "blue"
        [batch]
        max_events = "many"
        """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }

        let check = try RecstreamProcess.run(["config", "check", file], environment: [:])
        #expect(check.status == 2)
        #expect(check.output.contains("kafka.colour: unknown key"))
        #expect(check.output.contains("batch.max_events: expected an integer, got \"many\""))
        #expect(check.output.contains("kafka.brokers: required"))

        let postgres = try TCPListener()
        let http = try Loopback.freePort()
        let serve = try RecstreamProcess.run(
            [
                "serve", "--config", file, "--set", "database.url=postgresql://x@127.0.0.1:\(postgres.port)/x", "--set",
                "http.address=127.0.0.1:\(http)",
            ],
            environment: [:])
        #expect(serve.status == 2)
        #expect(
            serve.output.contains("kafka.colour") && serve.output.contains("batch.max_events") && serve.output.contains("kafka.brokers"))
        #expect(!postgres.hadConnection, "refused before connecting to PostgreSQL")

        let fixedBroker = try RecstreamProcess.run(["config", "check", file, "--set", "kafka.brokers=h:9092"], environment: [:])
        #expect(fixedBroker.status == 2, "the other two problems remain")
        #expect(!fixedBroker.output.contains("kafka.brokers"))

        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/recstream.example.toml").path
        let good = try RecstreamProcess.run(["config", "check", example], environment: [:])
        #expect(good.status == 0 && good.output.contains(": ok"), "\(good.output)")
    }
}
