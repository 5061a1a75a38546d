import CRdKafka

/// An error reported by librdkafka or by recstream's use of it.
public enum KafkaError: Error, CustomStringConvertible, Sendable {
    /// A configuration property was refused by librdkafka.
    case invalidProperty(key: String, reason: String)
    /// librdkafka returned an error code for an operation.
    case operationFailed(operation: String, code: Int32, message: String)
    /// The broker rejected the protocol handshake (ApiVersions) of this
    /// librdkafka runtime; `librdkafkaVersion` is the runtime actually loaded.
    case handshakeRejected(librdkafkaVersion: String, brokerError: String)
    /// An operation did not complete in time; `lastBrokerError` is the last
    /// error librdkafka reported, if any.
    case timedOut(operation: String, lastBrokerError: String?)
    /// Messages could not be delivered to the broker.
    case deliveryFailed(failed: Int, firstError: String)

    public var description: String {
        switch self {
        case .invalidProperty(let key, let reason):
            return "kafka property '\(key)' refused: \(reason)"
        case .operationFailed(let operation, let code, let message):
            return "kafka \(operation) failed (\(code)): \(message)"
        case .handshakeRejected(let version, let brokerError):
            return """
                the broker rejected the handshake of librdkafka \(version) (\(brokerError)). \
                recstream needs librdkafka >= 2.3 for Kafka-protocol brokers such as Tansu; \
                Debian 12 ships 2.0.2. Fix: run ./ops/bootstrap (it installs librdkafka 2.16 into .local/lib) \
                and start recstream through ./ops/recstream, or put a directory holding \
                librdkafka.so.1 >= 2.3 first on LD_LIBRARY_PATH.
                """
        case .timedOut(let operation, let lastBrokerError):
            return "kafka \(operation) timed out" + (lastBrokerError.map { "; last broker error: \($0)" } ?? "")
        case .deliveryFailed(let failed, let firstError):
            return "kafka delivery failed for \(failed) message(s); first error: \(firstError)"
        }
    }

    /// Builds an error from a librdkafka response code.
    static func from(_ code: rd_kafka_resp_err_t, operation: String) -> KafkaError {
        .operationFailed(operation: operation, code: code.rawValue, message: String(cString: rd_kafka_err2str(code)))
    }
}
