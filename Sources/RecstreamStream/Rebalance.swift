/// A consumer-group rebalance, as the application's handler sees it. The
/// handler runs on the polling thread, inside `KafkaConsumer.poll`.
public enum Rebalance: Sendable, Equatable {
    /// These partitions are now ours; the handler answers where each starts.
    case assigned([TopicPartition])
    /// These partitions are leaving; the handler finishes its work on them first.
    case revoked([TopicPartition])
}

/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, Comparable {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// Where an assigned partition starts.
public enum StartPosition: Sendable, Equatable {
    /// At this offset (the next record to read).
    case offset(Int64)
    case beginning
    case end

    /// librdkafka's encoding (RD_KAFKA_OFFSET_BEGINNING = -2, _END = -1).
    var librdkafkaOffset: Int64 {
        switch self {
        case .offset(let offset): return offset
        case .beginning: return -2
        case .end: return -1
        }
    }
}

/// Decides where assigned partitions start and finishes work on revoked ones.
public typealias RebalanceHandler = @Sendable (Rebalance) -> [TopicPartition: StartPosition]
