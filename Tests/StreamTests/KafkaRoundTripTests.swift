import Foundation
import RecstreamStream
import TestSupport
import Testing

@Suite("Kafka round trip against a real broker")
struct KafkaRoundTripTests {
    /// 10,000 keyed JSON messages through a 3-partition topic and back through
    /// a consumer group with manual commits.
    @Test(.enabled(if: TestServices.kafkaRequested))
    func producedMessagesComeBackOnceWithCommittedEndOffsets() throws {
        let brokers = try TestServices.kafkaBrokers()
        let topic = TestServices.uniqueName("it-roundtrip")
        let messageCount = 10_000
        try KafkaAdmin(properties: ["bootstrap.servers": brokers]).createTopic(topic, partitions: 3)

        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"])
        var sent: [String: String] = [:]  // payload -> key
        for index in 0..<messageCount {
            let user = "user-\(index % 97)"
            let payload = #"{"event_id":"e\#(index)","user_id":"\#(user)","item_id":"i\#(index % 13)","type":"view"}"#
            sent[payload] = user
            try producer.send(topic: topic, key: user, value: payload)
        }
        try producer.flush()
        #expect(producer.deliveredCount == messageCount)

        let consumer = try KafkaConsumer(properties: [
            "bootstrap.servers": brokers, "group.id": TestServices.uniqueName("it-group"),
            "auto.offset.reset": "earliest", "session.timeout.ms": "1000", "heartbeat.interval.ms": "100",
        ])
        try consumer.subscribe(topics: [topic])
        var received: [String: String] = [:]
        var nextOffsets: [Int32: Int64] = [:]
        var lastOffset: [Int32: Int64] = [:]
        var perPartition: [Int32: Int64] = [:]
        let deadline = Date().addingTimeInterval(60)
        while received.count < messageCount && Date() < deadline {
            guard let message = try consumer.poll(timeoutMs: 200) else { continue }
            #expect(message.offset > lastOffset[message.partition, default: -1], "offsets increase within a partition")
            lastOffset[message.partition] = message.offset
            perPartition[message.partition, default: 0] += 1
            received[String(decoding: message.value, as: UTF8.self)] = message.key.map { String(decoding: $0, as: UTF8.self) }
            nextOffsets[message.partition] = message.offset + 1
            if received.count % 1_000 == 0 {
                try consumer.commit(nextOffsets.map { TopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) })
            }
        }
        try consumer.commit(nextOffsets.map { TopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) })

        #expect(received.count == messageCount)
        #expect(received == sent, "every payload arrives once, with the key it was sent with")
        #expect(nextOffsets.count == 3, "keys spread over all three partitions")

        let committed = try consumer.committed((0..<3).map { (topic: topic, partition: Int32($0)) })
        for position in committed {
            // A new topic starts at offset 0 with no gaps: its end offset is its record count,
            // and the broker's high watermark (as last fetched) must agree.
            let end = try consumer.fetchedWatermarks(topic: topic, partition: position.partition).high
            #expect(end == perPartition[position.partition], "high watermark of partition \(position.partition) = records in it")
            #expect(position.offset == end, "committed offset of partition \(position.partition) equals its end offset")
        }
        consumer.close()
    }

    @Test func librdkafkaRuntimeSpeaksTheModernHandshake() {
        // The test binary carries the same rpath as recstream: it must load 2.16, not Debian's 2.0.2.
        #expect(LibrdkafkaRuntime.speaksModernHandshake, "loaded librdkafka \(LibrdkafkaRuntime.version)")
    }
}
