import CRdKafka
public import Logging

/// Topic administration through the Kafka Admin API, from one thread at a time.
public final class KafkaAdmin: @unchecked Sendable {
    private let client: KafkaClient

    /// Creates an admin client from librdkafka properties (at least `bootstrap.servers`).
    public init(properties: [String: String], logger: Logger = Logger(label: "recstream.kafka.admin")) throws {
        client = try KafkaClient(kind: .producer, properties: properties, logger: logger)
    }

    /// Creates a topic; an already existing topic is not an error.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1, timeoutMs: Int32 = 10_000) throws {
        var errorText = CErrorBuffer()
        guard let topic = rd_kafka_NewTopic_new(name, partitions, replicationFactor, &errorText.storage, errorText.storage.count) else {
            throw KafkaError.operationFailed(operation: "create topic \(name)", code: -1, message: errorText.text)
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [topic]
        rd_kafka_CreateTopics(client.handle, &topics, 1, nil, queue)

        guard let event = rd_kafka_queue_poll(queue, timeoutMs) else {
            throw client.state.timeoutError(operation: "create topic \(name)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError == RD_KAFKA_RESP_ERR__TIMED_OUT || eventError == RD_KAFKA_RESP_ERR__TRANSPORT {
            throw client.state.timeoutError(operation: "create topic \(name)")
        }
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.from(eventError, operation: "create topic \(name)")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else { return }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for index in 0..<count {
            let code = rd_kafka_topic_result_error(results[index])
            if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let message = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) } ?? ""
                throw KafkaError.operationFailed(operation: "create topic \(name)", code: code.rawValue, message: message)
            }
        }
    }

    /// Partition count of every topic the broker knows (a metadata request).
    public func topicPartitionCounts(timeoutMs: Int32 = 10_000) throws -> [String: Int] {
        try client.topicPartitionCounts(timeoutMs: timeoutMs)
    }
}
