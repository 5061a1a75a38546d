import CRdKafka

/// Facts about the librdkafka runtime that the dynamic loader actually picked.
public enum LibrdkafkaRuntime {
    /// Version string of the loaded library, e.g. "2.16.0".
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// Whether the loaded library can talk to brokers that, like Tansu, need
    /// a librdkafka >= 2.3 ApiVersions handshake.
    public static var speaksModernHandshake: Bool { rd_kafka_version() >= 0x0203_0000 }
}
