import Foundation
import RecstreamStream
import Synchronization
import TestSupport
import Testing

/// A member that gives its consumer up in the middle of a rebalance (a
/// daemon fenced out while the new leader joins) must not keep the joining
/// member from its partitions.
@Suite("Abandoning a group member", .enabled(if: TestServices.kafkaRequested))
struct GroupAbandonTests {
    @Test func aMemberAbandonedDuringARebalanceLetsTheJoiningMemberHaveEveryPartition() throws {
        let brokers = try TestServices.kafkaBrokers()
        let topic = TestServices.uniqueName("it-abandon")
        let group = TestServices.uniqueName("it-abandon-group")
        try KafkaAdmin(properties: ["bootstrap.servers": brokers]).createTopic(topic, partitions: 3)
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"])
        for index in 0..<300 { try producer.send(topic: topic, key: "k\(index)", value: "v\(index)") }
        try producer.flush()
        @Sendable func member() throws -> KafkaConsumer {
            try KafkaConsumer(properties: [
                "bootstrap.servers": brokers, "group.id": group, "auto.offset.reset": "earliest", "session.timeout.ms": "1000",
                "heartbeat.interval.ms": "100",
            ])
        }

        let events = Mutex<[Rebalance]>([])
        var first: KafkaConsumer? = try member()
        try first?.subscribe(topics: [topic]) { event in
            events.withLock { $0.append(event) }
            return [:]
        }
        let deadline = Date().addingTimeInterval(30)
        while events.withLock({ $0.isEmpty }) && Date() < deadline { _ = try first?.poll(timeoutMs: 100) }
        #expect(events.withLock { $0.first.map { if case .assigned(let partitions) = $0 { partitions.count } else { 0 } } } == 3)

        // The second member joins on a thread of its own; the first serves
        // its revocation, is abandoned and released (a fenced daemon exits).
        let consumedPartitions = Mutex<Set<Int32>>([])
        let joined = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { joined.signal() }
            guard let second = try? member(), (try? second.subscribe(topics: [topic])) != nil else { return }
            while consumedPartitions.withLock({ $0.count }) < 3 && Date() < deadline {
                if let message = try? second.poll(timeoutMs: 100) { _ = consumedPartitions.withLock { $0.insert(message.partition) } }
            }
            second.close()
        }
        while !events.withLock({ $0.contains { if case .revoked = $0 { true } else { false } } }) && Date() < deadline {
            _ = try first?.poll(timeoutMs: 100)
        }
        first?.abandon()
        first = nil
        joined.wait()
        #expect(consumedPartitions.withLock { $0 } == [0, 1, 2], "the joining member reads every partition")
    }
}
