import Logging
import Synchronization

/// State that librdkafka's callbacks report into, shared with the owning
/// client through `rd_kafka_conf_set_opaque`. Callbacks run on librdkafka's
/// threads or inside poll calls, so everything here is behind a mutex.
final class KafkaClientState: Sendable {
    struct Counters {
        var lastBrokerError: String?
        var brokerErrors = 0
        var handshakeError: String?
        var delivered = 0
        var deliveryFailures = 0
        var firstDeliveryError: String?
    }

    let logger: Logger
    let counters = Mutex(Counters())
    /// librdkafka repeats a connection error many times a second while a
    /// broker is away: alike lines are logged once per interval, with a count.
    let throttle = LogThrottle()
    /// The consumer's rebalance handler, set when it subscribes; nil keeps
    /// the offsets librdkafka proposes (the group's committed ones).
    let rebalanceHandler = Mutex<RebalanceHandler?>(nil)

    init(logger: Logger) {
        self.logger = logger
    }

    func recordBrokerError(code: Int32, reason: String) {
        counters.withLock {
            $0.lastBrokerError = reason
            $0.brokerErrors += 1
            if Self.isHandshakeFailure(reason) { $0.handshakeError = reason }
        }
        guard let heldBack = throttle.admit("\(code) \(reason)") else { return }
        logger.warning("kafka error", metadata: LogThrottle.metadata(["code": "\(code)", "reason": "\(reason)"], heldBack: heldBack))
    }

    /// Handles one line of librdkafka's log (syslog levels), which reports
    /// handshake failures even while a blocking call keeps callbacks unserved.
    func recordLog(level: Int32, facility: String, text: String) {
        if Self.isHandshakeFailure(text) {
            counters.withLock { $0.handshakeError = text }
        }
        let swiftLevel: Logger.Level = level <= 3 ? .error : level <= 5 ? .notice : .debug
        guard logger.logLevel <= swiftLevel, let heldBack = throttle.admit("\(facility) \(text)") else { return }
        logger.log(
            level: swiftLevel, "librdkafka: \(text)", metadata: LogThrottle.metadata(["facility": "\(facility)"], heldBack: heldBack))
    }

    /// librdkafka < 2.3 fails Tansu's ApiVersions response with "Read underflow".
    private static func isHandshakeFailure(_ text: String) -> Bool {
        text.contains("ApiVersionRequest failed") || text.contains("Read underflow")
    }

    func recordDelivery(error: String?) {
        counters.withLock {
            if let error {
                $0.deliveryFailures += 1
                if $0.firstDeliveryError == nil { $0.firstDeliveryError = error }
            } else {
                $0.delivered += 1
            }
        }
    }

    /// The error to report when an operation did not complete in time: a
    /// rejected handshake is named as such, with the runtime version and fix.
    func timeoutError(operation: String) -> KafkaError {
        let snapshot = counters.withLock { $0 }
        if let handshake = snapshot.handshakeError, !LibrdkafkaRuntime.speaksModernHandshake {
            return .handshakeRejected(librdkafkaVersion: LibrdkafkaRuntime.version, brokerError: handshake)
        }
        return .timedOut(operation: operation, lastBrokerError: snapshot.lastBrokerError)
    }
}
