import Foundation
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// Two `serve` processes on one database and one consumer group: one leads
/// and writes, the other waits as a standby and takes over when the leader
/// dies or freezes; nothing is lost or applied twice.
@Suite("serve: one leader, a hot standby", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct ServeStandbyTests {
    /// The shared topics, group and database, and how to start a daemon on them.
    struct Twins {
        let setup: ServeOperationsTests.Setup
        let database: FreshDatabase
        let group = TestServices.uniqueName("it-twins")
        let producer: KafkaProducer
        /// Every event produced: "user/item" -> its count (each is a view, weight 1).
        var expected: [String: Float] = [:]
        var produced = 0

        init() throws {
            setup = try ServeOperationsTests.Setup()
            database = try FreshDatabase()
            producer = try KafkaProducer(properties: ["bootstrap.servers": setup.brokers, "linger.ms": "5"])
        }

        func start(port: Int, extra: [String] = []) throws -> ServeProcess {
            try ServeProcess(
                arguments: setup.arguments(
                    databaseURL: database.url, extra: ["kafka.group_id=\(group)", "http.address=127.0.0.1:\(port)"] + extra))
        }

        mutating func produce(_ count: Int) throws {
            for _ in 0..<count {
                let user = "u\(produced % 97)"
                let item = "i\(produced % 151)"
                expected["\(user)/\(item)", default: 0] += 1
                try producer.send(
                    topic: setup.engagements, key: user,
                    value: #"{"event_id":"t\#(produced)","user_id":"\#(user)","item_id":"\#(item)","type":"view","ts":1}"#)
                produced += 1
            }
            try producer.flush()
        }

        /// The next offsets stored in PostgreSQL, summed: the events applied.
        func applied() -> Int64 {
            ((try? StateRepository(connection: try database.connect()).loadOffsets()) ?? []).reduce(0) { $0 + $1.nextOffset }
        }

        func waitForApplied(_ count: Int, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while applied() < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            return applied() == Int64(count)
        }

        /// The interactions stored, as "user/item" -> weight.
        func stored() throws -> [String: Float] {
            try StateRepository(connection: try database.connect()).interactionWeights()
        }
    }

    /// `/readyz` of the daemon on `port`: its HTTP status and role.
    static func readiness(port: Int) -> (status: Int, role: String?)? {
        guard let response = Loopback.get(port: port, path: "/readyz") else { return nil }
        let report = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return (response.status, report?["role"] as? String)
    }

    /// Waits until the daemon on `port` answers `/readyz` with `status` and
    /// `role`; returns the seconds it took, nil after `timeout`.
    static func wait(port: Int, status: Int, role: String, timeout: TimeInterval) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if let answer = readiness(port: port), answer.status == status, answer.role == role { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    @Test func theStandbyTakesOverFromAKilledLeaderAndEveryEventIsAppliedOnce() throws {
        var twins = try Twins()
        let (portA, portB) = (try Loopback.freePort(), try Loopback.freePort())
        try twins.produce(5_000)
        var a = try twins.start(port: portA)
        #expect(Self.wait(port: portA, status: 200, role: "leader", timeout: 60) != nil, "\(a.output.suffix(2_000))")
        #expect(twins.waitForApplied(5_000, timeout: 60))

        let b = try twins.start(port: portB)
        #expect(Self.wait(port: portB, status: 503, role: "standby", timeout: 30) != nil, "\(b.output.suffix(2_000))")
        #expect(Loopback.get(port: portB, path: "/healthz")?.status == 200, "a standby is alive")
        let standbyMetrics = try PrometheusText.parse(try #require(Loopback.get(port: portB, path: "/metrics")).body)
        #expect(standbyMetrics["recstream_leader{}"] == 0)

        try twins.produce(20_000)
        #expect(twins.waitForApplied(25_000, timeout: 120), "applied \(twins.applied()) of 25,000")
        #expect(Self.readiness(port: portB)?.role == "standby", "the standby stays one while the leader lives")
        #expect(try twins.stored() == twins.expected)

        // The leader dies; the standby takes over and applies the rest exactly once.
        let killedAt = Date()
        #expect(a.kill(signal: SIGKILL) == SIGKILL)
        let takeover = Self.wait(port: portB, status: 200, role: "leader", timeout: 60)
        #expect(takeover != nil, "\(b.output.suffix(3_000))")
        print(String(format: "takeover after kill -9: ready as leader %.2f s after the kill", Date().timeIntervalSince(killedAt)))
        try twins.produce(5_000)
        #expect(twins.waitForApplied(30_000, timeout: 120), "applied \(twins.applied()) of 30,000\n\(b.output.suffix(3_000))")
        #expect(try twins.stored() == twins.expected)

        // The old leader comes back: now it is the standby.
        a = try twins.start(port: portA)
        #expect(Self.wait(port: portA, status: 503, role: "standby", timeout: 30) != nil, "\(a.output.suffix(2_000))")
        #expect(a.kill(signal: SIGTERM) == 0, "a standby stops cleanly")
        #expect(b.kill(signal: SIGTERM) == 0)
        #expect(try twins.stored() == twins.expected)
    }

    /// A frozen leader (SIGSTOP) loses the lead after the session timeout;
    /// the standby takes over. Thawed, the old leader's batch is refused by
    /// the epoch check, it stops writing and exits, and nothing is doubled.
    @Test func aFrozenLeaderIsFencedOutWhenItThaws() throws {
        var twins = try Twins()
        let (portA, portB) = (try Loopback.freePort(), try Loopback.freePort())
        let fast = ["leadership.session_timeout_ms=2000", "batch.max_events=300"]
        try twins.produce(1_000)
        let a = try twins.start(port: portA, extra: fast)
        #expect(Self.wait(port: portA, status: 200, role: "leader", timeout: 60) != nil, "\(a.output.suffix(2_000))")
        #expect(twins.waitForApplied(1_000, timeout: 60))
        let b = try twins.start(port: portB, extra: fast)
        #expect(Self.wait(port: portB, status: 503, role: "standby", timeout: 30) != nil)

        // Freeze the leader while it drains a backlog, with a batch in hand.
        try twins.produce(20_000)
        let deadline = Date().addingTimeInterval(60)
        while twins.applied() < 3_000 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let frozenAt = Date()
        kill(a.processIdentifier, SIGSTOP)
        let takeover = Self.wait(port: portB, status: 200, role: "leader", timeout: 60)
        #expect(takeover != nil, "\(b.output.suffix(3_000))")
        print(String(format: "takeover from a frozen leader: ready as leader %.2f s after the freeze", Date().timeIntervalSince(frozenAt)))
        #expect(twins.waitForApplied(21_000, timeout: 120), "applied \(twins.applied()) of 21,000")

        kill(a.processIdentifier, SIGCONT)
        let exitDeadline = Date().addingTimeInterval(60)
        while a.isRunning && Date() < exitDeadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!a.isRunning, "the thawed old leader stops")
        #expect(a.kill(signal: SIGTERM) != 0, "and says it failed")
        #expect(
            a.output.contains("leadership lost") || a.output.contains("another daemon leads this database"), "\(a.output.suffix(2_000))")
        try twins.produce(1_000)
        #expect(twins.waitForApplied(22_000, timeout: 120))
        #expect(try twins.stored() == twins.expected, "nothing applied twice")
        #expect(b.kill(signal: SIGTERM) == 0)
    }
}
