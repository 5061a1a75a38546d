import CRdKafka
public import Logging

/// Publishes keyed messages to Kafka topics. One thread at a time sends
/// (topic handles are cached unlocked); delivery reports arrive on
/// librdkafka's threads and are counted behind a mutex.
public final class KafkaProducer: @unchecked Sendable {
    private let client: KafkaClient

    /// Creates a producer from librdkafka properties (at least `bootstrap.servers`).
    public init(properties: [String: String], logger: Logger = Logger(label: "recstream.kafka.producer")) throws {
        client = try KafkaClient(kind: .producer, properties: properties, logger: logger)
    }

    /// Queues one message; the partition is chosen by the configured
    /// partitioner from `key`. Waits while librdkafka's local queue is full.
    public func send(topic: String, key: [UInt8]?, value: [UInt8]) throws {
        let topicHandle = try client.topic(topic)
        while true {
            let result = value.withUnsafeBytes { valueBytes in
                withOptionalBytes(key) { keyBytes in
                    rd_kafka_produce(
                        topicHandle, KafkaConstants.unassignedPartition, KafkaConstants.copyPayload,
                        UnsafeMutableRawPointer(mutating: valueBytes.baseAddress), valueBytes.count,
                        keyBytes?.baseAddress, keyBytes?.count ?? 0, nil)
                }
            }
            if result == 0 { return }
            let code = rd_kafka_last_error()
            guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else { throw KafkaError.from(code, operation: "produce to \(topic)") }
            rd_kafka_poll(client.handle, 10)
        }
    }

    /// Queues one message with string key and value.
    public func send(topic: String, key: String?, value: String) throws {
        try send(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8))
    }

    /// Waits until every queued message is delivered; throws when some were
    /// not, or when the broker cannot be reached in time.
    public func flush(timeoutMs: Int32 = 30_000) throws {
        let code = rd_kafka_flush(client.handle, timeoutMs)
        if code == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.state.timeoutError(operation: "flush") }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(code, operation: "flush") }
        let counters = client.state.counters.withLock { $0 }
        if counters.deliveryFailures > 0 {
            throw KafkaError.deliveryFailed(failed: counters.deliveryFailures, firstError: counters.firstDeliveryError ?? "")
        }
    }

    /// Number of messages the broker acknowledged so far.
    public var deliveredCount: Int { client.state.counters.withLock { $0.delivered } }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
