import Foundation
public import Logging

/// A connection that comes back by itself: `run` hands the current
/// connection to its body, and when the server or the network went away it
/// reconnects with exponential backoff before the next attempt. The body
/// may run more than once, so it must be a whole transaction.
///
/// Any thread may call `run`; a lock lets one body at a time use the
/// connection (the pipeline's committer and its rebalance handler share one).
public final class ReconnectingConnection: @unchecked Sendable {
    public let conninfo: String
    public var initialBackoff: Duration = .milliseconds(100)
    public var maximumBackoff: Duration = .seconds(5)
    private let logger: Logger
    private let onConnectionLoss: @Sendable (PostgresError) -> Void
    private let lock = NSLock()
    private var connection: PostgresConnection?

    /// `onConnectionLoss` hears every failed attempt (before the backoff),
    /// for health reporting and metrics.
    public init(
        conninfo: String, logger: Logger = Logger(label: "recstream.postgres"),
        onConnectionLoss: @escaping @Sendable (PostgresError) -> Void = { _ in }
    ) {
        self.conninfo = conninfo
        self.logger = logger
        self.onConnectionLoss = onConnectionLoss
    }

    /// Runs `body` on a healthy connection, retrying up to `attempts` times
    /// when the connection is lost (SQLSTATE class 08, 57P01-57P03, or a dead
    /// socket); other errors (constraint violations, bad SQL) are thrown at once.
    public func run<R>(attempts: Int = .max, _ body: (PostgresConnection) throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        var backoff = initialBackoff
        var attempt = 0
        while true {
            attempt += 1
            do {
                let current = try connection.flatMap { $0.isHealthy ? $0 : nil } ?? PostgresConnection(conninfo: conninfo)
                connection = current
                return try body(current)
            } catch let error as PostgresError where Self.isConnectionLoss(error, connection: connection) {
                connection = nil
                onConnectionLoss(error)
                guard attempt < attempts else { throw error }
                logger.warning(
                    "postgres unavailable, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)", "backoff": "\(backoff)"])
                Thread.sleep(forTimeInterval: Double(backoff.components.seconds) + Double(backoff.components.attoseconds) * 1e-18)
                backoff = min(backoff * 2, maximumBackoff)
            }
        }
    }

    /// Whether `error` means the connection is gone (rather than the statement being wrong).
    static func isConnectionLoss(_ error: PostgresError, connection: PostgresConnection?) -> Bool {
        if let state = error.sqlState {
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
        }
        return !(connection?.isHealthy ?? false)
    }
}
