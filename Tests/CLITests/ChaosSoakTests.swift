import Foundation
import RecstreamModel
import RecstreamStore
import RecstreamStream
import Synchronization
import TestSupport
import Testing

/// The chaos soak (`ops/soak`, minutes long, not part of `ops/test`):
/// events at a steady rate into a leader and a hot standby on a PostgreSQL
/// server and a broker of the test's own, while whichever daemon leads is
/// killed with SIGKILL ten times (and started again at once, as the new
/// standby), PostgreSQL crashes once (immediate shutdown, then crash
/// recovery) and the broker freezes once. A daemon that stops on its own
/// (a leader fenced out while PostgreSQL was away) must say it failed, and
/// is started again, as systemd would. The final interactions must equal
/// an independent count of the events produced. `RECSTREAM_SOAK_ACTIONS`
/// (e.g. `postgres,kill,kill`) replaces the default sequence.
@Suite(
    "chaos soak",
    .enabled(if: ProcessInfo.processInfo.environment["RECSTREAM_SOAK"] == "1" && TestServices.kafkaRequested)
)
struct ChaosSoakTests {
    @Test func killsCrashesAndFreezesLoseNothingAndApplyNothingTwice() throws {
        let environment = ProcessInfo.processInfo.environment
        let eventCount = Int(environment["RECSTREAM_SOAK_EVENTS"] ?? "") ?? 200_000
        let rate = Double(environment["RECSTREAM_SOAK_RATE"] ?? "") ?? 2_000
        let stack = OwnStack(prefix: "soak")
        defer { try? stack.remove() }
        let databaseURL = try stack.startPostgres()
        let brokers = try stack.startKafka()
        let engagements = TestServices.uniqueName("soak-engagements")
        let catalog = TestServices.uniqueName("soak-catalog")
        let admin = try KafkaAdmin(properties: ["bootstrap.servers": brokers])
        try admin.createTopic(engagements, partitions: 3)
        try admin.createTopic(catalog, partitions: 1)
        let arguments =
            ["serve"]
            + [
                "kafka.brokers=\(brokers)", "database.url=\(databaseURL)", "kafka.engagement_topic=\(engagements)",
                "kafka.catalog_topic=\(catalog)", "kafka.group_id=\(TestServices.uniqueName("soak"))", "kafka.session_timeout_ms=2000",
                "kafka.properties.heartbeat.interval.ms=200", "leadership.session_timeout_ms=2000", "model.dimension=16",
                "http.address=127.0.0.1:0",
            ].flatMap { ["--set", $0] }
        func database() throws -> PostgresConnection { try PostgresConnection(conninfo: databaseURL) }
        func applied() -> Int64 {
            ((try? StateRepository(connection: try database()).loadOffsets()) ?? []).reduce(0) { $0 + $1.nextOffset }
        }
        /// The leader's process id and epoch, as the database records them.
        func leader() -> (pid: Int32, epoch: Int64)? {
            guard let result = try? database().execute("select holder, epoch from leadership"), result.rowCount == 1,
                let holder = result.text(row: 0, column: 0), let pid = holder.split(separator: "/").last.flatMap({ Int32($0) }),
                let epoch = result.text(row: 0, column: 1).flatMap({ Int64($0) })
            else { return nil }
            return (pid, epoch)
        }

        // The producer: a steady rate, keyed by user, counted independently.
        let expected = Mutex<[String: Float]>([:])
        let expectedSteps = Mutex(IndependentStepCount())
        let produced = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { produced.signal() }
            guard let producer = try? KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"]) else { return }
            var random = SplitMix64(seed: 23)
            let weights: [EventType: Float] = [.view: 1, .click: 2, .like: 4]
            let start = Date()
            for index in 0..<eventCount {
                let due = start.addingTimeInterval(Double(index) / rate)
                if due > Date() { Thread.sleep(until: due) }
                let user = "u\(Int.random(in: 0..<2_000, using: &random))"
                let item = "i\(Int.random(in: 0..<3_000, using: &random))"
                let type = EventType.allCases[index % 3]
                expected.withLock { $0["\(user)/\(item)", default: 0] += weights[type]! }
                expectedSteps.withLock { $0.record(user: user, item: item) }
                try? producer.send(
                    topic: engagements, key: user,
                    value: #"{"event_id":"s\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"\#(type.rawValue)","ts":\#(index)}"#
                )
            }
            try? producer.flush()
        }

        // Like systemd's Restart=on-failure, a daemon that exits on its own
        // (a leader fenced out while PostgreSQL was away) is started again
        // as a standby; every log is kept for the report.
        var daemons = [try ServeProcess(arguments: arguments), try ServeProcess(arguments: arguments)]
        var logs: [ServeProcess] = daemons
        var exits: [Int32] = []
        func supervise() throws {
            for index in daemons.indices where !daemons[index].isRunning {
                exits.append(daemons[index].kill(signal: SIGTERM))
                daemons[index] = try ServeProcess(arguments: arguments)
                logs.append(daemons[index])
            }
        }
        func sleep(_ seconds: Double) throws {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                try supervise()
                Thread.sleep(forTimeInterval: min(0.02, max(0, end.timeIntervalSinceNow)))
            }
        }
        let actions =
            environment["RECSTREAM_SOAK_ACTIONS"].map { $0.split(separator: ",").map(String.init) }
            ?? ["kill", "kill", "kill", "kill", "postgres", "kill", "kill", "kill", "broker", "kill", "kill", "kill"]
        let interval = Double(eventCount) / rate / Double(actions.count + 1)
        var takeovers: [Double] = []
        for action in actions {
            try sleep(interval)
            switch action {
            case "postgres":
                print("soak: PostgreSQL crashes (immediate shutdown), back after 3 s")
                try stack.crashPostgres()
                try sleep(3)
                try stack.startPostgres()
            case "broker":
                print("soak: the broker freezes for 5 s")
                try stack.freezeKafka()
                try sleep(5)
                try stack.thawKafka()
            default:
                let deadline = Date().addingTimeInterval(60)
                var current = leader()
                while (current == nil || !daemons.contains { $0.processIdentifier == current!.pid && $0.isRunning }) && Date() < deadline {
                    try sleep(0.05)
                    current = leader()
                }
                guard let current, let index = daemons.firstIndex(where: { $0.processIdentifier == current.pid }) else {
                    Issue.record("no daemon leads")
                    continue
                }
                let killedAt = Date()
                daemons[index].kill(signal: SIGKILL)
                daemons[index] = try ServeProcess(arguments: arguments)
                logs.append(daemons[index])
                while (leader().map { $0.epoch == current.epoch } ?? true) && Date() < deadline { try sleep(0.02) }
                takeovers.append(Date().timeIntervalSince(killedAt))
            }
        }
        while produced.wait(timeout: .now() + 0.05) == .timedOut { try supervise() }
        let deadline = Date().addingTimeInterval(300)
        while applied() < Int64(eventCount) && Date() < deadline { try sleep(0.2) }
        let stopped = daemons.map { $0.kill(signal: SIGTERM) }

        let state = StateRepository(connection: try database())
        let stored = try state.interactionWeights()
        let counted = expected.withLock { $0 }
        let differing = Set(stored.keys).union(counted.keys).filter { stored[$0] != counted[$0] }
        let steps = try state.transitionWeights()
        let countedSteps = expectedSteps.withLock { $0.weights }
        let differingSteps = Set(steps.keys).union(countedSteps.keys).filter { steps[$0] != countedSteps[$0] }
        let deadLetters = try state.loadDeadLetters()
        #expect(stopped.allSatisfy { $0 == 0 }, "exit statuses on SIGTERM: \(stopped)")
        #expect(!exits.contains(0), "a daemon that stops on its own says it failed (systemd restarts only those)")
        #expect(applied() == Int64(eventCount))
        #expect(differing.isEmpty, "\(differing.count) of \(counted.count) pairs differ")
        #expect(differingSteps.isEmpty, "\(differingSteps.count) of \(countedSteps.count) transitions differ")
        #expect(deadLetters.isEmpty)
        if !stopped.allSatisfy({ $0 == 0 }) || exits.contains(0) || applied() != Int64(eventCount) || !differing.isEmpty
            || !differingSteps.isEmpty
            || !deadLetters.isEmpty
        {
            for (index, daemon) in logs.enumerated() { print("soak: daemon \(index)'s log ends:\n\(daemon.output.suffix(6_000))") }
        }
        let sorted = takeovers.sorted()
        print(
            String(
                format: "soak: %d events, %d kills: takeover p50 %.2f s, max %.2f s (%@); %d exits on their own (%@)", eventCount,
                sorted.count, sorted.isEmpty ? 0 : sorted[sorted.count / 2], sorted.last ?? 0,
                sorted.map { String(format: "%.2f", $0) }.joined(separator: ", "), exits.count,
                exits.map(String.init).joined(separator: ", ")))
    }
}
