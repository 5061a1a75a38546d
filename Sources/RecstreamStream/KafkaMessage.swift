/// A record read from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: [UInt8]?
    public let value: [UInt8]
    /// The record's timestamp (producer create time or broker append
    /// time), milliseconds since the epoch; nil when the record has none.
    public let timestampMs: Int64?
}

/// A position in a topic partition: the offset of the next record to read.
public struct TopicPartitionOffset: Hashable, Sendable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
