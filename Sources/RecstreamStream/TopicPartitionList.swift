import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` and frees it in `deinit`.
final class TopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(capacity))
    }

    convenience init(_ positions: [TopicPartitionOffset]) {
        self.init(capacity: positions.count)
        for position in positions {
            let element = rd_kafka_topic_partition_list_add(pointer, position.topic, position.partition)!
            element.pointee.offset = position.offset
        }
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    /// The list's elements as values; `offset` is librdkafka's (negative when unset).
    var positions: [TopicPartitionOffset] {
        (0..<Int(pointer.pointee.cnt)).map { index in
            let element = pointer.pointee.elems[index]
            return TopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
        }
    }

    /// The first per-partition error in the list, if any.
    var firstError: KafkaError? {
        for index in 0..<Int(pointer.pointee.cnt) where pointer.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = pointer.pointee.elems[index]
            return KafkaError.from(element.err, operation: "partition \(String(cString: element.topic))[\(element.partition)]")
        }
        return nil
    }
}
