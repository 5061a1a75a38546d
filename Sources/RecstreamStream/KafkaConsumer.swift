import CRdKafka
import Dispatch
public import Logging

/// A member of a Kafka consumer group with manual offset commits.
///
/// `poll` belongs to one thread, which also runs the rebalance handler
/// (librdkafka calls it inside `poll`). `commitAsync`, `probeBrokers`,
/// `fetchedWatermarks` and `brokerErrorCount` are safe from any thread:
/// librdkafka locks its own state.
public final class KafkaConsumer: @unchecked Sendable {
    private let client: KafkaClient
    private var closed = false

    /// Creates a consumer from librdkafka properties; `group.id` and
    /// `bootstrap.servers` are required, `enable.auto.commit` defaults to false.
    public init(properties: [String: String], logger: Logger = Logger(label: "recstream.kafka.consumer")) throws {
        var properties = properties
        if properties["enable.auto.commit"] == nil { properties["enable.auto.commit"] = "false" }
        client = try KafkaClient(kind: .consumer, properties: properties, logger: logger)
        rd_kafka_poll_set_consumer(client.handle)
    }

    deinit {
        close()
    }

    /// Joins the group for these topics (assignment happens during `poll`).
    /// With `onRebalance`, the application decides where assigned partitions
    /// start (e.g. at offsets it stored itself) and finishes its work on
    /// revoked ones before they go; without, partitions start at the
    /// group's committed offsets.
    public func subscribe(topics: [String], onRebalance: RebalanceHandler? = nil) throws {
        client.state.rebalanceHandler.withLock { $0 = onRebalance }
        let list = TopicPartitionList(capacity: topics.count)
        for topic in topics { rd_kafka_topic_partition_list_add(list.pointer, topic, KafkaConstants.unassignedPartition) }
        let code = rd_kafka_subscribe(client.handle, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(code, operation: "subscribe") }
    }

    /// The next record, or nil when none arrived within `timeoutMs`.
    /// End-of-partition notices are skipped; other errors are thrown.
    public func poll(timeoutMs: Int32) throws -> KafkaMessage? {
        guard let message = rd_kafka_consumer_poll(client.handle, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let record = message.pointee
        if record.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
        guard record.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.from(record.err, operation: "consume")
        }
        let value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        let key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaMessage(
            topic: String(cString: rd_kafka_topic_name(record.rkt)), partition: record.partition,
            offset: record.offset, key: key, value: value,
            timestampMs: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || timestamp < 0 ? nil : timestamp)
    }

    /// Moves assigned partitions to these next-offsets: the following
    /// `poll`s return records from there (prefetched ones are dropped).
    public func seek(_ positions: [TopicPartitionOffset], timeoutMs: Int32 = 10_000) throws {
        guard !positions.isEmpty else { return }
        let list = TopicPartitionList(positions)
        if let failure = rd_kafka_seek_partitions(client.handle, list.pointer, timeoutMs) {
            defer { rd_kafka_error_destroy(failure) }
            throw KafkaError.operationFailed(
                operation: "seek", code: rd_kafka_error_code(failure).rawValue, message: String(cString: rd_kafka_error_string(failure)))
        }
        if let error = list.firstError { throw error }
    }

    /// Commits next-offsets to the group coordinator without waiting (for
    /// lag monitoring; the source of truth may be elsewhere).
    public func commitAsync(_ positions: [TopicPartitionOffset]) throws {
        guard !positions.isEmpty else { return }
        let list = TopicPartitionList(positions)
        let code = rd_kafka_commit(client.handle, list.pointer, 1)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(code, operation: "commit") }
    }

    /// Commits the given next-offsets to the group coordinator and waits for the answer.
    public func commit(_ positions: [TopicPartitionOffset]) throws {
        let list = TopicPartitionList(positions)
        let code = rd_kafka_commit(client.handle, list.pointer, 0)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(code, operation: "commit") }
        if let error = list.firstError { throw error }
    }

    /// The group's committed next-offsets for these partitions (negative when none).
    public func committed(_ partitions: [(topic: String, partition: Int32)], timeoutMs: Int32 = 10_000) throws -> [TopicPartitionOffset] {
        let list = TopicPartitionList(
            partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: KafkaConstants.invalidOffset) })
        let code = rd_kafka_committed(client.handle, list.pointer, timeoutMs)
        if code == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.state.timeoutError(operation: "committed offsets") }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.from(code, operation: "committed offsets") }
        return list.positions
    }

    /// Low and high watermark of a partition as the last fetch response
    /// reported them (no request). Against Tansu 0.6 this is the reliable
    /// end offset: its ListOffsets answers the last batch's base offset + 1.
    public func fetchedWatermarks(topic: String, partition: Int32) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(client.handle, topic, partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.from(code, operation: "fetched watermarks of \(topic)[\(partition)]")
        }
        return (low, high)
    }

    /// Asks the cluster for the metadata of the subscribed topics: throws
    /// when no broker answers within `timeoutMs`. Safe to call from another
    /// thread than `poll`'s.
    public func probeBrokers(timeoutMs: Int32) throws {
        _ = try client.topicPartitionCounts(allTopics: false, timeoutMs: timeoutMs)
    }

    /// Errors librdkafka reported for the cluster connection (transport,
    /// all brokers down, authentication, ...) since the consumer started.
    public var brokerErrorCount: Int { client.state.counters.withLock { $0.brokerErrors } }

    /// Leaves the group cleanly; called by `deinit` when not called before.
    ///
    /// It unsubscribes and serves the revocation (and any rebalance event
    /// still queued) first, for up to `timeoutMs`, and closes once nothing
    /// is assigned: a rebalance event still queued when the consumer closes
    /// is served after the group has terminated, and the assign call it
    /// needs then waits forever (librdkafka issue #4884: a leader fenced out
    /// during a rebalance hung there instead of exiting).
    public func close(timeoutMs: Int = 10_000) {
        guard !closed else { return }
        closed = true
        rd_kafka_unsubscribe(client.handle)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        while hasAssignment && DispatchTime.now().uptimeNanoseconds < deadline {
            if let message = rd_kafka_consumer_poll(client.handle, 100) { rd_kafka_message_destroy(message) }
        }
        rd_kafka_consumer_close(client.handle)
    }

    /// Gives the consumer up without leaving the group: its release (or the
    /// process's exit) sends no LeaveGroup request and serves no
    /// revocation, and the group drops the member once its session times
    /// out (`session.timeout.ms`), as if the process had died. Until the
    /// release it stays a member. No other call may follow.
    ///
    /// For a member fenced out while another daemon joins the group: Tansu
    /// 0.6 never finishes a rebalance that a member leaves in the middle of
    /// (every member's join waits forever after it), but finishes one whose
    /// member lapses. Against Kafka it costs the joining member at most one
    /// session timeout.
    public func abandon() {
        guard !closed else { return }
        closed = true
        client.destroyFlags = RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE
    }

    /// Whether any partition is assigned to this member now.
    private var hasAssignment: Bool {
        var partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &partitions) == RD_KAFKA_RESP_ERR_NO_ERROR, let partitions else { return false }
        defer { rd_kafka_topic_partition_list_destroy(partitions) }
        return partitions.pointee.cnt > 0
    }
}
