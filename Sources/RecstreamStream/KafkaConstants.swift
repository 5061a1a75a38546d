/// librdkafka's macros that Swift does not import.
enum KafkaConstants {
    /// `RD_KAFKA_PARTITION_UA`: no partition chosen; the partitioner (or the group) picks one.
    static let unassignedPartition: Int32 = -1
    /// `RD_KAFKA_MSG_F_COPY`: librdkafka copies the payload before `rd_kafka_produce` returns.
    static let copyPayload: Int32 = 0x2
    /// `RD_KAFKA_OFFSET_INVALID`: no offset; librdkafka fills in the committed one.
    static let invalidOffset: Int64 = -1001
}
