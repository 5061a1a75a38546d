import CRdKafka
import Logging

/// Owns one librdkafka handle (`rd_kafka_t`) and destroys it in `deinit`.
///
/// Not thread-safe beyond what librdkafka itself guarantees: the producer and
/// consumer types that hold a client use it from one task at a time.
final class KafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let state: KafkaClientState
    /// Topic handles by name, for the legacy produce API (rd_kafka_producev is variadic).
    private var topics: [String: OpaquePointer] = [:]
    /// `rd_kafka_destroy_flags` flags for `deinit`.
    var destroyFlags: Int32 = 0

    init(kind: Kind, properties: [String: String], logger: Logger) throws {
        let conf = rd_kafka_conf_new()!
        var errorText = CErrorBuffer()
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorText.storage, errorText.storage.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.invalidProperty(key: key, reason: errorText.text)
            }
        }
        let state = KafkaClientState(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(state).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let opaque else { return }
            let state = Unmanaged<KafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
            state.recordBrokerError(code: code, reason: reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let state = Unmanaged<KafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
            state.recordLog(
                level: level, facility: facility.map { String(cString: $0) } ?? "", text: message.map { String(cString: $0) } ?? "")
        }
        if kind == .producer {
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let opaque, let message else { return }
                let state = Unmanaged<KafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
                let error = message.pointee.err
                state.recordDelivery(error: error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(error)))
            }
        }
        if kind == .consumer {
            rd_kafka_conf_set_rebalance_cb(conf) { rk, code, partitions, opaque in
                guard let rk, let partitions, let opaque else { return }
                let state = Unmanaged<KafkaClientState>.fromOpaque(opaque).takeUnretainedValue()
                KafkaClient.rebalance(rk, code: code, partitions: partitions, state: state)
            }
        }
        guard
            let handle = rd_kafka_new(
                kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorText.storage, errorText.storage.count)
        else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.operationFailed(operation: "create client", code: -1, message: errorText.text)
        }
        self.handle = handle
        self.state = state
    }

    /// Runs the application's handler and applies the (incremental, for the
    /// cooperative protocol) assignment change librdkafka waits for.
    private static func rebalance(
        _ rk: OpaquePointer, code: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        state: KafkaClientState
    ) {
        // NULL once the group is terminating (the consumer closes).
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let members = (0..<Int(partitions.pointee.cnt)).map { index in
            TopicPartition(
                topic: String(cString: partitions.pointee.elems[index].topic), partition: partitions.pointee.elems[index].partition)
        }
        var failure: OpaquePointer?
        // Read once: the handler runs without the lock, and may take long (it commits a batch).
        let handler = state.rebalanceHandler.withLock { $0 }
        if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            let starts = handler?(.assigned(members))
            if let starts {
                for (index, member) in members.enumerated() {
                    partitions.pointee.elems[index].offset = (starts[member] ?? .end).librdkafkaOffset
                }
            }
            let described = members.map { member in
                "\(member.topic)[\(member.partition)]@\(starts.map { "\($0[member] ?? .end)" } ?? "committed")"
            }
            state.logger.info("partitions assigned", metadata: ["partitions": "\(described)"])
            if cooperative { failure = rd_kafka_incremental_assign(rk, partitions) } else { rd_kafka_assign(rk, partitions) }
        } else {
            _ = handler?(.revoked(members))
            state.logger.info("partitions revoked", metadata: ["partitions": "\(members.map { "\($0.topic)[\($0.partition)]" })"])
            if cooperative { failure = rd_kafka_incremental_unassign(rk, partitions) } else { rd_kafka_assign(rk, nil) }
        }
        if let failure {
            state.logger.error("rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_error_string(failure)))"])
            rd_kafka_error_destroy(failure)
        }
    }

    deinit {
        for topic in topics.values { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy_flags(handle, destroyFlags)
    }

    /// The topic handle for `name`, created on first use.
    func topic(_ name: String) throws -> OpaquePointer {
        if let existing = topics[name] { return existing }
        guard let created = rd_kafka_topic_new(handle, name, nil) else {
            throw KafkaError.from(rd_kafka_last_error(), operation: "open topic \(name)")
        }
        topics[name] = created
        return created
    }

    /// Partition count of every topic the broker knows, or (`allTopics`
    /// false) of the topics this client uses.
    func topicPartitionCounts(allTopics: Bool = true, timeoutMs: Int32) throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, allTopics ? 1 : 0, nil, &metadata, timeoutMs)
        if code == RD_KAFKA_RESP_ERR__TIMED_OUT || code == RD_KAFKA_RESP_ERR__TRANSPORT {
            throw state.timeoutError(operation: "metadata request")
        }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.from(code, operation: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            counts[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return counts
    }
}
